using System.Globalization;
using System.Text.RegularExpressions;

namespace Infra.Stacks.Settings;

/// <summary>
/// How many worker pods fit on a node, so the settings can be checked: can the node group's maximum hold the HPA's
/// maximum? Allocatable room is the instance's size less what EKS reserves (kubelet, eviction threshold) and the
/// per-node DaemonSets (VPC CNI, kube-proxy): about 300 millicores and 1.2 GiB on these sizes.
/// </summary>
public static partial class NodeCapacity
{
    private const int ReservedMillicores = 300;
    private const int ReservedMebibytes = 1228;

    /// <summary>x86_64 types the node group's AMI (AL2023 x86_64) runs on: vCPUs and GiB.</summary>
    public static readonly IReadOnlyDictionary<string, (int Vcpu, int MemoryGiB)> Types = new Dictionary<string, (int, int)>
    {
        ["t3.medium"] = (2, 4), ["t3.large"] = (2, 8), ["t3.xlarge"] = (4, 16), ["t3.2xlarge"] = (8, 32),
        ["m6i.large"] = (2, 8), ["m6i.xlarge"] = (4, 16), ["m6i.2xlarge"] = (8, 32), ["m6i.4xlarge"] = (16, 64),
        ["m7i.large"] = (2, 8), ["m7i.xlarge"] = (4, 16), ["m7i.2xlarge"] = (8, 32), ["m7i.4xlarge"] = (16, 64),
        ["c6i.large"] = (2, 4), ["c6i.xlarge"] = (4, 8), ["c6i.2xlarge"] = (8, 16), ["c7i.xlarge"] = (4, 8), ["c7i.2xlarge"] = (8, 16),
        ["r6i.large"] = (2, 16), ["r6i.xlarge"] = (4, 32),
    };

    [GeneratedRegex(@"^(\d+(?:\.\d+)?)(m?)$")]
    private static partial Regex CpuPattern();

    [GeneratedRegex(@"^(\d+)(Mi|Gi)$")]
    private static partial Regex MemoryPattern();

    /// <summary>"500m" → 500, "2" → 2000, "1.5" → 1500; null when not a CPU quantity.</summary>
    public static int? Millicores(string quantity)
    {
        var m = CpuPattern().Match(quantity);
        if (!m.Success) return null;
        var value = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        return (int)Math.Round(m.Groups[2].Value == "m" ? value : value * 1000);
    }

    /// <summary>"512Mi" → 512, "1Gi" → 1024; null when not a memory quantity in Mi or Gi.</summary>
    public static int? Mebibytes(string quantity)
    {
        var m = MemoryPattern().Match(quantity);
        return m.Success ? int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) * (m.Groups[2].Value == "Gi" ? 1024 : 1) : null;
    }

    public static int PodsPerNode(string instanceType, int cpuRequestMillicores, int memoryRequestMebibytes)
    {
        var (vcpu, gib) = Types[instanceType];
        return Math.Min((vcpu * 1000 - ReservedMillicores) / cpuRequestMillicores, (gib * 1024 - ReservedMebibytes) / memoryRequestMebibytes);
    }
}
