using Amazon.CDK;
using Amazon.CDK.AWS.EKS;
using Amazon.CDK.AWS.IAM;
using Constructs;
using Infra.Stacks.Settings;
using Infra.Stacks.Compliance;

namespace Infra.Stacks.Workers;

/// <summary>
/// What the worker scaling needs inside the cluster: metrics-server (EKS has none; CPU-based scaling reads it),
/// Cluster Autoscaler (nodes for the pods the HPA adds; IRSA role limited to this cluster's node groups) and KEDA
/// (generates the HPA from the ScaledObject; its operator's IRSA role may read CloudWatch metrics and nothing else).
/// </summary>
public sealed class ClusterAddonsConstruct : Construct
{
    public const string KedaNamespace = "keda";
    public const string KedaOperatorServiceAccount = "keda-operator";

    public HelmChart MetricsServer { get; }
    public HelmChart ClusterAutoscaler { get; }
    public HelmChart Keda { get; }
    public ServiceAccount KedaOperator { get; }
    public ServiceAccount Autoscaler { get; }
    /// <summary>The AWS Load Balancer Controller (web.platform eks): it registers the API pods in the ALB's target group.</summary>
    public HelmChart? LoadBalancerController { get; }

    /// <param name="apiTargetGroupArn">With web.platform eks: the ALB target group the controller may register pods in.</param>
    public ClusterAddonsConstruct(Construct scope, string id, EnvironmentSettings settings, WorkerClusterConstruct workers, string? apiTargetGroupArn = null)
        : base(scope, id)
    {
        var cluster = workers.Cluster;
        var charts = settings.Workers.Charts;

        MetricsServer = cluster.AddHelmChart("MetricsServer", new HelmChartOptions
        {
            Chart = "metrics-server",
            Repository = "https://kubernetes-sigs.github.io/metrics-server/",
            Version = charts.MetricsServer,
            Release = "metrics-server",
            Namespace = "kube-system",
            Wait = true,
            Values = new Dictionary<string, object> { ["replicas"] = 2 },
        });

        // ---- Cluster Autoscaler ----
        Autoscaler = cluster.AddServiceAccount("ClusterAutoscalerAccount", new ServiceAccountOptions { Name = "cluster-autoscaler", Namespace = "kube-system" });
        Autoscaler.AddToPrincipalPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "Discover",
            Actions =
            [
                "autoscaling:DescribeAutoScalingGroups", "autoscaling:DescribeAutoScalingInstances", "autoscaling:DescribeLaunchConfigurations",
                "autoscaling:DescribeScalingActivities", "autoscaling:DescribeTags", "ec2:DescribeImages", "ec2:DescribeInstanceTypes",
                "ec2:DescribeLaunchTemplateVersions", "ec2:GetInstanceTypesFromInstanceRequirements", "eks:DescribeNodegroup",
            ],
            Resources = ["*"], // Describe calls have no resource-level permissions
        }));
        Autoscaler.AddToPrincipalPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "ScaleOwnNodeGroups",
            Actions = ["autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"],
            Resources = ["*"],
            Conditions = new Dictionary<string, object>
            {
                ["StringEquals"] = new Dictionary<string, object> { [$"aws:ResourceTag/k8s.io/cluster-autoscaler/{workers.ClusterName}"] = "owned" },
            },
        }));
        NagSuppressions.AddToDefaultPolicy(Autoscaler.Role, new NagSuppression("AwsSolutions-IAM5",
            "the Cluster Autoscaler's documented policy: Describe calls have no resource-level permissions; SetDesiredCapacity and TerminateInstanceInAutoScalingGroup are limited by condition to groups tagged as owned by this cluster (the managed node group's Auto Scaling group name is chosen by EKS, so no ARN can be written)",
            "Resource::*"));
        ClusterAutoscaler = cluster.AddHelmChart("ClusterAutoscaler", new HelmChartOptions
        {
            Chart = "cluster-autoscaler",
            Repository = "https://kubernetes.github.io/autoscaler",
            Version = charts.ClusterAutoscaler,
            Release = "cluster-autoscaler",
            Namespace = "kube-system",
            Wait = true,
            Values = new Dictionary<string, object>
            {
                ["cloudProvider"] = "aws",
                ["awsRegion"] = Stack.Of(this).Region,
                ["autoDiscovery"] = new Dictionary<string, object> { ["clusterName"] = workers.ClusterName },
                ["rbac"] = new Dictionary<string, object>
                {
                    ["serviceAccount"] = new Dictionary<string, object> { ["create"] = false, ["name"] = Autoscaler.ServiceAccountName },
                },
                ["image"] = new Dictionary<string, object> { ["tag"] = charts.ClusterAutoscalerImageTag },
                ["extraArgs"] = new Dictionary<string, object>
                {
                    ["balance-similar-node-groups"] = true,
                    ["expander"] = "least-waste",
                    ["skip-nodes-with-system-pods"] = false,
                },
            },
        });
        ClusterAutoscaler.Node.AddDependency(Autoscaler);

        // ---- KEDA: its operator's service account comes first, so the chart runs with our IRSA role ----
        var kedaNamespace = cluster.AddManifest("KedaNamespace", Manifests.FromModel(new k8s.Models.V1Namespace
        {
            ApiVersion = "v1", Kind = "Namespace", Metadata = new k8s.Models.V1ObjectMeta { Name = KedaNamespace },
        }));
        KedaOperator = cluster.AddServiceAccount("KedaOperatorAccount", new ServiceAccountOptions { Name = KedaOperatorServiceAccount, Namespace = KedaNamespace });
        KedaOperator.Node.AddDependency(kedaNamespace);
        KedaOperator.AddToPrincipalPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "ReadScalingMetrics",
            Actions = ["cloudwatch:GetMetricData", "cloudwatch:GetMetricStatistics"],
            Resources = ["*"], // CloudWatch metric reads have no resource-level permissions
        }));
        NagSuppressions.AddToDefaultPolicy(KedaOperator.Role, new NagSuppression("AwsSolutions-IAM5",
            "KEDA's aws-cloudwatch scaler reads the QueueLength signal with cloudwatch:GetMetricData/GetMetricStatistics, which have no resource-level permissions",
            "Resource::*"));
        Keda = cluster.AddHelmChart("Keda", new HelmChartOptions
        {
            Chart = "keda",
            Repository = "https://kedacore.github.io/charts",
            Version = charts.Keda,
            Release = "keda",
            Namespace = KedaNamespace,
            CreateNamespace = false,
            Wait = true, // its CRDs must exist before any ScaledObject is applied
            Values = new Dictionary<string, object>
            {
                ["serviceAccount"] = new Dictionary<string, object>
                {
                    ["operator"] = new Dictionary<string, object> { ["create"] = false, ["name"] = KedaOperatorServiceAccount },
                },
            },
        });
        Keda.Node.AddDependency(KedaOperator);

        if (apiTargetGroupArn is not null) LoadBalancerController = AddLoadBalancerController(settings, workers, apiTargetGroupArn);

        // Each chart waits for its pods; they need nodes, which the node group may still be creating.
        foreach (var chart in new[] { MetricsServer, ClusterAutoscaler, Keda, LoadBalancerController }.OfType<HelmChart>()) chart.Node.AddDependency(workers.Nodes);
    }

    /// <summary>
    /// Only for TargetGroupBinding: the controller registers and deregisters pod IPs in one target group. Its role is
    /// scoped to that (not the project's documented policy, which lets it create and delete load balancers, target
    /// groups and security-group rules: nothing here asks it to), and its Service mutator webhook is off, so it never
    /// takes over other Services.
    /// </summary>
    private HelmChart AddLoadBalancerController(EnvironmentSettings settings, WorkerClusterConstruct workers, string targetGroupArn)
    {
        var cluster = workers.Cluster;
        var account = cluster.AddServiceAccount("LoadBalancerControllerAccount", new ServiceAccountOptions { Name = "aws-load-balancer-controller", Namespace = "kube-system" });
        account.AddToPrincipalPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "RegisterApiPods",
            Actions = ["elasticloadbalancing:RegisterTargets", "elasticloadbalancing:DeregisterTargets"],
            Resources = [targetGroupArn],
        }));
        account.AddToPrincipalPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "Discover",
            Actions =
            [
                "elasticloadbalancing:DescribeTargetGroups", "elasticloadbalancing:DescribeTargetHealth", "elasticloadbalancing:DescribeLoadBalancers",
                "elasticloadbalancing:DescribeListeners", "elasticloadbalancing:DescribeRules", "elasticloadbalancing:DescribeTags",
                "elasticloadbalancing:DescribeTargetGroupAttributes", "ec2:DescribeInstances", "ec2:DescribeNetworkInterfaces",
                "ec2:DescribeSecurityGroups", "ec2:DescribeSubnets", "ec2:DescribeVpcs", "ec2:DescribeAvailabilityZones",
            ],
            Resources = ["*"], // Describe calls have no resource-level permissions
        }));
        NagSuppressions.AddToDefaultPolicy(account.Role, new NagSuppression("AwsSolutions-IAM5",
            "the AWS Load Balancer Controller's Describe calls (elasticloadbalancing:Describe*, ec2:Describe*) have no resource-level permissions; registering and deregistering targets is limited to the API's target group by ARN",
            "Resource::*"));
        var chart = cluster.AddHelmChart("LoadBalancerController", new HelmChartOptions
        {
            Chart = "aws-load-balancer-controller",
            Repository = "https://aws.github.io/eks-charts",
            Version = settings.Workers.Charts.AwsLoadBalancerController,
            Release = "aws-load-balancer-controller",
            Namespace = "kube-system",
            Wait = true, // its CRD and webhook must exist before the TargetGroupBinding is applied
            Values = new Dictionary<string, object>
            {
                ["clusterName"] = workers.ClusterName,
                ["region"] = Stack.Of(this).Region,
                ["vpcId"] = workers.Cluster.Vpc.VpcId,
                ["replicaCount"] = 2,
                ["serviceAccount"] = new Dictionary<string, object> { ["create"] = false, ["name"] = account.ServiceAccountName },
                ["enableServiceMutatorWebhook"] = false,
            },
        });
        chart.Node.AddDependency(account);
        return chart;
    }
}
