using Amazon.CDK;
using Amazon.CDK.AWS.CloudWatch;
using Amazon.CDK.AWS.CloudWatch.Actions;
using Amazon.CDK.AWS.KMS;
using Amazon.CDK.AWS.SNS;
using Amazon.CDK.AWS.SNS.Subscriptions;
using Constructs;
using Infra.Stacks.Common;
using Infra.Stacks.Data;
using Infra.Stacks.Settings;
using Infra.Stacks.WebTier;

namespace Infra.Stacks.Observability;

/// <summary>
/// Alarms (to an SNS topic encrypted with a key CloudWatch may use) and one dashboard for the web tier, the cache,
/// the database and the service's own signals (every one of the contract's, read through SignalMetrics).
/// Thresholds follow the source document: p95 under 500 ms, error rate under 1 %, slow queries over 100 ms.
/// </summary>
public sealed class ObservabilityConstruct : Construct
{
    public Topic AlarmTopic { get; }
    public Dashboard Dashboard { get; }
    public List<Alarm> Alarms { get; } = [];
    public Metric QueueLength { get; private set; } = null!;

    public ObservabilityConstruct(Construct scope, string id, EnvironmentSettings settings, WebTierConstruct web, CacheConstruct cache, DatabaseConstruct database)
        : base(scope, id)
    {
        // A customer-managed key: the AWS-managed aws/sns key's policy cannot let CloudWatch alarms publish.
        var topicKey = new Key(this, "AlarmTopicKey", new KeyProps
        {
            Description = $"{settings.Name} alarm topic encryption",
            EnableKeyRotation = true,
        });
        topicKey.AddToResourcePolicy(new Amazon.CDK.AWS.IAM.PolicyStatement(new Amazon.CDK.AWS.IAM.PolicyStatementProps
        {
            Sid = "CloudWatchAlarmsPublish",
            Principals = [new Amazon.CDK.AWS.IAM.ServicePrincipal("cloudwatch.amazonaws.com")],
            Actions = ["kms:Decrypt", "kms:GenerateDataKey"],
            Resources = ["*"], // "this key", in a key policy
            Conditions = new Dictionary<string, object> { ["StringEquals"] = new Dictionary<string, object> { ["aws:SourceAccount"] = Aws.ACCOUNT_ID } },
        }));
        AlarmTopic = new Topic(this, "Alarms", new TopicProps
        {
            DisplayName = $"{settings.Name} workflow platform alarms",
            MasterKey = topicKey,
            EnforceSSL = true,
        });
        if (settings.Observability.AlarmEmail is { } email) AlarmTopic.AddSubscription(new EmailSubscription(email));

        var five = Duration.Minutes(5);
        var alb = web.LoadBalancer.Metrics;
        var targets = web.TargetGroup.Metrics;

        var elb5xx = alb.HttpCodeElb(Amazon.CDK.AWS.ElasticLoadBalancingV2.HttpCodeElb.ELB_5XX_COUNT, new MetricOptions { Period = five, Statistic = "Sum" });
        var target5xx = alb.HttpCodeTarget(Amazon.CDK.AWS.ElasticLoadBalancingV2.HttpCodeTarget.TARGET_5XX_COUNT, new MetricOptions { Period = five, Statistic = "Sum" });
        var requests = alb.RequestCount(new MetricOptions { Period = five, Statistic = "Sum" });
        var p95 = targets.TargetResponseTime(new MetricOptions { Period = Duration.Minutes(1), Statistic = "p95" });
        var unhealthy = targets.UnhealthyHostCount(new MetricOptions { Period = Duration.Minutes(1), Statistic = "Maximum" });
        var errorRate = new MathExpression(new MathExpressionProps
        {
            Expression = "100 * (e + t) / MAX([r, 1])",
            UsingMetrics = new Dictionary<string, IMetric> { ["e"] = elb5xx, ["t"] = target5xx, ["r"] = requests },
            Label = "5xx rate (%)",
            Period = five,
        });
        // The instances' CPU (web.platform asg); with eks the HPA holds pods at their CPU target and the node group's
        // saturation shows as pending pods (Cluster Autoscaler), not here.
        var cpu = web.Group is null ? null : new Metric(new MetricProps
        {
            Namespace = "AWS/EC2", MetricName = "CPUUtilization", Statistic = "Average", Period = five,
            DimensionsMap = new Dictionary<string, string> { ["AutoScalingGroupName"] = web.Group.AutoScalingGroupName },
        });

        // Cluster-mode-disabled groups name their nodes <group>-001, -002, …; the primary moves on failover, so take the max.
        var nodes = Enumerable.Range(1, 1 + settings.Cache.Replicas).Select(i => Fn.Join("", [cache.ReplicationGroup.Ref, $"-{i:000}"])).ToList();
        MathExpression CacheMax(string metric, string label) => new(new MathExpressionProps
        {
            Expression = $"MAX([{string.Join(", ", nodes.Select((_, i) => $"n{i}"))}])",
            UsingMetrics = nodes.Select((node, i) => (Key: $"n{i}", Metric: (IMetric)new Metric(new MetricProps
            {
                Namespace = "AWS/ElastiCache", MetricName = metric, Statistic = "Maximum", Period = five,
                DimensionsMap = new Dictionary<string, string> { ["CacheClusterId"] = node },
            }))).ToDictionary(x => x.Key, x => x.Metric),
            Label = label,
            Period = five,
        });
        var cacheCpu = CacheMax("EngineCPUUtilization", "Redis engine CPU (max node, %)");
        var cacheMemory = CacheMax("DatabaseMemoryUsagePercentage", "Redis memory used (max node, %)");

        Metric Db(string name, string statistic) => new(new MetricProps
        {
            Namespace = "AWS/DocDB", MetricName = name, Statistic = statistic, Period = five,
            DimensionsMap = new Dictionary<string, string> { ["DBClusterIdentifier"] = database.Cluster.ClusterIdentifier },
        });
        var dbCpu = Db("CPUUtilization", "Maximum");
        var dbMemory = Db("FreeableMemory", "Minimum");
        var dbConnections = Db("DatabaseConnections", "Maximum");

        Add("Web5xxRate", errorRate, 1, 3, "More than 1 % of requests failed with 5xx (the source document's error budget)");
        Add("WebLatencyP95", p95, 0.5, 5, "p95 target response time above 500 ms for 5 minutes (the load test's threshold)");
        Add("WebUnhealthyHosts", unhealthy, 0, 5, "An instance has failed ALB health checks for 5 minutes");
        if (cpu is not null) Add("WebCpuSaturated", cpu, 90, 3, "Web tier CPU above 90 % for 15 minutes although it scales at its target: check the maximum");
        Add("CacheMemory", cacheMemory, 80, 2, "Redis memory above 80 %: with noeviction, writes (new executions) fail at 100 %");
        Add("CacheEngineCpu", cacheCpu, 80, 3, "Redis engine CPU above 80 %");
        Add("DatabaseCpu", dbCpu, 80, 3, "DocumentDB CPU above 80 %");
        Add("DatabaseFreeableMemory", dbMemory, 256 * 1024 * 1024, 3, "DocumentDB freeable memory under 256 MiB", ComparisonOperator.LESS_THAN_THRESHOLD);

        // ---- the service's own signals (the shared contract) ----
        var env = settings.Name;
        var queueLength = SignalMetrics.Metric(Workflows.ScalingSignals.Signals.QueueLength, env);
        var executionsBy = Workflows.ScalingSignals.Signals.Statuses.ToDictionary(st => st, st => SignalMetrics.Metric(Workflows.ScalingSignals.Signals.WorkflowExecutions, env,
            new Dictionary<string, string> { [Workflows.ScalingSignals.Signals.StatusDimension] = st }));
        var averageResponse = SignalMetrics.Metric(Workflows.ScalingSignals.Signals.AverageResponseTime, env);
        var responseP95 = SignalMetrics.Metric(Workflows.ScalingSignals.Signals.ResponseTime, env);
        var slowBy = Workflows.ScalingSignals.Signals.Components.Select(c => SignalMetrics.Metric(Workflows.ScalingSignals.Signals.SlowOperations, env,
            new Dictionary<string, string> { [Workflows.ScalingSignals.Signals.ComponentDimension] = c })).ToArray();
        var cacheHits = SignalMetrics.Metric(Workflows.ScalingSignals.Signals.CacheHits, env);
        var cacheMisses = SignalMetrics.Metric(Workflows.ScalingSignals.Signals.CacheMisses, env);
        var dropped = SignalMetrics.Metric(Workflows.ScalingSignals.Signals.MetricsDropped, env);
        var recovered = SignalMetrics.Metric(Workflows.ScalingSignals.Signals.RecoveredExecutions, env);

        // A backlog beyond what the largest worker fleet targets (maxReplicas × per-pod target) for 15 minutes.
        var saturated = settings.Workers.MaxReplicas * settings.Workers.QueueLengthPerPod;
        Add("QueueBacklog", queueLength, saturated, 15, $"QueueLength above {saturated} (workers at maximum) for 15 minutes");
        Add("FailedExecutions", executionsBy["failed"].With(new MetricOptions { Period = five }), 10, 1, "More than 10 executions failed in 5 minutes");
        // Nothing is lost (the reconciler re-enqueued them), but the queue Redis lost data: a node was replaced or failed over.
        Add("ExecutionsRecovered", recovered, 0, 1, "The reconciler re-enqueued accepted executions the queue had lost (Redis restarted empty or failed over)");

        QueueLength = queueLength;

        Dashboard = new Dashboard(this, "Dashboard", new DashboardProps { DashboardName = $"{settings.Name}-workflow-platform" });
        Dashboard.AddWidgets(
            new TextWidget(new TextWidgetProps { Markdown = $"# {settings.Name}: web tier", Width = 24, Height = 1 }));
        Dashboard.AddWidgets(
        [
            Graph("Requests", requests),
            Graph("5xx rate (%)", errorRate),
            Graph("Target response time p95 (s)", p95),
            .. cpu is null ? Array.Empty<IWidget>() : [Graph("Instances CPU (%)", cpu)],
        ]);
        Dashboard.AddWidgets(
            new TextWidget(new TextWidgetProps { Markdown = "# cache and database", Width = 24, Height = 1 }));
        Dashboard.AddWidgets(
            Graph("Redis memory (%)", cacheMemory),
            Graph("Redis engine CPU (%)", cacheCpu),
            Graph("DocumentDB CPU (%)", dbCpu),
            Graph("DocumentDB connections", dbConnections));
        Dashboard.AddWidgets(
            new TextWidget(new TextWidgetProps { Markdown = $"# service signals ({Workflows.ScalingSignals.Signals.Namespace})", Width = 24, Height = 1 }));
        Dashboard.AddWidgets(
            Graph("QueueLength (workers scale on it)", queueLength),
            new GraphWidget(new GraphWidgetProps { Title = "WorkflowExecutions by status", Left = executionsBy.Values.ToArray(), Width = 6, Height = 6 }),
            new GraphWidget(new GraphWidgetProps { Title = "Response time (ms): average and p95", Left = [averageResponse, responseP95], Width = 6, Height = 6 }),
            new GraphWidget(new GraphWidgetProps { Title = "Slow operations by component", Left = slowBy, Width = 6, Height = 6 }));
        Dashboard.AddWidgets(
            new GraphWidget(new GraphWidgetProps { Title = "Workflow cache hits / misses", Left = [cacheHits, cacheMisses], Width = 12, Height = 6 }),
            Graph("Metric batches dropped", dropped),
            Graph("Executions recovered by the reconciler", recovered));
        Dashboard.AddWidgets(new AlarmStatusWidget(new AlarmStatusWidgetProps { Alarms = Alarms.ToArray(), Title = "Alarms", Width = 24 }));
    }

    private void Add(string id, IMetric metric, double threshold, int periods, string description,
        ComparisonOperator comparison = ComparisonOperator.GREATER_THAN_THRESHOLD)
    {
        var alarm = new Alarm(this, id, new AlarmProps
        {
            Metric = metric,
            Threshold = threshold,
            EvaluationPeriods = periods,
            ComparisonOperator = comparison,
            TreatMissingData = TreatMissingData.NOT_BREACHING,
            AlarmDescription = description,
        });
        alarm.AddAlarmAction(new SnsAction(AlarmTopic));
        alarm.AddOkAction(new SnsAction(AlarmTopic));
        Alarms.Add(alarm);
    }

    private static GraphWidget Graph(string title, IMetric metric) =>
        new(new GraphWidgetProps { Title = title, Left = [metric], Width = 6, Height = 6 });
}
