using Amazon.CDK;
using Amazon.CDK.AWS.CloudFront;
using Amazon.CDK.AWS.CloudFront.Origins;
using Amazon.CDK.AWS.SecretsManager;
using Constructs;
using Infra.Stacks.Settings;
using Infra.Stacks.WebTier;

namespace Infra.Stacks.Edge;

/// <summary>
/// CloudFront in front of the ALB, as in the source document: viewers redirected to HTTPS, all seven methods, GET/HEAD
/// cached, compression, <c>/_next/static/*</c> cached long, 404 → the not-found page cached 300 s. <c>/api/*</c> is never
/// cached and gets every viewer header but Host. Every origin request carries the secret header the ALB requires.
/// Production reaches the origin over HTTPS only (TLS 1.2) at a name on the ALB's certificate; dev may use HTTP to the
/// ALB's own name, which still answers only CloudFront (prefix list + secret header).
/// </summary>
public sealed class EdgeConstruct : Construct
{
    public Distribution Distribution { get; }

    public EdgeConstruct(Construct scope, string id, EnvironmentSettings settings, string loadBalancerDnsName, ISecret originSecret) : base(scope, id)
    {
        var edge = settings.Edge;
        var origin = new HttpOrigin(edge.OriginDomainName ?? loadBalancerDnsName, new HttpOriginProps
        {
            ProtocolPolicy = edge.OriginProtocol == OriginProtocol.HttpsOnly ? OriginProtocolPolicy.HTTPS_ONLY : OriginProtocolPolicy.HTTP_ONLY,
            OriginSslProtocols = [OriginSslPolicy.TLS_V1_2],
            ReadTimeout = Duration.Seconds(60), // the source document's 60 s proxy timeouts
            KeepaliveTimeout = Duration.Seconds(60),
            CustomHeaders = new Dictionary<string, string> { [WebTierConstruct.OriginHeader] = originSecret.SecretValue.UnsafeUnwrap() },
        });

        var staticAssets = new CachePolicy(this, "StaticAssets", new CachePolicyProps
        {
            Comment = "Fingerprinted static assets: cached long",
            DefaultTtl = Duration.Days(edge.StaticAssetsTtlDays),
            MinTtl = Duration.Days(1),
            MaxTtl = Duration.Days(edge.StaticAssetsTtlDays),
            EnableAcceptEncodingGzip = true,
            EnableAcceptEncodingBrotli = true,
        });

        Distribution = new Distribution(this, "Distribution", new DistributionProps
        {
            Comment = $"{settings.Name} workflow platform",
            PriceClass = edge.PriceClass switch
            {
                "PriceClass_All" => PriceClass.PRICE_CLASS_ALL,
                "PriceClass_200" => PriceClass.PRICE_CLASS_200,
                _ => PriceClass.PRICE_CLASS_100,
            },
            HttpVersion = HttpVersion.HTTP2_AND_3,
            DefaultBehavior = new BehaviorOptions
            {
                Origin = origin,
                ViewerProtocolPolicy = ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                AllowedMethods = AllowedMethods.ALLOW_ALL,
                CachedMethods = CachedMethods.CACHE_GET_HEAD,
                Compress = true,
                CachePolicy = CachePolicy.CACHING_OPTIMIZED,
            },
            AdditionalBehaviors = new Dictionary<string, IBehaviorOptions>
            {
                ["/_next/static/*"] = new BehaviorOptions
                {
                    Origin = origin, ViewerProtocolPolicy = ViewerProtocolPolicy.REDIRECT_TO_HTTPS, Compress = true,
                    CachedMethods = CachedMethods.CACHE_GET_HEAD, CachePolicy = staticAssets,
                },
                ["/api/*"] = new BehaviorOptions
                {
                    Origin = origin, ViewerProtocolPolicy = ViewerProtocolPolicy.REDIRECT_TO_HTTPS, Compress = true,
                    AllowedMethods = AllowedMethods.ALLOW_ALL, CachePolicy = CachePolicy.CACHING_DISABLED,
                    OriginRequestPolicy = OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
                },
            },
            // Distribution-wide in CloudFront: an /api/* 404 also gets this page instead of its problem body.
            ErrorResponses = edge.NotFoundPagePath is null ? [] :
            [
                new ErrorResponse
                {
                    HttpStatus = 404, ResponseHttpStatus = 404, ResponsePagePath = edge.NotFoundPagePath,
                    Ttl = Duration.Seconds(edge.NotFoundCacheSeconds),
                },
            ],
        });
    }
}
