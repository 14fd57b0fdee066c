using System.Collections.Concurrent;
using Infra.Rehearsal.Kubernetes;
using Infra.Rehearsal.Policies;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Workflows.LocalPlatform;

/// <summary>
/// Starts and stops worker processes between the minimum and maximum the way the cluster would: the worker HPA that
/// KEDA generates from the synthesized dev ScaledObject (CPU and QueueLength targets, the behavior), run through the
/// rehearsal's Kubernetes HPA model every 15 s, fed with the QueueLength the processes publish (via
/// <see cref="SignalsListener"/>) and each worker process's CPU from /proc against the Deployment's CPU request.
/// Every decision goes to logs/autoscaler.log.
/// </summary>
public sealed class LocalAutoscaler(LocalSettings settings, SignalsListener signals, ResourceNotificationService notifications,
    ResourceCommandService commands, ILogger<LocalAutoscaler> logger) : BackgroundService
{
    private readonly ConcurrentDictionary<string, CustomResourceSnapshot> _snapshots = new();
    private readonly Dictionary<int, (DateTimeOffset At, TimeSpan Cpu)> _cpu = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var policy = TemplatePolicyReader.Read(settings.PolicyAssembly, "dev").Workers;
        var spec = policy.Hpa with { MinReplicas = settings.Workers, MaxReplicas = settings.MaxWorkers };
        var hpa = new HorizontalPodAutoscaler(new HpaControllerSettings());
        var state = new HpaState();
        var desired = settings.Workers;
        _ = Task.Run(async () =>
        {
            await foreach (var e in notifications.WatchAsync(stoppingToken)) _snapshots[e.Resource.Name] = e.Snapshot;
        }, stoppingToken);
        await using var log = new StreamWriter(Path.Combine(settings.LogDirectory, "autoscaler.log"), append: true) { AutoFlush = true };
        await log.WriteLineAsync($"{DateTimeOffset.UtcNow:O} autoscaling workers {settings.Workers}-{settings.MaxWorkers} with the dev HPA: " +
            string.Join(", ", spec.Metrics.Select(m => m.Resource is { } r ? $"{r.Name} {r.Target.AverageUtilization} %" : $"{m.External!.Metric.Name} {m.External.Target.AverageValue} per pod")));

        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(15));
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                var running = Workers().Where(w => w.Snapshot.State?.Text == KnownResourceStates.Running).ToList();
                var now = DateTimeOffset.UtcNow;
                var metrics = new LocalMetrics(running.Select(w => (w.Name, w.Snapshot, Cpu(w.Snapshot, now))).ToList(), policy,
                    signals.Average("QueueLength", TimeSpan.FromSeconds(30)));
                var decision = hpa.Sync(spec, state, running.Count, running.Count, desired, metrics, now);
                desired = decision.DesiredReplicas;
                await log.WriteLineAsync($"{now:O} running {running.Count}, QueueLength {metrics.QueueLength?.ToString("0.#") ?? "none"}, " +
                    $"CPU {string.Join("/", decision.Metrics.Where(m => m.Utilization is not null).Select(m => $"{m.Utilization} %"))} → desired {desired} " +
                    $"({string.Join(", ", decision.Conditions.Select(c => c.Reason))})");
                if (!decision.Rescale) continue;
                if (desired > running.Count)
                    foreach (var w in Workers().Where(w => w.Snapshot.State?.Text != KnownResourceStates.Running).OrderBy(w => w.Number).Take(desired - running.Count))
                        await commands.ExecuteCommandAsync(w.Name, KnownResourceCommands.StartCommand, stoppingToken);
                else
                    foreach (var w in running.OrderByDescending(w => w.Number).Take(running.Count - desired))
                        await commands.ExecuteCommandAsync(w.Name, KnownResourceCommands.StopCommand, stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "Autoscaling pass failed");
            }
        }
    }

    private IEnumerable<(string Name, int Number, CustomResourceSnapshot Snapshot)> Workers() =>
        _snapshots.Where(s => s.Key.StartsWith("worker-", StringComparison.Ordinal))
            .Select(s => (s.Key, int.Parse(s.Key["worker-".Length..]), s.Value));

    /// <summary>The process's CPU since the last pass, in millicores, from /proc/&lt;pid&gt;/stat.</summary>
    private long? Cpu(CustomResourceSnapshot snapshot, DateTimeOffset now)
    {
        if (snapshot.Properties.FirstOrDefault(p => p.Name == "executable.pid")?.Value is not { } value || !int.TryParse(value.ToString(), out var pid)) return null;
        var path = $"/proc/{pid}/stat";
        if (!File.Exists(path)) return null;
        var stat = File.ReadAllText(path);
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var cpu = TimeSpan.FromSeconds((long.Parse(fields[11]) + long.Parse(fields[12])) / 100.0);
        var known = _cpu.TryGetValue(pid, out var previous);
        _cpu[pid] = (now, cpu);
        return known ? (long)((cpu - previous.Cpu).TotalMilliseconds / (now - previous.At).TotalSeconds) : null;
    }

    /// <summary>The metrics APIs over the local processes.</summary>
    private sealed class LocalMetrics(IReadOnlyList<(string Name, CustomResourceSnapshot Snapshot, long? CpuMilli)> workers, WorkerTierPolicies policy, double? queueLength) : IHpaMetrics
    {
        public double? QueueLength => queueLength;

        public IReadOnlyList<PodInfo> Pods { get; } = workers.Select(w =>
        {
            var started = w.Snapshot.StartTimeStamp is { } s ? new DateTimeOffset(s, TimeSpan.Zero) : (DateTimeOffset?)null;
            return new PodInfo(w.Name, PodPhase.Running, true, false, started, started,
                [new ContainerInfo("worker", new Dictionary<string, long> { ["cpu"] = policy.Pod.CpuRequestMilli })]);
        }).ToList();

        public IReadOnlyDictionary<string, PodMetric>? Resource(string resource, string? container)
        {
            if (resource != "cpu") return null;
            var samples = workers.Where(w => w.CpuMilli is not null)
                .ToDictionary(w => w.Name, w => new PodMetric(w.CpuMilli!.Value, DateTimeOffset.UtcNow, TimeSpan.FromSeconds(15)));
            return samples.Count > 0 ? samples : null;
        }

        public IReadOnlyDictionary<string, PodMetric>? PodsMetric(string name) => null;
        public long? ObjectMetric(string name) => null;

        public IReadOnlyList<long>? ExternalMetric(string name) =>
            policy.ExternalMetrics.TryGetValue(name, out var q) && q.Signal == "QueueLength" && queueLength is { } v ? [(long)Math.Ceiling(v * 1000)] : null;
    }
}
