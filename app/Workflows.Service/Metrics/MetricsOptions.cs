namespace Workflows.Service.Metrics;

/// <summary>Section <c>Metrics</c>: where the scaling signals go.</summary>
public sealed class MetricsOptions
{
    public const string Section = "Metrics";

    /// <summary><c>none</c> (default locally), <c>emf</c> (CloudWatch Embedded Metric Format log lines; what the EC2 tier uses)
    /// or <c>putmetricdata</c> (signed API calls; what the EKS workers use).</summary>
    public MetricsSink Sink { get; set; } = MetricsSink.None;

    /// <summary>The <c>Environment</c> dimension (dev, prod). Required unless the sink is none.</summary>
    public string? Environment { get; set; }

    /// <summary>EMF destination: <c>stdout</c>, or <c>tcp://host:port</c> / <c>udp://host:port</c> for a CloudWatch agent.</summary>
    public string EmfTarget { get; set; } = "stdout";

    /// <summary>Region for PutMetricData; defaults to AWS_REGION.</summary>
    public string? Region { get; set; }

    /// <summary>Overrides the CloudWatch endpoint (tests, VPC endpoints).</summary>
    public string? Endpoint { get; set; }

    public int PublishIntervalSeconds { get; set; } = Workflows.ScalingSignals.Signals.PeriodSeconds;

    /// <summary>Batches waiting for a slow sink; beyond it the oldest is dropped, counted and logged.</summary>
    public int BufferCapacity { get; set; } = 10;

    public int SendTimeoutSeconds { get; set; } = 10;
}

public enum MetricsSink { None, Emf, PutMetricData }
