using Amazon.CDK.Assertions;
using Infra.Tests.Fixtures;
using static Infra.Tests.Fixtures.P;

namespace Infra.Tests;

public class EdgeTests
{
    [Theory]
    [MemberData(nameof(Environments.Names), MemberType = typeof(Environments))]
    public void CloudFront_follows_the_source_document(string env)
    {
        var e = Environments.Get(env);
        var config = Resources(e.Edge, "AWS::CloudFront::Distribution").Single()["Properties"]!["DistributionConfig"]!;
        var defaults = config["DefaultCacheBehavior"]!;
        Assert.Equal("redirect-to-https", defaults["ViewerProtocolPolicy"]!.GetValue<string>());
        Assert.Equal(7, defaults["AllowedMethods"]!.AsArray().Count);
        Assert.Equal(["GET", "HEAD"], defaults["CachedMethods"]!.AsArray().Select(m => m!.GetValue<string>()));
        Assert.True(defaults["Compress"]!.GetValue<bool>());

        var behaviors = config["CacheBehaviors"]!.AsArray().ToDictionary(b => b!["PathPattern"]!.GetValue<string>());
        Assert.Equal("4135ea2d-6df8-44a3-9df3-4b5a84be39ad", behaviors["/api/*"]!["CachePolicyId"]!.GetValue<string>()); // CachingDisabled
        Assert.Equal(7, behaviors["/api/*"]!["AllowedMethods"]!.AsArray().Count);
        Assert.NotNull(behaviors["/_next/static/*"]!["CachePolicyId"]!["Ref"]);
        Assert.Equal(behaviors["/_next/static/*"]!["CachePolicyId"]!.ToJsonString(), behaviors["/static/*"]!["CachePolicyId"]!.ToJsonString()); // the console's versioned assets
        e.Edge.HasResourceProperties("AWS::CloudFront::CachePolicy", Like(("CachePolicyConfig", Like(("DefaultTTL", 365 * 86400)))));

        var error = config["CustomErrorResponses"]!.AsArray().Single()!;
        Assert.Equal((404, "/404.html", 300), (error["ErrorCode"]!.GetValue<int>(), error["ResponsePagePath"]!.GetValue<string>(), error["ErrorCachingMinTTL"]!.GetValue<int>()));

        var origin = config["Origins"]!.AsArray().Single()!;
        Assert.Contains("X-Origin-Verify", origin["OriginCustomHeaders"]!.ToJsonString());
        Assert.Contains("{{resolve:secretsmanager:", origin["OriginCustomHeaders"]!.ToJsonString());
        Assert.Equal(["TLSv1.2"], origin["CustomOriginConfig"]!["OriginSSLProtocols"]!.AsArray().Select(p => p!.GetValue<string>()));
        Assert.Equal(60, origin["CustomOriginConfig"]!["OriginReadTimeout"]!.GetValue<int>());
    }

    [Fact]
    public void Prod_reaches_its_origin_name_over_https_only_and_dev_over_http()
    {
        var prod = Resources(Environments.Get("prod").Edge, "AWS::CloudFront::Distribution").Single()["Properties"]!["DistributionConfig"]!["Origins"]![0]!;
        Assert.Equal("https-only", prod["CustomOriginConfig"]!["OriginProtocolPolicy"]!.GetValue<string>());
        Assert.Equal("origin.workflows.example.com", prod["DomainName"]!.GetValue<string>());

        var dev = Resources(Environments.Get("dev").Edge, "AWS::CloudFront::Distribution").Single()["Properties"]!["DistributionConfig"]!["Origins"]![0]!;
        Assert.Equal("http-only", dev["CustomOriginConfig"]!["OriginProtocolPolicy"]!.GetValue<string>());
        Assert.Contains("Fn::ImportValue", dev["DomainName"]!.ToJsonString()); // the ALB's own name
    }

    [Theory]
    [MemberData(nameof(Environments.Names), MemberType = typeof(Environments))]
    public void The_cloudfront_domain_is_an_output(string env) =>
        Assert.Contains("CloudFrontDomainName", Environments.Get(env).Edge.FindOutputs("*").Keys);

    [Fact]
    public void Viewers_get_tls_1_2_on_the_production_names_and_every_request_is_logged()
    {
        var prod = Environments.Get("prod").Edge;
        prod.HasResourceProperties("AWS::CloudFront::Distribution", Like(("DistributionConfig", Like(
            ("Aliases", new[] { "workflows.example.com" }),
            ("ViewerCertificate", Like(("MinimumProtocolVersion", "TLSv1.2_2021"), ("SslSupportMethod", "sni-only"))),
            ("Logging", Like(("Bucket", Match.AnyValue()), ("Prefix", "cloudfront/")))))));
        Environments.Get("dev").Edge.HasResourceProperties("AWS::CloudFront::Distribution", Like(("DistributionConfig", Like(("Logging", Match.AnyValue())))));
    }

    [Fact]
    public void Prod_puts_a_waf_web_acl_from_us_east_1_in_front_of_cloudfront()
    {
        var prod = Environments.Get("prod");
        var firewall = prod.Stacks.EdgeFirewall!;
        Assert.Equal("us-east-1", firewall.Region);
        var acl = prod.Template(firewall);
        acl.HasResourceProperties("AWS::WAFv2::WebACL", Like(("Scope", "CLOUDFRONT"), ("DefaultAction", Like(("Allow", Match.AnyValue()))),
            ("Rules", Match.ArrayWith([
                Like(("Name", "AWSManagedRulesAmazonIpReputationList")),
                Like(("Name", "AWSManagedRulesCommonRuleSet"), ("Statement", Like(("ManagedRuleGroupStatement", Like(("RuleActionOverrides", Match.ArrayWith([Like(("Name", "SizeRestrictions_BODY"), ("ActionToUse", Like(("Count", Match.AnyValue()))))]))))))),
                Like(("Name", "AWSManagedRulesKnownBadInputsRuleSet")),
                Like(("Name", "RatePerIp"), ("Action", Like(("Block", Match.AnyValue()))), ("Statement", Like(("RateBasedStatement", Like(("Limit", 2000), ("AggregateKeyType", "IP"))))))]))));
        acl.ResourceCountIs("AWS::WAFv2::LoggingConfiguration", 1);
        acl.HasResourceProperties("AWS::Logs::LogGroup", Like(("LogGroupName", "aws-waf-logs-workflows-prod")));
        // The distribution takes the ACL's ARN through CDK's cross-region reference (an SSM parameter read at deploy time).
        prod.Edge.HasResourceProperties("AWS::CloudFront::Distribution", Like(("DistributionConfig", Like(("WebACLId", Match.AnyValue())))));
        prod.Edge.ResourceCountIs("Custom::CrossRegionExportReader", 1);

        Assert.Null(Environments.Get("dev").Stacks.EdgeFirewall);
    }
}
