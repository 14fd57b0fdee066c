using Microsoft.Extensions.Options;
using Workflows.Core.Ports;
using Workflows.Service.Metrics;

namespace Workflows.Service.Hosting;

public static class MetricsExtensions
{
    /// <summary>
    /// The scaling signals (section <c>Metrics</c>) and the bottleneck detector (section <c>Bottlenecks</c>): the
    /// recorder and detector always run; the publisher runs when a sink is configured.
    /// </summary>
    public static IHostApplicationBuilder AddScalingSignals(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<MetricsOptions>().Bind(builder.Configuration.GetSection(MetricsOptions.Section))
            .Validate(o => o.Sink == MetricsSink.None || !string.IsNullOrWhiteSpace(o.Environment), "Metrics:Environment is required when Metrics:Sink is not none")
            .Validate(o => o.PublishIntervalSeconds is >= 1 and <= 3600, "Metrics:PublishIntervalSeconds must be from 1 to 3600")
            .Validate(o => o.BufferCapacity is >= 1 and <= 10_000, "Metrics:BufferCapacity must be from 1 to 10000")
            .Validate(o => o.Sink != MetricsSink.PutMetricData || !string.IsNullOrWhiteSpace(o.Region ?? Environment.GetEnvironmentVariable("AWS_REGION")),
                "Metrics:Region (or AWS_REGION) is required for the putmetricdata sink")
            .ValidateOnStart();
        services.AddOptions<BottleneckOptions>().Bind(builder.Configuration.GetSection(BottleneckOptions.Section))
            .Validate(o => o.DatabaseMilliseconds > 0 && o.ApiMilliseconds > 0 && o.CacheMilliseconds > 0, "Bottlenecks:* thresholds must be positive")
            .ValidateOnStart();

        services.AddSingleton<SignalRecorder>();
        services.AddSingleton<BottleneckDetector>();
        services.AddSingleton<IExecutionObserver, RecordingExecutionObserver>();

        var sink = builder.Configuration.GetSection(MetricsOptions.Section).Get<MetricsOptions>()?.Sink ?? MetricsSink.None;
        if (sink == MetricsSink.None) return builder;

        services.AddSingleton<IMetricSink>(sp =>
        {
            var o = sp.GetRequiredService<IOptions<MetricsOptions>>().Value;
            if (o.Sink == MetricsSink.Emf) return EmfSink.ForTarget(o.EmfTarget);
            var region = o.Region ?? Environment.GetEnvironmentVariable("AWS_REGION")!;
            var endpoint = o.Endpoint is { } e ? new Uri(e) : PutMetricDataSink.DefaultEndpoint(region);
            var clients = sp.GetRequiredService<IHttpClientFactory>();
            return new PutMetricDataSink(() => clients.CreateClient("cloudwatch"),
                sp.GetRequiredService<ICredentialSource>(), region, endpoint, sp.GetRequiredService<TimeProvider>());
        });
        services.AddHttpClient("cloudwatch", c => c.Timeout = TimeSpan.FromSeconds(10));
        services.AddSingleton<ICredentialSource, AwsSdkCredentialSource>();
        services.AddHostedService<MetricsPublisher>();
        return builder;
    }
}
