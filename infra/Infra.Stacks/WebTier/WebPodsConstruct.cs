using Amazon.CDK;
using Amazon.CDK.AWS.EKS;
using Constructs;
using Infra.Stacks.Settings;
using Infra.Stacks.Workers;
using k8s.Models;

namespace Infra.Stacks.WebTier;

/// <summary>
/// The API role on EKS (<c>web.platform: eks</c>): a Deployment on the workers' node group, scaled by an HPA with the
/// source document's frontend metrics (CPU 70 %, memory 80 %) and behaviour, spread over zones, with a disruption
/// budget and probes on the health endpoints. The ALB, its listener rules, CloudFront and the origin header stay as
/// they are (WebTierConstruct): the AWS Load Balancer Controller only registers the pods' IPs in the ALB's target
/// group through a TargetGroupBinding, so nothing about the edge changes between the two platforms.
/// </summary>
/// <remarks>
/// Stopping: the pod leaves the Service's endpoints, the controller deregisters it, and the ALB drains it for the
/// target group's deregistration delay; a preStop sleep longer than that delay keeps the process serving meanwhile,
/// then the service drains its own work for service.shutdownGraceSeconds.
/// </remarks>
public sealed class WebPodsConstruct : Construct
{
    public const string Name = "workflow-api";
    public const int Port = 8080;

    public ServiceAccount ServiceAccount { get; }
    public KubernetesManifest Deployment { get; }
    public KubernetesManifest Autoscaler { get; }
    public KubernetesManifest Binding { get; }

    public WebPodsConstruct(Construct scope, string id, EnvironmentSettings settings, WorkerClusterConstruct workers, ClusterAddonsConstruct addons,
        KubernetesManifest workflowsNamespace, WebPodsDependencies deps) : base(scope, id)
    {
        var cluster = workers.Cluster;
        var labels = new Dictionary<string, string> { ["app.kubernetes.io/name"] = Name, ["app.kubernetes.io/part-of"] = "workflows" };

        ServiceAccount = cluster.AddServiceAccount("ApiAccount", new ServiceAccountOptions { Name = Name, Namespace = WorkerDeploymentConstruct.Namespace });
        ServiceAccount.Node.AddDependency(workflowsNamespace);
        foreach (var secret in new[] { deps.Worker.RedisAuthToken, deps.Worker.CacheRedisAuthToken, deps.Worker.DatabaseSecret, deps.ApiKey })
            secret.GrantRead(ServiceAccount);
        Common.SignalPolicies.AllowPublishing(ServiceAccount); // ResponseTime and friends, with PutMetricData

        Deployment = cluster.AddManifest("ApiDeployment", Manifests.FromModel(BuildDeployment(settings, deps, labels)));
        Deployment.Node.AddDependency(ServiceAccount);

        var service = cluster.AddManifest("ApiService", Manifests.FromModel(new V1Service
        {
            ApiVersion = "v1", Kind = "Service",
            Metadata = new V1ObjectMeta { Name = Name, NamespaceProperty = WorkerDeploymentConstruct.Namespace, Labels = labels },
            Spec = new V1ServiceSpec
            {
                Type = "ClusterIP", Selector = labels,
                Ports = [new V1ServicePort { Name = "http", Port = 80, TargetPort = (IntOrString)"http", Protocol = "TCP" }],
            },
        }));
        service.Node.AddDependency(workflowsNamespace);

        var pdb = cluster.AddManifest("ApiDisruptionBudget", Manifests.FromModel(new V1PodDisruptionBudget
        {
            ApiVersion = "policy/v1", Kind = "PodDisruptionBudget",
            Metadata = new V1ObjectMeta { Name = Name, NamespaceProperty = WorkerDeploymentConstruct.Namespace, Labels = labels },
            Spec = new V1PodDisruptionBudgetSpec { MaxUnavailable = (IntOrString)"1", Selector = new V1LabelSelector { MatchLabels = labels } },
        }));
        pdb.Node.AddDependency(workflowsNamespace);

        Autoscaler = cluster.AddManifest("ApiAutoscaler", Manifests.FromModel(BuildAutoscaler(settings.Web)));
        Autoscaler.Node.AddDependency(Deployment);
        Autoscaler.Node.AddDependency(addons.MetricsServer); // resource metrics come from metrics-server

        // The pods' IPs into the ALB's target group; the CRD and its webhook come with the controller's chart.
        Binding = cluster.AddManifest("ApiTargetGroupBinding", new Dictionary<string, object>
        {
            ["apiVersion"] = "elbv2.k8s.aws/v1beta1",
            ["kind"] = "TargetGroupBinding",
            ["metadata"] = new Dictionary<string, object> { ["name"] = Name, ["namespace"] = WorkerDeploymentConstruct.Namespace },
            ["spec"] = new Dictionary<string, object>
            {
                ["serviceRef"] = new Dictionary<string, object> { ["name"] = Name, ["port"] = 80 },
                ["targetGroupARN"] = deps.TargetGroupArn,
                ["targetType"] = "ip",
            },
        });
        Binding.Node.AddDependency(addons.LoadBalancerController!);
        Binding.Node.AddDependency(service);
    }

