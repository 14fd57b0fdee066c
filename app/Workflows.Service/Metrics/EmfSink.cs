using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Workflows.ScalingSignals;

namespace Workflows.Service.Metrics;

/// <summary>
/// CloudWatch Embedded Metric Format: one JSON document per line, on stdout (the EC2 tier's Docker awslogs driver
/// ships them with the <c>json/emf</c> format, and CloudWatch Logs turns them into metrics) or to a CloudWatch
/// agent's EMF listener over TCP. A document holds one dimension set's values, so each status and component gets its
/// own line. EMF has no statistic sets or counts: distributions are written as value arrays of at most 100 numbers
/// per document, scaled down to at most <see cref="MaxSamples"/> samples per period (quantiles kept to one sample).
/// </summary>
public sealed class EmfSink(Func<string, CancellationToken, Task> writeLine) : IMetricSink
{
    public const int MaxValuesPerDocument = 100;
    public const int MaxSamples = 1000;

    public static EmfSink ForTarget(string target)
    {
        if (target == "stdout")
        {
            var stdout = Console.Out;
            return new EmfSink(async (line, _) => await stdout.WriteLineAsync(line));
        }
        if (Uri.TryCreate(target, UriKind.Absolute, out var uri) && uri.Scheme is "tcp" or "udp")
            return new EmfSink(new SocketLineWriter(uri).WriteAsync);
        throw new InvalidOperationException($"Metrics:EmfTarget '{target}' must be stdout, tcp://host:port or udp://host:port.");
    }

    public async Task SendAsync(MetricBatch batch, CancellationToken ct)
    {
        foreach (var document in Documents(batch)) await writeLine(document.ToJsonString(), ct);
    }

    /// <summary>The EMF documents for a batch (exposed for the schema test).</summary>
    public static IEnumerable<JsonObject> Documents(MetricBatch batch)
    {
        var timestamp = batch.Timestamp.ToUnixTimeMilliseconds();
        foreach (var group in batch.Data.GroupBy(d => string.Join("|", d.Dimensions.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key}={kv.Value}"))))
        {
            var dimensions = group.First().Dimensions;
            var scalars = group.Where(d => d.Distribution is null).ToList();
            if (scalars.Count > 0)
                yield return Document(timestamp, dimensions, scalars.Select(d => (d, (JsonNode)JsonValue.Create(d.Value ?? Mean(d.Statistics!)))));

            foreach (var datum in group.Where(d => d.Distribution is not null))
                foreach (var chunk in Samples(datum.Distribution!).Chunk(MaxValuesPerDocument))
                    yield return Document(timestamp, dimensions, [(datum, new JsonArray(chunk.Select(v => (JsonNode)JsonValue.Create(v)).ToArray()))]);
        }
    }

    private static JsonObject Document(long timestamp, IReadOnlyDictionary<string, string> dimensions, IEnumerable<(MetricDatum Datum, JsonNode Value)> metrics)
    {
        var list = metrics.ToList();
        var root = new JsonObject
        {
            ["_aws"] = new JsonObject
            {
                ["Timestamp"] = timestamp,
                ["CloudWatchMetrics"] = new JsonArray(new JsonObject
                {
                    ["Namespace"] = Signals.Namespace,
                    ["Dimensions"] = new JsonArray(new JsonArray(dimensions.Keys.Select(k => (JsonNode)JsonValue.Create(k)).ToArray())),
                    ["Metrics"] = new JsonArray(list.Select(m => (JsonNode)new JsonObject { ["Name"] = m.Datum.Name, ["Unit"] = m.Datum.Unit }).ToArray()),
                }),
            },
        };
        foreach (var (key, value) in dimensions) root[key] = value;
        foreach (var (datum, value) in list) root[datum.Name] = value;
        return root;
    }

    private static double Mean(StatisticSet s) => s.Count == 0 ? 0 : s.Sum / s.Count;

    /// <summary>
    /// Expands (value, count) pairs, sorted by value; above MaxSamples the counts are scaled down by cumulative rounding
    /// (each value gets floor(cum·s) − floor(prev·s) samples), so the total stays within MaxSamples and every quantile
    /// moves by at most one sample. Rare values may get none: giving each at least one would inflate the tail.
    /// </summary>
    public static IEnumerable<double> Samples(IReadOnlyList<(double Value, int Count)> distribution)
    {
        long total = distribution.Sum(d => (long)d.Count);
        var scale = total <= MaxSamples ? 1.0 : (double)MaxSamples / total;
        long cumulative = 0;
        foreach (var (value, count) in distribution.OrderBy(d => d.Value))
        {
            var before = (long)Math.Floor(cumulative * scale);
            cumulative += count;
            var n = (long)Math.Floor(cumulative * scale) - before;
            for (var i = 0; i < n; i++) yield return value;
        }
    }

    /// <summary>Newline-delimited documents to a CloudWatch agent; reconnects on failure.</summary>
    private sealed class SocketLineWriter(Uri target)
    {
        private readonly SemaphoreSlim _gate = new(1, 1);
        private Socket? _socket;

        public async Task WriteAsync(string line, CancellationToken ct)
        {
            await _gate.WaitAsync(ct);
            try
            {
                if (_socket is not { Connected: true })
                {
                    _socket?.Dispose();
                    _socket = target.Scheme == "tcp" ? new Socket(SocketType.Stream, ProtocolType.Tcp) : new Socket(SocketType.Dgram, ProtocolType.Udp);
                    await _socket.ConnectAsync(target.Host, target.Port, ct);
                }
                try
                {
                    await _socket.SendAsync(Encoding.UTF8.GetBytes(line + "\n"), SocketFlags.None, ct);
                }
                catch (Exception e) when (e is SocketException or OperationCanceledException)
                {
                    // A send cut off mid-line would glue its half to the next document: start a fresh connection.
                    _socket.Dispose();
                    _socket = null;
                    throw;
                }
            }
            finally
            {
                _gate.Release();
            }
        }
    }
}
