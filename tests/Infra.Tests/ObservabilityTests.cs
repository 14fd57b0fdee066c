using Amazon.CDK.Assertions;
using Infra.Tests.Fixtures;
using static Infra.Tests.Fixtures.P;

namespace Infra.Tests;

public class ObservabilityTests
{
    [Theory]
    [MemberData(nameof(Environments.Names), MemberType = typeof(Environments))]
    public void Alarms_cover_the_web_tier_the_cache_and_the_database(string env)
    {
        var e = Environments.Get(env);
        var alarms = Resources(e.Observability, "AWS::CloudWatch::Alarm").Select(a => a.ToJsonString()).ToList();
        Assert.Contains(alarms, a => a.Contains("TargetResponseTime") && a.Contains("p95") && a.Contains("\"Threshold\":0.5"));
        Assert.Contains(alarms, a => a.Contains("HTTPCode_ELB_5XX_Count") && a.Contains("HTTPCode_Target_5XX_Count"));
        Assert.Contains(alarms, a => a.Contains("UnHealthyHostCount"));
        Assert.Contains(alarms, a => a.Contains("DatabaseMemoryUsagePercentage") && a.Contains("AWS/ElastiCache"));
        Assert.Contains(alarms, a => a.Contains("EngineCPUUtilization"));
        Assert.Contains(alarms, a => a.Contains("AWS/DocDB") && a.Contains("CPUUtilization"));
        Assert.Contains(alarms, a => a.Contains("AWS/DocDB") && a.Contains("FreeableMemory"));
        Assert.All(alarms, a => Assert.Contains("AlarmActions", a));

        // One metric per Redis node: the primary moves on failover.
        var memory = alarms.Single(a => a.Contains("DatabaseMemoryUsagePercentage"));
        Assert.Equal(1 + e.Settings.Cache.Replicas, memory.Split("\"CacheClusterId\"").Length - 1);

        e.Observability.HasResourceProperties("AWS::SNS::Topic", Like(("KmsMasterKeyId", Match.AnyValue())));
        e.Observability.ResourceCountIs("AWS::CloudWatch::Dashboard", 1);
    }
}
