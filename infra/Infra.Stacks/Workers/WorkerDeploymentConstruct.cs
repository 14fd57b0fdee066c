using Amazon.CDK;
using Amazon.CDK.AWS.EKS;
using Amazon.CDK.AWS.SecretsManager;
using Constructs;
using Infra.Stacks.Settings;
using k8s.Models;
using Workflows.ScalingSignals;

namespace Infra.Stacks.Workers;

/// <summary>What the worker pods connect to.</summary>
public sealed record WorkerDependencies(string Image, string RedisHost, ISecret RedisAuthToken, string CacheRedisHost, ISecret CacheRedisAuthToken,
    string DatabaseHost, ISecret DatabaseSecret);

/// <summary>
/// The service's <c>worker</c> role on EKS: a namespace, an IRSA service account, the Deployment (the source document's
/// requests and limits, probes on the health endpoints, a termination grace period above the service's own, spread over
/// zones), a PodDisruptionBudget, and KEDA's ScaledObject, which generates the HPA: CPU 75 % and the service's
/// QueueLength metric at 10 per pod, with the document's scale-up and scale-down behaviour. The pods publish the
/// signals themselves (PutMetricData with their IRSA role, limited to the contract's namespace).
/// </summary>
/// <remarks>
/// Secrets never appear in the manifests: an init container reads them from Secrets Manager with the pod's IRSA role
/// into a memory-backed volume, a sidecar reads them again every <c>secrets.refreshSeconds</c> (rotation), and the
/// service re-reads the files (Redis:PasswordFile, Cache:PasswordFile, Storage:MongoDb:CredentialsFile). The manifests
/// hold only host names and secret ARNs.
/// </remarks>
public sealed class WorkerDeploymentConstruct : Construct
{
    public const string Namespace = "workflows";
    public const string Name = "workflow-worker";
    public const int Port = 8080;
    private const string SecretsDir = PodSecrets.Directory;

    public ServiceAccount ServiceAccount { get; }
    /// <summary>The <c>workflows</c> namespace (restricted Pod Security Standard); the API pods live there too with web.platform eks.</summary>
    public KubernetesManifest NamespaceManifest { get; }
    public KubernetesManifest Deployment { get; }
    public KubernetesManifest ScaledObjectManifest { get; }
    public ScaledObject ScaledObject { get; }

    public WorkerDeploymentConstruct(Construct scope, string id, EnvironmentSettings settings, WorkerClusterConstruct workers,
        ClusterAddonsConstruct addons, WorkerDependencies deps) : base(scope, id)
    {
        var cluster = workers.Cluster;
        var labels = new Dictionary<string, string> { ["app.kubernetes.io/name"] = Name, ["app.kubernetes.io/part-of"] = "workflows" };

        var ns = NamespaceManifest = cluster.AddManifest("Namespace", Manifests.FromModel(new V1Namespace
        {
            ApiVersion = "v1", Kind = "Namespace",
            Metadata = new V1ObjectMeta { Name = Namespace, Labels = new Dictionary<string, string> { ["pod-security.kubernetes.io/enforce"] = "restricted" } },
        }));

        ServiceAccount = cluster.AddServiceAccount("WorkerAccount", new ServiceAccountOptions { Name = Name, Namespace = Namespace });
        ServiceAccount.Node.AddDependency(ns);
        deps.RedisAuthToken.GrantRead(ServiceAccount);
        deps.CacheRedisAuthToken.GrantRead(ServiceAccount);
        Infra.Stacks.Common.SignalPolicies.AllowPublishing(ServiceAccount); // the pods publish QueueLength and friends with PutMetricData
        deps.DatabaseSecret.GrantRead(ServiceAccount);

        Deployment = cluster.AddManifest("Deployment", Manifests.FromModel(BuildDeployment(settings, deps, labels)));
        Deployment.Node.AddDependency(ServiceAccount);

        var pdb = cluster.AddManifest("DisruptionBudget", Manifests.FromModel(new V1PodDisruptionBudget
        {
            ApiVersion = "policy/v1", Kind = "PodDisruptionBudget",
            Metadata = new V1ObjectMeta { Name = Name, NamespaceProperty = Namespace, Labels = labels },
            Spec = new V1PodDisruptionBudgetSpec { MaxUnavailable = (IntOrString)"1", Selector = new V1LabelSelector { MatchLabels = labels } },
        }));
        pdb.Node.AddDependency(ns);

        // ---- KEDA ----
        var auth = cluster.AddManifest("KedaAwsAuthentication", Manifests.FromRecord(new TriggerAuthentication(
            new ObjectMeta("keda-aws", Namespace), new TriggerAuthenticationSpec(new PodIdentity("aws")))));
        auth.Node.AddDependency(addons.Keda);
        auth.Node.AddDependency(ns);

        ScaledObject = BuildScaledObject(settings, Stack.Of(this).Region);
        ScaledObjectManifest = cluster.AddManifest("ScaledObject", Manifests.FromRecord(ScaledObject));
        ScaledObjectManifest.Node.AddDependency(addons.Keda); // its CRD comes with the chart
        ScaledObjectManifest.Node.AddDependency(auth);
        ScaledObjectManifest.Node.AddDependency(Deployment);
    }

