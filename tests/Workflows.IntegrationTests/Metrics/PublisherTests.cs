using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using Workflows.IntegrationTests.Infrastructure;
using Workflows.ScalingSignals;
using Workflows.Service.Metrics;
using Workflows.Service.Options;
using Workflows.Service.Queue.Redis;

namespace Workflows.IntegrationTests.Metrics;

/// <summary>The publisher with the real Redis queue: QueueLength is the stream's true backlog (lag + pending).</summary>
public sealed class PublisherTests(RedisServer redis) : IClassFixture<RedisServer>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static MetricsPublisher Publisher(RedisStreamQueue queue, SignalRecorder recorder, IMetricSink sink, int interval = 60, int buffer = 10) =>
        new(recorder, queue, sink, Options.Create(new MetricsOptions { Sink = MetricsSink.Emf, Environment = "test", PublishIntervalSeconds = interval, BufferCapacity = buffer }),
            TimeProvider.System, NullLogger<MetricsPublisher>.Instance);

    [Fact]
    public async Task QueueLength_is_lag_plus_pending_as_the_queue_moves()
    {
        await redis.FlushAsync();
        var o = new QueueOptions();
        var queue = new RedisStreamQueue(redis.Connection, Options.Create(o));
        var db = redis.Connection.GetDatabase();
        var publisher = Publisher(queue, new SignalRecorder(), new EmfSink((_, _) => Task.CompletedTask));

        async Task<double?> Published() => (await publisher.CollectAsync(Ct)).Data.SingleOrDefault(d => d.Name == Signals.QueueLength.Name)?.Value;

        Assert.Equal(0, await Published()); // nothing queued yet
        for (var i = 0; i < 250; i++) await queue.PublishAsync($"ex_{i}", Ct);
        Assert.Equal(250, await Published()); // no group yet: the stream length

        await db.StreamCreateConsumerGroupAsync(o.StreamKey, o.ConsumerGroup, "0");
        var delivered = await db.StreamReadGroupAsync(o.StreamKey, o.ConsumerGroup, "w1", ">", 40);
        Assert.Equal(250, await Published()); // 210 lag + 40 pending
        var info = (await db.StreamGroupInfoAsync(o.StreamKey)).Single();
        Assert.Equal((210L, 40), (info.Lag, info.PendingMessageCount));

        foreach (var entry in delivered.Take(25))
        {
            await db.StreamAcknowledgeAsync(o.StreamKey, o.ConsumerGroup, entry.Id);
            await db.StreamDeleteAsync(o.StreamKey, [entry.Id]);
        }
        Assert.Equal(225, await Published());
        Assert.Equal(225, await db.StreamLengthAsync(o.StreamKey));
    }

    [Fact]
    public async Task Without_a_readable_backlog_queue_length_is_left_out_not_zero()
    {
        await using var dead = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{RedisServer.FreePort()},abortConnect=false,connectTimeout=200,asyncTimeout=300");
        var publisher = Publisher(new RedisStreamQueue(dead, Options.Create(new QueueOptions())), new SignalRecorder(), new EmfSink((_, _) => Task.CompletedTask));
        var batch = await publisher.CollectAsync(Ct);
        Assert.DoesNotContain(batch.Data, d => d.Name == Signals.QueueLength.Name);
        Assert.Contains(batch.Data, d => d.Name == Signals.WorkflowExecutions.Name);
    }

    [Fact]
    public async Task A_stalled_sink_never_blocks_recording_and_drops_are_counted()
    {
        await redis.FlushAsync();
        var recorder = new SignalRecorder();
        var release = new TaskCompletionSource();
        var sent = new List<MetricBatch>();
        var sink = new DelegateSink(async (batch, ct) => { await release.Task.WaitAsync(ct); lock (sent) sent.Add(batch); });
        var publisher = Publisher(new RedisStreamQueue(redis.Connection, Options.Create(new QueueOptions())), recorder, sink, interval: 1, buffer: 1);

        using var cts = new CancellationTokenSource();
        await publisher.StartAsync(cts.Token);
        var started = DateTime.UtcNow;
        while (DateTime.UtcNow - started < TimeSpan.FromSeconds(4.5))
        {
            recorder.RecordResponse(5); // the request path: never waits on the sink
            await Task.Delay(10, Ct);
        }
        release.SetResult();
        await Task.Delay(1500, Ct);
        await publisher.StopAsync(CancellationToken.None);

        List<MetricBatch> received;
        lock (sent) received = [.. sent];
        Assert.NotEmpty(received);
        var dropped = received.SelectMany(b => b.Data).Where(d => d.Name == Signals.MetricsDropped.Name).Sum(d => d.Value ?? 0);
        Assert.True(dropped >= 1, $"expected drops with a one-batch buffer and a stalled sink, got {dropped}");
    }

    private sealed class DelegateSink(Func<MetricBatch, CancellationToken, Task> send) : IMetricSink
    {
        public Task SendAsync(MetricBatch batch, CancellationToken ct) => send(batch, ct);
    }
}
