using Amazon.CDK;
using Amazon.CDK.AWS.CloudFront;
using Amazon.CDK.AWS.CloudFront.Origins;
using Amazon.CDK.AWS.CertificateManager;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.S3;
using Amazon.CDK.AWS.SecretsManager;
using Constructs;
using Infra.Stacks.Settings;
using Infra.Stacks.WebTier;
using Infra.Stacks.Compliance;
using Infra.Stacks.Rotation;

namespace Infra.Stacks.Edge;

/// <summary>
/// CloudFront in front of the ALB, as in the source document: viewers redirected to HTTPS, all seven methods, GET/HEAD
/// cached, compression, <c>/_next/static/*</c> and the console's <c>/static/*</c> cached long, 404 → the not-found page cached 300 s. <c>/api/*</c> is never
/// cached and gets every viewer header but Host. Every origin request carries the secret header the ALB requires.
/// Production reaches the origin over HTTPS only (TLS 1.2) at a name on the ALB's certificate; dev may use HTTP to the
/// ALB's own name, which still answers only CloudFront (prefix list + secret header).
/// </summary>
public sealed class EdgeConstruct : Construct
{
    public Distribution Distribution { get; }
    public IBucket? AccessLogs { get; }

    /// <summary>Rotates the origin header: the ALB rule accepts new and old, then the distribution sends the new one.</summary>
    public SecretRotationConstruct OriginSecretRotation { get; }

    /// <param name="originRuleArn">The ALB listener rule that requires the origin header (rewritten by its rotation).</param>
    public EdgeConstruct(Construct scope, string id, EnvironmentSettings settings, string loadBalancerDnsName, ISecret originSecret, string originRuleArn,
        string? webAclArn = null) : base(scope, id)
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

        var fingerprinted = new BehaviorOptions
        {
            Origin = origin, ViewerProtocolPolicy = ViewerProtocolPolicy.REDIRECT_TO_HTTPS, Compress = true,
            CachedMethods = CachedMethods.CACHE_GET_HEAD, CachePolicy = staticAssets,
        };

        if (edge.AccessLogs)
        {
            AccessLogs = new Bucket(this, "AccessLogs", new BucketProps
            {
                // CloudFront standard logging writes with the bucket ACL (its log delivery account), so ACLs stay enabled.
                ObjectOwnership = ObjectOwnership.BUCKET_OWNER_PREFERRED,
                Encryption = BucketEncryption.S3_MANAGED, // standard logging cannot write to SSE-KMS buckets
                BlockPublicAccess = BlockPublicAccess.BLOCK_ALL,
                EnforceSSL = true,
                LifecycleRules = [new LifecycleRule { Expiration = Duration.Days(edge.AccessLogRetentionDays) }],
                RemovalPolicy = settings.Production ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
                AutoDeleteObjects = !settings.Production,
            });
            if (!settings.Production) CdkInternals.SuppressAutoDeleteObjects(Stack.Of(this));
            NagSuppressions.Add(AccessLogs, new NagSuppression("AwsSolutions-S1", "this bucket is CloudFront's access-log destination; logging its own accesses to itself would loop, and S3 data events in CloudTrail cover reads of it"));
        }

        Distribution = new Distribution(this, "Distribution", new DistributionProps
        {
            WebAclId = webAclArn, // AWS WAF (edge.webAcl), from the us-east-1 stack
            EnableLogging = edge.AccessLogs,
            LogBucket = AccessLogs,
            LogFilePrefix = edge.AccessLogs ? "cloudfront/" : null,
            // Viewers: TLS 1.2+ at the environment's own names when it has a certificate (prod must).
            Certificate = edge.CertificateArn is null ? null : Certificate.FromCertificateArn(this, "ViewerCertificate", edge.CertificateArn),
            DomainNames = edge.CertificateArn is null ? null : edge.DomainNames.ToArray(),
            MinimumProtocolVersion = edge.CertificateArn is null ? null : SecurityPolicyProtocol.TLS_V1_2_2021,
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
                ["/_next/static/*"] = fingerprinted,
                // The operator console's assets: versioned by content (/static/console/<hash>/…), so cached as long.
                ["/static/*"] = fingerprinted,
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
        if (edge.CertificateArn is null)
            NagSuppressions.Add(Distribution, new NagSuppression("AwsSolutions-CFR4",
                "no viewer certificate in this non-production environment: the *.cloudfront.net default certificate, with which CloudFront cannot require TLS 1.2; the settings validator requires edge.certificateArn (TLS 1.2_2021) in production"));
        if (webAclArn is null)
            NagSuppressions.Add(Distribution, new NagSuppression("AwsSolutions-CFR2",
                "no AWS WAF web ACL in this non-production environment (edge.webAcl false: cost); the settings validator requires it in production"));
        if (edge.OriginProtocol == OriginProtocol.HttpOnly)
            NagSuppressions.Add(Distribution, new NagSuppression("AwsSolutions-CFR5",
                "HTTP to the ALB in this non-production environment (no certificate there); the ALB still answers only CloudFront (origin-facing prefix list and secret header); the settings validator requires https-only with TLS 1.2 in production"));

        var distributionArn = Stack.Of(this).FormatArn(new ArnComponents
        {
            Service = "cloudfront", Region = "", Resource = "distribution", ResourceName = Distribution.DistributionId,
        });
        OriginSecretRotation = new SecretRotationConstruct(this, "OriginSecretRotation", settings, originSecret, new RotationTarget(
            "origin-header",
            new Dictionary<string, string>
            {
                ["RULE_ARNS"] = originRuleArn, ["DISTRIBUTION_ID"] = Distribution.DistributionId, ["HEADER_NAME"] = WebTierConstruct.OriginHeader,
            },
            [
                new PolicyStatement(new PolicyStatementProps
                {
                    Sid = "RewriteTheOriginRule", Actions = ["elasticloadbalancing:ModifyRule"], Resources = [originRuleArn],
                }),
                new PolicyStatement(new PolicyStatementProps
                {
                    Sid = "ReadRules", Actions = ["elasticloadbalancing:DescribeRules"], Resources = ["*"], // Describe* has no resource-level permissions
                }),
                new PolicyStatement(new PolicyStatementProps
                {
                    Sid = "RewriteTheOriginHeader", Actions = ["cloudfront:GetDistributionConfig", "cloudfront:UpdateDistribution"], Resources = [distributionArn],
                }),
            ],
            Duration.Minutes(2)));
    }
}
