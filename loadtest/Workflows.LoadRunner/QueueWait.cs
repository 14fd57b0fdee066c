using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Workflows.LoadRunner;

/// <summary>
/// How long the test's executions waited in the queue (startedAt − queuedAt), read from the platform itself after
/// the run: the executions of the test's workflow, once the newest ones finished (up to a minute).
/// </summary>
public static class QueueWait
{
    public sealed record Result(int Executions, int Unfinished, double P50Seconds, double P95Seconds, double MaxSeconds);

    public static async Task<Result?> MeasureAsync(HttpClient http, string workflowId)
    {
        try
        {
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (DateTime.UtcNow < deadline)
            {
                var newest = await Page(http, workflowId, 0);
                if (newest.Items.All(e => e["status"]!.GetValue<string>() is not ("queued" or "running"))) break;
                await Task.Delay(1000);
            }
            var waits = new List<double>();
            var unfinished = 0;
            var total = 0;
            for (var offset = 0; ; offset += 100 * 8)
            {
                var pages = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Page(http, workflowId, offset + 100 * i)));
                foreach (var e in pages.SelectMany(p => p.Items))
                {
                    total++;
                    if (e["startedAt"] is { } started && e["queuedAt"] is { } queued)
                        waits.Add((DateTimeOffset.Parse(started.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture)
                                   - DateTimeOffset.Parse(queued.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture)).TotalSeconds);
                    else unfinished++;
                }
                if (!pages[^1].HasMore) break;
            }
            var array = waits.ToArray();
            return new Result(total, unfinished, LiveResults.Quantile(array, 0.5), LiveResults.Quantile(array, 0.95), array.DefaultIfEmpty(0).Max());
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return null;
        }
    }

    private static async Task<(List<JsonNode> Items, bool HasMore)> Page(HttpClient http, string workflowId, int offset)
    {
        var page = (await http.GetFromJsonAsync<JsonObject>($"/api/workflows/{workflowId}/executions?limit=100&offset={offset}"))!;
        return (page["items"]!.AsArray().Select(x => x!).ToList(), page["hasMore"]!.GetValue<bool>());
    }
}
