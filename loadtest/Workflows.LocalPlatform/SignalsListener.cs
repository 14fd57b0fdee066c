using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Hosting;

namespace Workflows.LocalPlatform;

/// <summary>
/// Where the processes' metrics publishers send their signals (EMF over TCP, as to a CloudWatch agent): keeps each
/// signal's recent values, so the local autoscaler reads QueueLength exactly as the processes publish it, and appends
/// every document to logs/signals.jsonl.
/// </summary>
public sealed class SignalsListener(LocalSettings settings) : BackgroundService
{
    private readonly Lock _gate = new();
    private readonly List<(DateTimeOffset At, string Name, double Value)> _values = [];

    /// <summary>The mean of the values of <paramref name="signal"/> published in the last <paramref name="window"/>, or null.</summary>
    public double? Average(string signal, TimeSpan window)
    {
        var since = DateTimeOffset.UtcNow - window;
        lock (_gate)
        {
            var recent = _values.Where(v => v.Name == signal && v.At >= since).Select(v => v.Value).ToList();
            return recent.Count > 0 ? recent.Average() : null;
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var listener = new TcpListener(IPAddress.Loopback, settings.SignalsPort);
        listener.Start();
        await using var log = new StreamWriter(Path.Combine(settings.LogDirectory, "signals.jsonl"), append: true) { AutoFlush = true };
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var client = await listener.AcceptTcpClientAsync(stoppingToken);
                _ = ReadAsync(client, log, stoppingToken);
            }
        }
        catch (OperationCanceledException) { }
        finally
        {
            listener.Stop();
        }
    }

    private async Task ReadAsync(TcpClient client, StreamWriter log, CancellationToken ct)
    {
        using var _ = client;
        using var reader = new StreamReader(client.GetStream());
        try
        {
            while (await reader.ReadLineAsync(ct) is { } line)
            {
                lock (log) log.WriteLine(line);
                if (JsonNode.Parse(line) is not JsonObject doc || doc["_aws"]?["CloudWatchMetrics"]?[0]?["Metrics"] is not JsonArray metrics) continue;
                var at = DateTimeOffset.FromUnixTimeMilliseconds(doc["_aws"]!["Timestamp"]!.GetValue<long>());
                lock (_gate)
                {
                    foreach (var m in metrics)
                    {
                        var name = m!["Name"]!.GetValue<string>();
                        if (doc[name] is JsonValue v && v.TryGetValue<double>(out var value)) _values.Add((at, name, value));
                    }
                    _values.RemoveAll(v => v.At < DateTimeOffset.UtcNow - TimeSpan.FromMinutes(10));
                }
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or System.Text.Json.JsonException) { }
    }
}
