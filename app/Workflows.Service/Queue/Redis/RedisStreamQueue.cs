using Microsoft.Extensions.Options;
using StackExchange.Redis;
using Workflows.Core.Ports;
using Workflows.Service.Options;

namespace Workflows.Service.Queue.Redis;

/// <summary>
/// The <c>queue</c> execution mode's producer side: one Redis Stream read by a consumer group. The backlog is the
/// group's lag (entries not yet delivered) plus its pending entries (delivered, not acknowledged), from XINFO GROUPS.
/// After XADDs a notification on a pub/sub channel wakes idle workers (at most one per 2 ms, see WakePublisher).
/// </summary>
public sealed class RedisStreamQueue(IConnectionMultiplexer redis, IOptions<QueueOptions> options) : IExecutionQueue, ICancellationBroadcaster
{
    public const string ExecutionIdField = "executionId";

    private readonly QueueOptions _options = options.Value;
    private readonly WakePublisher _wake = new(redis, WakeChannel(options.Value));

    public static RedisChannel WakeChannel(QueueOptions o) => RedisChannel.Literal(o.StreamKey + ":wake");
    public static RedisChannel CancelChannel(QueueOptions o) => RedisChannel.Literal(o.StreamKey + ":cancel");

    private sealed record BacklogReading(Task<long> Backlog, long StartedAt);
    private BacklogReading? _reading;
    private long _publishedSinceReading;

    /// <summary>The exact backlog, read now (the QueueLength signal).</summary>
    public Task<long> GetBacklogAsync(CancellationToken ct) => ReadBacklogAsync();

    public async Task<long> GetAdmissionBacklogAsync(CancellationToken ct)
    {
        // One reading serves every request for BacklogReadMilliseconds, a failed one too (so an outage answers at once).
        var reading = _reading;
        if (_options.BacklogReadMilliseconds <= 0 || reading is null
            || System.Diagnostics.Stopwatch.GetElapsedTime(reading.StartedAt).TotalMilliseconds >= _options.BacklogReadMilliseconds)
        {
            Interlocked.Exchange(ref _publishedSinceReading, 0);
            reading = _reading = new BacklogReading(ReadBacklogAsync(), System.Diagnostics.Stopwatch.GetTimestamp());
        }
        return await reading.Backlog + Interlocked.Read(ref _publishedSinceReading);
    }

    private async Task<long> ReadBacklogAsync()
    {
        var db = redis.GetDatabase();
        StreamGroupInfo[] groups;
        try
        {
            groups = await db.StreamGroupInfoAsync(_options.StreamKey);
        }
        catch (RedisServerException e) when (e.Message.Contains("no such key", StringComparison.OrdinalIgnoreCase))
        {
            return 0; // nothing was ever queued
        }
        var group = groups.FirstOrDefault(g => g.Name == _options.ConsumerGroup);
        // No group yet (no worker has started) or an unknown lag (Redis cannot tell after some deletions): workers
        // delete acknowledged entries, so the stream's length is then the same count.
        if (group.Name is null || group.Lag is null) return await db.StreamLengthAsync(_options.StreamKey);
        return group.Lag.Value + group.PendingMessageCount;
    }

    public async Task PublishAsync(string executionId, CancellationToken ct)
    {
        var db = redis.GetDatabase();
        await db.StreamAddAsync(_options.StreamKey, ExecutionIdField, executionId);
        Interlocked.Increment(ref _publishedSinceReading); // counted until the next backlog reading
        _wake.Request();
    }

    public async Task BroadcastAsync(string executionId, CancellationToken ct) =>
        await redis.GetSubscriber().PublishAsync(CancelChannel(_options), executionId);
}
