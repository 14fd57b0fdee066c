using System.Globalization;
using System.Net;
using System.Text;
using Polly;
using Polly.Retry;
using Workflows.ScalingSignals;

namespace Workflows.Service.Metrics;

/// <summary>
/// CloudWatch PutMetricData over HTTPS (query protocol), signed with Signature V4. Respects the API's limits: at
/// most 1,000 metric data per request, 1 MB per body, 150 distinct values per datum (larger distributions are split
/// into several data). Throttling and 5xx answers are retried with exponential backoff and jitter.
/// </summary>
public sealed class PutMetricDataSink(Func<HttpClient> http, ICredentialSource credentials, string region, Uri endpoint, TimeProvider time) : IMetricSink
{
    public const int MaxDataPerRequest = 1000;
    public const int MaxBodyBytes = 1_000_000;
    public const int MaxValuesPerDatum = 150;

    private static readonly ResiliencePipeline<HttpResponseMessage> Retry = new ResiliencePipelineBuilder<HttpResponseMessage>()
        .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
        {
            MaxRetryAttempts = 4,
            Delay = TimeSpan.FromMilliseconds(200),
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            ShouldHandle = new PredicateBuilder<HttpResponseMessage>()
                .Handle<HttpRequestException>()
                .HandleResult(r => IsRetryable(r)),
        })
        .Build();

    public static Uri DefaultEndpoint(string region) => new($"https://monitoring.{region}.amazonaws.com/");

    public async Task SendAsync(MetricBatch batch, CancellationToken ct)
    {
        foreach (var body in Bodies(batch))
        {
            var bytes = Encoding.UTF8.GetBytes(body);
            using var response = await Retry.ExecuteAsync(async token =>
            {
                // Signed per attempt: the timestamp must be fresh and credentials may have rotated.
                var request = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = new ByteArrayContent(bytes) };
                request.Content.Headers.TryAddWithoutValidation("Content-Type", "application/x-www-form-urlencoded; charset=utf-8");
                SigV4Signer.Sign(request, bytes, region, "monitoring", await credentials.GetAsync(token), time.GetUtcNow());
                return await http().SendAsync(request, token); // a client per send: the factory rotates handlers (DNS changes)
            }, ct);
            if (!response.IsSuccessStatusCode)
                throw new HttpRequestException($"PutMetricData answered {(int)response.StatusCode}: {Truncate(await response.Content.ReadAsStringAsync(ct))}", null, response.StatusCode);
        }
    }

    private static bool IsRetryable(HttpResponseMessage r) =>
        (int)r.StatusCode >= 500 || r.StatusCode == HttpStatusCode.TooManyRequests
        || (r.StatusCode == HttpStatusCode.BadRequest && r.Content.ReadAsStringAsync().GetAwaiter().GetResult().Contains("Throttling", StringComparison.Ordinal));

    /// <summary>Form bodies, each within the API's limits.</summary>
    public static IEnumerable<string> Bodies(MetricBatch batch)
    {
        var prefix = $"Action=PutMetricData&Version=2010-08-01&Namespace={SigV4Signer.Encode(Signals.Namespace)}";
        var body = new StringBuilder(prefix);
        var count = 0;
        foreach (var datum in Split(batch.Data))
        {
            var member = Member(datum, count + 1, batch.Timestamp);
            if (count == MaxDataPerRequest || Encoding.UTF8.GetByteCount(body.ToString()) + Encoding.UTF8.GetByteCount(member) > MaxBodyBytes)
            {
                yield return body.ToString();
                body = new StringBuilder(prefix);
                count = 0;
                member = Member(datum, 1, batch.Timestamp);
            }
            body.Append(member);
            count++;
        }
        if (count > 0) yield return body.ToString();
    }

    /// <summary>Distributions with more than 150 distinct values become several data of the same metric.</summary>
    private static IEnumerable<MetricDatum> Split(IEnumerable<MetricDatum> data)
    {
        foreach (var datum in data)
        {
            if (datum.Distribution is not { Count: > MaxValuesPerDatum } distribution) { yield return datum; continue; }
            foreach (var chunk in distribution.Chunk(MaxValuesPerDatum)) yield return datum with { Distribution = chunk };
        }
    }

    private static string Member(MetricDatum d, int n, DateTimeOffset timestamp)
    {
        var p = $"&MetricData.member.{n}.";
        var sb = new StringBuilder();
        sb.Append(p).Append("MetricName=").Append(SigV4Signer.Encode(d.Name));
        sb.Append(p).Append("Unit=").Append(SigV4Signer.Encode(d.Unit));
        sb.Append(p).Append("Timestamp=").Append(SigV4Signer.Encode(timestamp.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)));
        var i = 1;
        foreach (var (name, value) in d.Dimensions)
        {
            sb.Append(p).Append($"Dimensions.member.{i}.Name=").Append(SigV4Signer.Encode(name));
            sb.Append(p).Append($"Dimensions.member.{i}.Value=").Append(SigV4Signer.Encode(value));
            i++;
        }
        if (d.Value is { } v) sb.Append(p).Append("Value=").Append(Number(v));
        if (d.Statistics is { } s)
        {
            sb.Append(p).Append("StatisticValues.SampleCount=").Append(Number(s.Count));
            sb.Append(p).Append("StatisticValues.Sum=").Append(Number(s.Sum));
            sb.Append(p).Append("StatisticValues.Minimum=").Append(Number(s.Min));
            sb.Append(p).Append("StatisticValues.Maximum=").Append(Number(s.Max));
        }
        if (d.Distribution is { } dist)
        {
            var k = 1;
            foreach (var (value, count) in dist)
            {
                sb.Append(p).Append($"Values.member.{k}=").Append(Number(value));
                sb.Append(p).Append($"Counts.member.{k}=").Append(Number(count));
                k++;
            }
        }
        return sb.ToString();
    }

    private static string Number(double value) => SigV4Signer.Encode(value.ToString("R", CultureInfo.InvariantCulture)); // "1E+15": '+' must be %2B

    private static string Truncate(string s) => s.Length <= 300 ? s : s[..300];
}
