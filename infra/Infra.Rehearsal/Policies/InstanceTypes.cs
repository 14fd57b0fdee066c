namespace Infra.Rehearsal.Policies;

/// <summary>vCPUs and memory of the EC2 instance types the settings may name (AWS's published specifications).</summary>
public static class InstanceTypes
{
    public sealed record Spec(int VCpus, double MemoryGiB);

    private static readonly Dictionary<string, Spec> Known = new(StringComparer.Ordinal)
    {
        ["t3.micro"] = new(2, 1), ["t3.small"] = new(2, 2), ["t3.medium"] = new(2, 4), ["t3.large"] = new(2, 8),
        ["t3.xlarge"] = new(4, 16), ["t3.2xlarge"] = new(8, 32),
        ["t4g.small"] = new(2, 2), ["t4g.medium"] = new(2, 4), ["t4g.large"] = new(2, 8),
        ["m6i.large"] = new(2, 8), ["m6i.xlarge"] = new(4, 16), ["m6i.2xlarge"] = new(8, 32), ["m6i.4xlarge"] = new(16, 64),
        ["m7i.large"] = new(2, 8), ["m7i.xlarge"] = new(4, 16), ["m7i.2xlarge"] = new(8, 32),
        ["m6g.large"] = new(2, 8), ["m6g.xlarge"] = new(4, 16), ["m7g.large"] = new(2, 8), ["m7g.xlarge"] = new(4, 16),
        ["c6i.large"] = new(2, 4), ["c6i.xlarge"] = new(4, 8), ["c6i.2xlarge"] = new(8, 16), ["c7i.large"] = new(2, 4), ["c7i.xlarge"] = new(4, 8),
        ["r6i.large"] = new(2, 16), ["r6i.xlarge"] = new(4, 32),
    };

    public static Spec Of(string instanceType, string where) =>
        Known.TryGetValue(instanceType, out var spec) ? spec
            : throw new PolicyNotUnderstoodException(where, $"instance type '{instanceType}' (known: {string.Join(", ", Known.Keys)})");

    /// <summary>
    /// CPU the kubelet keeps for the system on an EKS AMI (kube-reserved): 6 % of the first core, 1 % of the second,
    /// 0.5 % of the third and fourth, 0.25 % of each further core (the EKS AMI's bootstrap formula).
    /// </summary>
    public static long KubeReservedCpuMilli(int vcpus)
    {
        double reserved = 0;
        for (var core = 1; core <= vcpus; core++)
            reserved += core switch { 1 => 60, 2 => 10, 3 or 4 => 5, _ => 2.5 };
        return (long)Math.Ceiling(reserved);
    }
}