    public static V2HorizontalPodAutoscaler BuildAutoscaler(WebSettings web)
    {
        V2HPAScalingRules Rules(ScaleBehaviorSettings b) => new()
        {
            StabilizationWindowSeconds = b.StabilizationSeconds,
            Policies = b.Pods is { } pods
                ? [new V2HPAScalingPolicy { Type = "Percent", Value = b.Percent, PeriodSeconds = b.PeriodSeconds }, new V2HPAScalingPolicy { Type = "Pods", Value = pods, PeriodSeconds = b.PeriodSeconds }]
                : [new V2HPAScalingPolicy { Type = "Percent", Value = b.Percent, PeriodSeconds = b.PeriodSeconds }],
            SelectPolicy = b.Pods is null ? null : "Max", // scale up by whichever adds more: max(100 %, 2 pods)
        };
        V2MetricSpec Utilization(string resource, double percent) => new()
        {
            Type = "Resource",
            Resource = new V2ResourceMetricSource { Name = resource, Target = new V2MetricTarget { Type = "Utilization", AverageUtilization = (int)Math.Round(percent) } },
        };
        return new V2HorizontalPodAutoscaler
        {
            ApiVersion = "autoscaling/v2", Kind = "HorizontalPodAutoscaler",
            Metadata = new V1ObjectMeta { Name = Name, NamespaceProperty = WorkerDeploymentConstruct.Namespace },
            Spec = new V2HorizontalPodAutoscalerSpec
            {
                ScaleTargetRef = new V2CrossVersionObjectReference { ApiVersion = "apps/v1", Kind = "Deployment", Name = Name },
                MinReplicas = web.MinCapacity,
                MaxReplicas = web.MaxCapacity,
                Metrics = [Utilization("cpu", web.CpuTargetPercent), Utilization("memory", web.MemoryTargetPercent)],
                Behavior = new V2HorizontalPodAutoscalerBehavior { ScaleDown = Rules(web.ScaleDown), ScaleUp = Rules(web.ScaleUp) },
            },
        };
    }

    private static V1EnvVar Env(string name, string value) => new() { Name = name, Value = value };

    private static V1Deployment BuildDeployment(EnvironmentSettings settings, WebPodsDependencies deps, Dictionary<string, string> labels)
    {
        var web = settings.Web;
        var grace = settings.Service.ShutdownGraceSeconds;
        // Longer than the target group's deregistration delay (min(grace, 30) s), so the ALB has stopped sending before
        // the process starts to stop.
        var drain = Math.Min(grace, 30) + 5;
        var dir = PodSecrets.Directory;
        PodSecrets.File[] secrets =
        [
            new("REDIS_SECRET", deps.Worker.RedisAuthToken, "redis-password"),
            new("CACHE_SECRET", deps.Worker.CacheRedisAuthToken, "cache-password"),
            new("DB_SECRET", deps.Worker.DatabaseSecret, "documentdb.json"),
            new("API_KEY_SECRET", deps.ApiKey, "api-keys", WithPrevious: true),
        ];
        var env = new List<V1EnvVar>
        {
            Env("Workflows__Role", "api"),
            Env("Workflows__ExecutionMode", "queue"),
            Env("Workflows__ShutdownGraceSeconds", grace.ToString()),
            Env("ASPNETCORE_URLS", $"http://+:{Port}"),
            Env("Redis__ConnectionString", $"{deps.Worker.RedisHost}:{Data.CacheConstruct.Port},ssl=true,abortConnect=false"),
            Env("Redis__PasswordFile", $"{dir}/redis-password"),
            Env("Cache__RedisConnectionString", $"{deps.Worker.CacheRedisHost}:{Data.CacheConstruct.Port},ssl=true,abortConnect=false"),
            Env("Cache__PasswordFile", $"{dir}/cache-password"),
            Env("Storage__Provider", "mongodb"),
            Env("Storage__MongoDb__ConnectionString", $"mongodb://{deps.Worker.DatabaseHost}:{Data.DatabaseConstruct.Port}/?tls=true&replicaSet=rs0&retryWrites=false"),
            Env("Storage__MongoDb__CredentialsFile", $"{dir}/documentdb.json"),
            Env("Storage__MongoDb__TlsCaFile", "/etc/ssl/rds/global-bundle.pem"),
            Env("Auth__ApiKeys__0__Name", "platform"),
            Env("Auth__ApiKeys__0__File", $"{dir}/api-keys"),
            Env("Auth__ApiKeys__0__Scopes__0", "read"),
            Env("Auth__ApiKeys__0__Scopes__1", "write"),
            Env("Metrics__Environment", settings.Name),
            Env("Metrics__Sink", "putmetricdata"),
            Env("AWS_REGION", Stack.Of(deps.Worker.RedisAuthToken).Region),
        };
        var api = ServicePod.Container("api", deps.Worker.Image, Port, env, web.PodRequests, web.PodLimits);
        api.Lifecycle = new V1Lifecycle { PreStop = new V1LifecycleHandler { Sleep = new V1SleepAction { Seconds = drain } } };
        return new V1Deployment
        {
            ApiVersion = "apps/v1", Kind = "Deployment",
            Metadata = new V1ObjectMeta { Name = Name, NamespaceProperty = WorkerDeploymentConstruct.Namespace, Labels = labels },
            Spec = new V1DeploymentSpec
            {
                // No replicas: the HPA owns the count; a value here would reset a scaled-out tier on every deploy.
                Selector = new V1LabelSelector { MatchLabels = labels },
                Strategy = new V1DeploymentStrategy { Type = "RollingUpdate", RollingUpdate = new V1RollingUpdateDeployment { MaxUnavailable = (IntOrString)"0", MaxSurge = (IntOrString)"25%" } },
                // Zones first: an AZ lost keeps two thirds of the API (DoNotSchedule: a pod waits rather than piles up in one zone).
                Template = ServicePod.Template(settings, Name, labels, drain + grace + 15, "DoNotSchedule", secrets, api),
            },
        };
    }
}

/// <summary>What the API pods need from the data and web stacks.</summary>
public sealed record WebPodsDependencies(WorkerDependencies Worker, Amazon.CDK.AWS.SecretsManager.ISecret ApiKey, string TargetGroupArn);
