using System.Net;
using System.Text.RegularExpressions;

namespace Infra.Stacks.Settings;

/// <summary>Range and cross-field rules, each reported with its key path.</summary>
public static partial class SettingsValidator
{
    [GeneratedRegex(@"^[a-z]{2}(-[a-z]+)+-\d$")]
    private static partial Regex RegionPattern();

    [GeneratedRegex(@"^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate/[A-Za-z0-9-]+$")]
    private static partial Regex CertificatePattern();

    public static IReadOnlyList<SettingsError> Validate(EnvironmentSettings s, string expectedName)
    {
        var errors = new List<SettingsError>();
        void Check(bool ok, string path, string message) { if (!ok) errors.Add(new SettingsError(path, message)); }
        void Range(double value, double min, double max, string path) =>
            Check(value >= min && value <= max, path, $"{value} is outside {min}–{max}");

        Check(s.Name == expectedName, "name", $"'{s.Name}' must match the file name '{expectedName}'");
        Check(Regex.IsMatch(s.Name, "^[a-z][a-z0-9-]{0,15}$"), "name", "must be 1–16 lower-case letters, digits or dashes, starting with a letter");

        Check(RegionPattern().IsMatch(s.Aws.Region), "aws.region", $"'{s.Aws.Region}' is not an AWS region name such as eu-west-1");
        Check(s.Aws.Account is null || Regex.IsMatch(s.Aws.Account, @"^\d{12}$"), "aws.account", $"'{s.Aws.Account}' is not a 12-digit account id");
        Check(s.Aws.AvailabilityZones.Count is >= 2 and <= 6, "aws.availabilityZones", "must list 2 to 6 zones (an ALB needs two)");
        for (var i = 0; i < s.Aws.AvailabilityZones.Count; i++)
            Check(s.Aws.AvailabilityZones[i]?.StartsWith(s.Aws.Region, StringComparison.Ordinal) == true && s.Aws.AvailabilityZones[i].Length == s.Aws.Region.Length + 1,
                $"aws.availabilityZones[{i}]", $"'{s.Aws.AvailabilityZones[i]}' is not a zone of {s.Aws.Region}");
        Check(s.Aws.AvailabilityZones.Distinct().Count() == s.Aws.AvailabilityZones.Count, "aws.availabilityZones", "lists a zone twice");

        var cidr = s.Network.Cidr.Split('/');
        Check(cidr.Length == 2 && IPAddress.TryParse(cidr[0], out var ip) && ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork
              && int.TryParse(cidr[1], out var prefix) && prefix == 16,
            "network.cidr", $"'{s.Network.Cidr}' must be an IPv4 /16 CIDR (the subnet plan is sized for it)");
        Range(s.Network.NatGateways, 1, s.Aws.AvailabilityZones.Count, "network.natGateways");
        Check(Common.RetentionPeriods.AllowedDays.Contains(s.Network.FlowLogRetentionDays),
            "network.flowLogRetentionDays", $"{s.Network.FlowLogRetentionDays} is not a CloudWatch Logs retention (1, 3, 5, 7, 14, 30, 60, 90, …)");

        Range(s.Service.ShutdownGraceSeconds, 0, 3600, "service.shutdownGraceSeconds");
        Range(s.Secrets.RotationDays, 1, 365, "secrets.rotationDays");
        Range(s.Secrets.RefreshSeconds, 30, 3600, "secrets.refreshSeconds");
        Range(s.Service.Port, 1024, 65535, "service.port");

        Check(s.Web.MinCapacity >= 1, "web.minCapacity", "must be at least 1");
        Check(s.Web.MinCapacity <= s.Web.MaxCapacity, "web.minCapacity", $"must not exceed web.maxCapacity ({s.Web.MinCapacity} > {s.Web.MaxCapacity})");
        Check(s.Web.DesiredCapacity >= s.Web.MinCapacity && s.Web.DesiredCapacity <= s.Web.MaxCapacity, "web.desiredCapacity",
            $"{s.Web.DesiredCapacity} must be between web.minCapacity ({s.Web.MinCapacity}) and web.maxCapacity ({s.Web.MaxCapacity})");
        Range(s.Web.MaxCapacity, 1, 100, "web.maxCapacity");
        Range(s.Web.CpuTargetPercent, 1, 100, "web.cpuTargetPercent");
        Range(s.Web.RequestsPerTarget, 1, 1_000_000, "web.requestsPerTarget");
        Range(s.Web.HealthCheckGraceSeconds, 0, 7200, "web.healthCheckGraceSeconds");
        Range(s.Web.InstanceWarmupSeconds, 0, 3600, "web.instanceWarmupSeconds");
        Range(s.Web.VolumeSizeGiB, 8, 1024, "web.volumeSizeGiB");
        Range(s.Web.IdleTimeoutSeconds, 1, 4000, "web.idleTimeoutSeconds");
        Range(s.Web.MemoryTargetPercent, 1, 100, "web.memoryTargetPercent");
        foreach (var (quantity, path) in new[] { (s.Web.PodRequests, "web.podRequests"), (s.Web.PodLimits, "web.podLimits") })
        {
            Check(NodeCapacity.Millicores(quantity.Cpu) > 0, $"{path}.cpu", $"'{quantity.Cpu}' is not a CPU quantity such as 500m or 2");
            Check(NodeCapacity.Mebibytes(quantity.Memory) > 0, $"{path}.memory", $"'{quantity.Memory}' is not a memory quantity such as 512Mi or 1Gi");
        }
        Check(NodeCapacity.Millicores(s.Web.PodLimits.Cpu) >= NodeCapacity.Millicores(s.Web.PodRequests.Cpu), "web.podLimits.cpu", "must not be below web.podRequests.cpu");
        Check(NodeCapacity.Mebibytes(s.Web.PodLimits.Memory) >= NodeCapacity.Mebibytes(s.Web.PodRequests.Memory), "web.podLimits.memory", "must not be below web.podRequests.memory");
        Check(Regex.IsMatch(s.Web.InstanceType, @"^[a-z][a-z0-9-]*\.[a-z0-9]+$"), "web.instanceType", $"'{s.Web.InstanceType}' is not an EC2 instance type such as t3.small");
        Check(s.Web.CertificateArn is null || CertificatePattern().IsMatch(s.Web.CertificateArn), "web.certificateArn", $"'{s.Web.CertificateArn}' is not an ACM certificate ARN");

        Check(s.Edge.OriginProtocol != OriginProtocol.HttpsOnly || s.Web.CertificateArn is not null, "edge.originProtocol",
            "https-only needs web.certificateArn (the ALB's HTTPS listener)");
        Check(s.Edge.OriginProtocol != OriginProtocol.HttpsOnly || !string.IsNullOrWhiteSpace(s.Edge.OriginDomainName), "edge.originDomainName",
            "is required with https-only: CloudFront checks the origin's certificate against this name (CNAME it to the ALB)");
        Check(new[] { "PriceClass_100", "PriceClass_200", "PriceClass_All" }.Contains(s.Edge.PriceClass), "edge.priceClass", $"'{s.Edge.PriceClass}' is not PriceClass_100, PriceClass_200 or PriceClass_All");
        Check(s.Edge.NotFoundPagePath is null || s.Edge.NotFoundPagePath.StartsWith('/'), "edge.notFoundPagePath", "must start with /");
        Range(s.Edge.NotFoundCacheSeconds, 0, 86_400, "edge.notFoundCacheSeconds");
        Range(s.Edge.StaticAssetsTtlDays, 1, 365, "edge.staticAssetsTtlDays");
        Range(s.Edge.AccessLogRetentionDays, 1, 3650, "edge.accessLogRetentionDays");
        Range(s.Edge.RateLimitPer5Minutes, 10, 2_000_000_000, "edge.rateLimitPer5Minutes");
        Check(s.Edge.CertificateArn is null || s.Edge.CertificateArn.StartsWith("arn:aws:acm:us-east-1:"), "edge.certificateArn",
            $"'{s.Edge.CertificateArn}' must be an ACM certificate in us-east-1 (arn:aws:acm:us-east-1:…): CloudFront reads certificates only there");
        Check(s.Edge.CertificateArn is null || s.Edge.DomainNames.Count > 0, "edge.domainNames", "must name the viewer domains on edge.certificateArn");
        Check(s.Edge.CertificateArn is not null || s.Edge.DomainNames.Count == 0, "edge.domainNames", "needs edge.certificateArn (CloudFront serves custom names only with a certificate)");

        Check(s.Cache.NodeType.StartsWith("cache.", StringComparison.Ordinal), "cache.nodeType", $"'{s.Cache.NodeType}' is not an ElastiCache node type such as cache.t4g.small");
        Range(s.Cache.Replicas, 0, 5, "cache.replicas");
        Range(s.Cache.SnapshotRetentionDays, 0, 35, "cache.snapshotRetentionDays");
        Check(s.Cache.Replicas == 0 || s.Aws.AvailabilityZones.Count >= 2, "cache.replicas", "automatic failover needs two zones");

        Check(s.WorkflowCache.NodeType.StartsWith("cache.", StringComparison.Ordinal), "workflowCache.nodeType", $"'{s.WorkflowCache.NodeType}' is not an ElastiCache node type such as cache.t4g.small");
        Range(s.WorkflowCache.Replicas, 0, 5, "workflowCache.replicas");
        Check(Regex.IsMatch(s.Database.InstanceType, @"^[a-z0-9]+\.[a-z0-9]+$"), "database.instanceType", $"'{s.Database.InstanceType}' is not an instance type such as r6g.large");
        Range(s.Database.Instances, 1, 16, "database.instances");
        Range(s.Database.BackupRetentionDays, 1, 35, "database.backupRetentionDays");

        ValidateWorkers(s.Workers, s.Web, Check, Range);

        if (s.Production)
        {
            // What a production environment must have; the guardrail tests check the synthesized templates too.
            Check(s.Database.DeletionProtection, "database.deletionProtection", "must be true in production");
            Check(s.Database.BackupRetentionDays >= 7, "database.backupRetentionDays", "must be at least 7 in production");
            Check(s.Database.Instances >= 2, "database.instances", "must be at least 2 in production (a reader to fail over to)");
            Check(s.Cache.Replicas >= 1, "cache.replicas", "must be at least 1 in production (automatic failover)");
            Check(s.Cache.SnapshotRetentionDays >= 1, "cache.snapshotRetentionDays", "must be at least 1 in production");
            Check(s.Edge.OriginProtocol == OriginProtocol.HttpsOnly, "edge.originProtocol", "must be https-only in production");
            Check(s.Web.AccessLogs, "web.accessLogs", "must be true in production");
            Check(s.Edge.AccessLogs, "edge.accessLogs", "must be true in production");
            Check(s.Edge.WebAcl, "edge.webAcl", "must be true in production (AWS WAF in front of CloudFront)");
            Check(s.Edge.CertificateArn is not null, "edge.certificateArn", "is required in production (viewers get TLS 1.2+ only with a certificate of your own)");
            Check(s.Web.MinCapacity >= 2, "web.minCapacity", "must be at least 2 in production (one per zone)");
            Check(s.Workers.EndpointAccess == EndpointAccessMode.Private, "workers.endpointAccess", "must be private in production");
            Check(s.Workers.MinReplicas >= 2, "workers.minReplicas", "must be at least 2 in production");
        }
        return errors;
    }

