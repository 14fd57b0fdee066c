namespace Workflows.Service.Metrics;

/// <summary>Where a period's batch goes. Implementations may be slow or fail; the publisher isolates callers from that.</summary>
public interface IMetricSink
{
    Task SendAsync(MetricBatch batch, CancellationToken ct);
}