    public static ScaledObject BuildScaledObject(EnvironmentSettings settings, string region)
    {
        var w = settings.Workers;
        var queue = Workflows.ScalingSignals.Signals.QueueLength;
        HpaScalingRules Rules(ScaleBehaviorSettings b) => new(b.StabilizationSeconds,
            b.Pods is { } pods
                ? [new HpaPolicy("Percent", b.Percent, b.PeriodSeconds), new HpaPolicy("Pods", pods, b.PeriodSeconds)]
                : [new HpaPolicy("Percent", b.Percent, b.PeriodSeconds)],
            b.Pods is null ? null : "Max"); // scale up by whichever adds more: max(100 %, 2 pods)

        return new ScaledObject(
            new ObjectMeta(Name, Namespace),
            new ScaledObjectSpec(
                ScaleTargetRef: new ScaleTargetRef(Name),
                MinReplicaCount: w.MinReplicas,
                MaxReplicaCount: w.MaxReplicas,
                PollingInterval: 30,
                CooldownPeriod: 300,
                Advanced: new Advanced(new HorizontalPodAutoscalerConfig(new HpaBehavior(Rules(w.ScaleDown), Rules(w.ScaleUp)))),
                Triggers:
                [
                    new Trigger("cpu", "Utilization", new Dictionary<string, string> { ["value"] = w.CpuTargetPercent.ToString() }),
                    new Trigger("aws-cloudwatch", "AverageValue", new Dictionary<string, string>
                    {
                        ["namespace"] = Workflows.ScalingSignals.Signals.Namespace,
                        ["metricName"] = queue.Name,
                        ["dimensionName"] = string.Join(";", queue.Dimensions),
                        ["dimensionValue"] = settings.Name,
                        ["metricStat"] = queue.Statistic,
                        ["metricStatPeriod"] = Workflows.ScalingSignals.Signals.PeriodSeconds.ToString(),
                        ["metricCollectionTime"] = (Workflows.ScalingSignals.Signals.PeriodSeconds * 5).ToString(),
                        ["targetMetricValue"] = w.QueueLengthPerPod.ToString(),
                        ["activationTargetMetricValue"] = "0",
                        // Missing data is an error, not a zero: the HPA then keeps scaling up on what it can read (CPU)
                        // but never scales down on a silent publisher. (KEDA forbids a fallback beside a cpu trigger.)
                        ["ignoreNullValues"] = "false",
                        ["awsRegion"] = region,
                    }, new AuthenticationRef("keda-aws")),
                ]));
    }

    private static V1EnvVar Env(string name, string value) => new() { Name = name, Value = value };

    private static V1Deployment BuildDeployment(EnvironmentSettings settings, WorkerDependencies deps, Dictionary<string, string> labels)
    {
        var w = settings.Workers;
        var grace = settings.Service.ShutdownGraceSeconds;
        var env = new List<V1EnvVar>
        {
            Env("Workflows__Role", "worker"),
            Env("Workflows__ExecutionMode", "queue"),
            Env("Workflows__ShutdownGraceSeconds", grace.ToString()),
            Env("Queue__Concurrency", w.Concurrency.ToString()),
            Env("ASPNETCORE_URLS", $"http://+:{Port}"),
            Env("Redis__ConnectionString", $"{deps.RedisHost}:{Data.CacheConstruct.Port},ssl=true,abortConnect=false"),
            Env("Redis__PasswordFile", $"{SecretsDir}/redis-password"),
            Env("Storage__Provider", "mongodb"),
            Env("Storage__MongoDb__ConnectionString", $"mongodb://{deps.DatabaseHost}:{Data.DatabaseConstruct.Port}/?tls=true&replicaSet=rs0&retryWrites=false"),
            Env("Storage__MongoDb__CredentialsFile", $"{SecretsDir}/documentdb.json"),
            Env("Storage__MongoDb__TlsCaFile", "/etc/ssl/rds/global-bundle.pem"),
            Env("Metrics__Environment", settings.Name),
            Env("Metrics__Sink", "putmetricdata"),
            Env("AWS_REGION", Stack.Of(deps.RedisAuthToken).Region),
            Env("Cache__RedisConnectionString", $"{deps.CacheRedisHost}:{Data.CacheConstruct.Port},ssl=true,abortConnect=false"),
            Env("Cache__PasswordFile", $"{SecretsDir}/cache-password"),
        };
        PodSecrets.File[] secrets =
        [
            new("REDIS_SECRET", deps.RedisAuthToken, "redis-password"),
            new("CACHE_SECRET", deps.CacheRedisAuthToken, "cache-password"),
            new("DB_SECRET", deps.DatabaseSecret, "documentdb.json"),
        ];

        return new V1Deployment
        {
            ApiVersion = "apps/v1", Kind = "Deployment",
            Metadata = new V1ObjectMeta { Name = Name, NamespaceProperty = Namespace, Labels = labels },
            Spec = new V1DeploymentSpec
            {
                // No replicas: KEDA's HPA owns the count (it starts at minReplicaCount); a value here would reset a
                // scaled-out pool on every deploy.
                Selector = new V1LabelSelector { MatchLabels = labels },
                Strategy = new V1DeploymentStrategy { Type = "RollingUpdate", RollingUpdate = new V1RollingUpdateDeployment { MaxUnavailable = (IntOrString)"0", MaxSurge = (IntOrString)"25%" } },
                // Above the service's own grace: it drains for `grace` s, then the host stops within 10 s more.
                Template = ServicePod.Template(settings, Name, labels, grace + 15, "ScheduleAnyway", secrets,
                    ServicePod.Container("worker", deps.Image, Port, env, w.Requests, w.Limits)),
            },
        };
    }
}