    private static void ValidateWorkers(WorkersSettings w, WebSettings web, Action<bool, string, string> check, Action<double, double, double, string> range)
    {
        var version = Regex.Match(w.KubernetesVersion, @"^1\.(\d+)$");
        check(version.Success && int.Parse(version.Groups[1].Value) >= 29, "workers.kubernetesVersion", $"'{w.KubernetesVersion}' must be an EKS version such as 1.33 (1.29 or later)");
        check(!version.Success || w.Charts.ClusterAutoscalerImageTag.StartsWith($"v1.{version.Groups[1].Value}.", StringComparison.Ordinal),
            "workers.charts.clusterAutoscalerImageTag", $"'{w.Charts.ClusterAutoscalerImageTag}' must match the Kubernetes minor version (v{w.KubernetesVersion}.x)");
        foreach (var (path, value) in new[] { ("keda", w.Charts.Keda), ("clusterAutoscaler", w.Charts.ClusterAutoscaler), ("metricsServer", w.Charts.MetricsServer),
            ("awsLoadBalancerController", w.Charts.AwsLoadBalancerController) })
            check(Regex.IsMatch(value, @"^\d+\.\d+\.\d+$"), $"workers.charts.{path}", $"'{value}' must be an exact chart version such as 2.16.0 (pinned, never a range)");

        check(w.MinReplicas >= 1, "workers.minReplicas", "must be at least 1");
        check(w.MinReplicas <= w.MaxReplicas, "workers.minReplicas", $"must not exceed workers.maxReplicas ({w.MinReplicas} > {w.MaxReplicas})");
        range(w.MaxReplicas, 1, 1000, "workers.maxReplicas");
        range(w.CpuTargetPercent, 1, 100, "workers.cpuTargetPercent");
        range(w.QueueLengthPerPod, 1, 10_000, "workers.queueLengthPerPod");
        range(w.Concurrency, 1, 1024, "workers.concurrency");
        foreach (var (path, b) in new[] { ("scaleDown", w.ScaleDown), ("scaleUp", w.ScaleUp) })
        {
            range(b.StabilizationSeconds, 0, 3600, $"workers.{path}.stabilizationSeconds");
            range(b.Percent, 1, 1000, $"workers.{path}.percent");
            range(b.PeriodSeconds, 1, 1800, $"workers.{path}.periodSeconds");
            if (b.Pods is { } pods) range(pods, 1, 1000, $"workers.{path}.pods");
        }

        var cpuRequest = NodeCapacity.Millicores(w.Requests.Cpu);
        var memRequest = NodeCapacity.Mebibytes(w.Requests.Memory);
        var cpuLimit = NodeCapacity.Millicores(w.Limits.Cpu);
        var memLimit = NodeCapacity.Mebibytes(w.Limits.Memory);
        check(cpuRequest > 0, "workers.requests.cpu", $"'{w.Requests.Cpu}' is not a CPU quantity such as 500m or 2");
        check(memRequest > 0, "workers.requests.memory", $"'{w.Requests.Memory}' is not a memory quantity such as 512Mi or 1Gi");
        check(cpuLimit > 0, "workers.limits.cpu", $"'{w.Limits.Cpu}' is not a CPU quantity such as 500m or 2");
        check(memLimit > 0, "workers.limits.memory", $"'{w.Limits.Memory}' is not a memory quantity such as 512Mi or 1Gi");
        check(cpuLimit is null || cpuRequest is null || cpuLimit >= cpuRequest, "workers.limits.cpu", "must not be below workers.requests.cpu");
        check(memLimit is null || memRequest is null || memLimit >= memRequest, "workers.limits.memory", "must not be below workers.requests.memory");

        check(w.NodeMinSize >= 1 && w.NodeMinSize <= w.NodeMaxSize, "workers.nodeMinSize", $"must be from 1 to workers.nodeMaxSize ({w.NodeMaxSize})");
        check(w.NodeDesiredSize >= w.NodeMinSize && w.NodeDesiredSize <= w.NodeMaxSize, "workers.nodeDesiredSize", "must be between workers.nodeMinSize and workers.nodeMaxSize");
        range(w.NodeDiskGiB, 20, 1024, "workers.nodeDiskGiB");
        if (!NodeCapacity.Types.ContainsKey(w.NodeInstanceType))
        {
            check(false, "workers.nodeInstanceType", $"'{w.NodeInstanceType}' is not one of the sized x86_64 types: {string.Join(", ", NodeCapacity.Types.Keys.Order())}");
        }
        else if (cpuRequest > 0 && memRequest > 0)
        {
            // The node group must hold the HPA's maximum, plus one node's worth for the add-ons (KEDA, autoscaler, CoreDNS),
            // plus, with web.platform eks, the API pods at web.maxCapacity (they share the node group).
            var perNode = NodeCapacity.PodsPerNode(w.NodeInstanceType, cpuRequest.Value, memRequest.Value);
            check(perNode >= 1, "workers.nodeInstanceType", $"'{w.NodeInstanceType}' cannot fit one worker pod ({w.Requests.Cpu}, {w.Requests.Memory})");
            var needed = perNode < 1 ? int.MaxValue : (int)Math.Ceiling((double)w.MaxReplicas / perNode) + 1;
            var (webCpu, webMemory) = (NodeCapacity.Millicores(web.PodRequests.Cpu), NodeCapacity.Mebibytes(web.PodRequests.Memory));
            if (web.Platform == WebPlatform.Eks && webCpu > 0 && webMemory > 0 && needed != int.MaxValue)
            {
                var webPerNode = NodeCapacity.PodsPerNode(w.NodeInstanceType, webCpu.Value, webMemory.Value);
                check(webPerNode >= 1, "web.podRequests", $"'{w.NodeInstanceType}' cannot fit one API pod ({web.PodRequests.Cpu}, {web.PodRequests.Memory})");
                if (webPerNode >= 1) needed += (int)Math.Ceiling((double)web.MaxCapacity / webPerNode);
            }
            check(w.NodeMaxSize >= needed, "workers.nodeMaxSize",
                $"{w.NodeMaxSize} nodes cannot hold workers.maxReplicas ({w.MaxReplicas}){(web.Platform == WebPlatform.Eks ? $" and web.maxCapacity ({web.MaxCapacity}) API pods" : "")}: a {w.NodeInstanceType} fits {perNode} worker pod(s) of {w.Requests.Cpu}/{w.Requests.Memory}, so at least {needed} are needed (one spare for add-ons)");
        }
    }
}
