using System.Threading.Channels;
using Microsoft.Extensions.Options;
using Workflows.Core.Domain;
using Workflows.Core.Ports;

namespace Workflows.Service.Metrics;

/// <summary>
/// Every period: takes the recorder's values and the queue's real backlog, builds one batch and hands it to the
/// sink through a bounded buffer. A slow or unreachable CloudWatch never slows requests or workers: they only touch
/// the recorder; when the buffer is full the oldest batch is dropped, counted (MetricsDropped) and logged.
/// If the backlog cannot be read, QueueLength is left out of that period (KEDA treats missing data as an error
/// and holds its fallback replicas) rather than published as a false zero.
/// </summary>
public sealed class MetricsPublisher(
    SignalRecorder recorder,
    IExecutionQueue queue,
    IMetricSink sink,
    IOptions<MetricsOptions> options,
    TimeProvider time,
    ILogger<MetricsPublisher> logger) : BackgroundService
{
    private readonly MetricsOptions _o = options.Value;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var buffer = Channel.CreateBounded<MetricBatch>(new BoundedChannelOptions(_o.BufferCapacity)
        {
            FullMode = BoundedChannelFullMode.DropOldest,
            SingleReader = true,
        }, dropped =>
        {
            recorder.RecordDroppedBatch();
            logger.LogWarning("Metrics buffer full: dropped the batch of {Timestamp:o}", dropped.Timestamp);
        });
        var sender = SendAsync(buffer.Reader);

        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(_o.PublishIntervalSeconds), time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken)) await buffer.Writer.WriteAsync(await CollectAsync(stoppingToken), stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { }

        // Last period on the way out, then give the sink a moment to send what is buffered.
        buffer.Writer.TryWrite(await CollectAsync(CancellationToken.None));
        buffer.Writer.Complete();
        await Task.WhenAny(sender, Task.Delay(TimeSpan.FromSeconds(_o.SendTimeoutSeconds)));
    }

    public async Task<MetricBatch> CollectAsync(CancellationToken ct)
    {
        long? backlog = null;
        try
        {
            backlog = await queue.GetBacklogAsync(ct).WaitAsync(TimeSpan.FromSeconds(2), ct);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            logger.LogWarning(e, "Queue backlog unreadable; QueueLength is not published this period");
        }
        return new MetricBatch(time.GetUtcNow(), recorder.Drain().ToData(_o.Environment!, backlog));
    }

    private async Task SendAsync(ChannelReader<MetricBatch> reader)
    {
        await foreach (var batch in reader.ReadAllAsync())
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(_o.SendTimeoutSeconds));
            try
            {
                await sink.SendAsync(batch, timeout.Token);
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "Publishing metrics failed; the batch of {Timestamp:o} is lost", batch.Timestamp);
            }
        }
    }
}

/// <summary>Counts terminal executions for WorkflowExecutions and re-enqueued ones for RecoveredExecutions.</summary>
public sealed class RecordingExecutionObserver(SignalRecorder recorder) : IExecutionObserver
{
    public void Finished(ExecutionStatus status) => recorder.RecordExecutionFinished(status.ToWire());
    public void Recovered(int count) => recorder.RecordRecovered(count);
}
