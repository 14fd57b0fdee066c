using System.Text;
using Workflows.Service.Metrics;

namespace Workflows.IntegrationTests.Metrics;

/// <summary>AWS's published Signature V4 test suite (credentials AKIDEXAMPLE, 2015-08-30T12:36:00Z, us-east-1, service "service").</summary>
public class SigV4SignerTests
{
    private static readonly SigningCredentials Suite = new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
    private const string Date = "20150830T123600Z";

    private static string Sign(string method, string url, string body = "", params (string Name, string Value)[] extra)
    {
        var headers = new Dictionary<string, string> { ["host"] = "example.amazonaws.com", ["x-amz-date"] = Date };
        foreach (var (name, value) in extra) headers[name.ToLowerInvariant()] = value;
        return SigV4Signer.Authorization(method, new Uri(url), headers, Encoding.UTF8.GetBytes(body), "us-east-1", "service", Suite, Date);
    }

    [Theory]
    [InlineData("get-vanilla", "GET", "https://example.amazonaws.com/", "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")]
    [InlineData("get-vanilla-query-order-key-case", "GET", "https://example.amazonaws.com/?Param2=value2&Param1=value1", "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500")]
    [InlineData("post-vanilla", "POST", "https://example.amazonaws.com/", "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b")]
    [InlineData("post-vanilla-query", "POST", "https://example.amazonaws.com/?Param1=value1", "28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11")]
    public void Matches_the_test_suite(string name, string method, string url, string signature)
    {
        var authorization = Sign(method, url);
        Assert.True(authorization.EndsWith($"Signature={signature}"), $"{name}: {authorization}");
        Assert.StartsWith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, ", authorization);
    }

    [Fact]
    public void Matches_the_suites_form_post_the_shape_putmetricdata_uses() =>
        Assert.Equal(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a",
            Sign("POST", "https://example.amazonaws.com/", "Param1=value1", ("Content-Type", "application/x-www-form-urlencoded")));

    [Fact]
    public void Matches_the_suites_header_key_case() =>
        Assert.EndsWith("Signature=c5410059b04c1ee005303aed430f6e6645f61f4dc9e1461ec8f8916fdf18852c",
            Sign("POST", "https://example.amazonaws.com/", "", ("My-Header1", "value1")));

    [Fact]
    public void Signing_a_request_adds_date_token_and_authorization()
    {
        var body = Encoding.UTF8.GetBytes("Action=PutMetricData");
        var request = new HttpRequestMessage(HttpMethod.Post, "https://monitoring.eu-west-1.amazonaws.com/") { Content = new ByteArrayContent(body) };
        request.Content.Headers.TryAddWithoutValidation("Content-Type", "application/x-www-form-urlencoded; charset=utf-8");
        SigV4Signer.Sign(request, body, "eu-west-1", "monitoring", Suite with { SessionToken = "token-1" }, new DateTimeOffset(2026, 11, 26, 5, 0, 0, TimeSpan.Zero));

        Assert.Equal("20261126T050000Z", request.Headers.GetValues("x-amz-date").Single());
        Assert.Equal("token-1", request.Headers.GetValues("x-amz-security-token").Single());
        var auth = request.Headers.GetValues("Authorization").Single();
        Assert.Contains("Credential=AKIDEXAMPLE/20261126/eu-west-1/monitoring/aws4_request", auth);
        Assert.Contains("SignedHeaders=content-type;host;x-amz-date;x-amz-security-token", auth);
    }
}
