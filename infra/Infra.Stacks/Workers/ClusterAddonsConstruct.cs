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

    public ClusterAddonsConstruct(Construct scope, string id, EnvironmentSettings settings, WorkerClusterConstruct workers) : base(scope, id)
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

        // Each chart waits for its pods; they need nodes, which the node group may still be creating.
        foreach (var chart in new[] { MetricsServer, ClusterAutoscaler, Keda }) chart.Node.AddDependency(workers.Nodes);
    }
}
