using System.Diagnostics;
using System.Text.Json;

namespace Infra.Templates;

/// <summary>
/// Runs infra/compliance/check.mjs (cdk-nag's AwsSolutions pack, Kubernetes/KEDA schemas, Helm chart keys, the CloudFormation
/// specification; npm packages pinned in package.json) over a cloud assembly and reads its report.
/// </summary>
public static class ComplianceCheck
{
    public static ComplianceReport Run(string repositoryRoot, IEnumerable<string> arguments)
    {
        var script = Path.Combine(repositoryRoot, "infra", "compliance", "check.mjs");
        var report = Path.Combine(Path.GetTempPath(), $"compliance-{Guid.NewGuid():N}.json");
        var start = new ProcessStartInfo("node") { WorkingDirectory = repositoryRoot, RedirectStandardError = true, RedirectStandardOutput = true };
        // Under the CDK CLI our process carries CDK_OUTDIR and CDK_CONTEXT_JSON: the checker's own CDK app must not see them.
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("CDK_", StringComparison.Ordinal)).ToList()) start.Environment.Remove(name);
        start.ArgumentList.Add(script);
        foreach (var a in arguments) start.ArgumentList.Add(a);
        start.ArgumentList.Add("--out");
        start.ArgumentList.Add(report);
        try
        {
            using var process = Process.Start(start) ?? throw new InvalidOperationException("node could not be started");
            var stderr = process.StandardError.ReadToEndAsync();
            _ = process.StandardOutput.ReadToEndAsync();
            process.WaitForExit();
            if (process.ExitCode != 0)
                throw new InvalidOperationException($"the compliance check (node {script}) failed with exit code {process.ExitCode}: {stderr.Result.Trim()}");
            return JsonSerializer.Deserialize<ComplianceReport>(File.ReadAllText(report), Json)!;
        }
        finally
        {
            File.Delete(report);
        }
    }

    /// <summary>Every template of a synthesized cloud assembly (nested stacks included).</summary>
    public static ComplianceReport RunOnAssembly(string repositoryRoot, string assemblyDirectory) =>
        Run(repositoryRoot, ["--assembly", assemblyDirectory]);

    private static readonly JsonSerializerOptions Json = new() { PropertyNameCaseInsensitive = true };
}

public sealed record ComplianceReport(Dictionary<string, string> Tools, IReadOnlyList<TemplateCompliance> Templates)
{
    public IEnumerable<NagFinding> Findings => Templates.SelectMany(t => t.Nag.Findings);
    public IEnumerable<NagFinding> UnsuppressedErrors => Findings.Where(f => f.Level == "error" && !f.Suppressed);
}

public sealed record TemplateCompliance(string File, string Stack, int Resources, NagResult Nag, KubernetesResult Kubernetes, HelmResult Helm,
    CloudFormationResult CloudFormation)
{
    /// <summary>What blocks a deploy: unsuppressed nag errors, suppressions without reasons, schema errors.</summary>
    public IEnumerable<string> Problems =>
        Nag.Findings.Where(f => f.Level == "error" && !f.Suppressed).Select(f => $"{Stack}: cdk-nag {f.Rule}{(f.Finding is null ? "" : $"[{f.Finding}]")} on {f.Path ?? f.LogicalId}: {f.Description}")
            .Concat(Nag.SuppressionErrors.Select(e => $"{Stack}: {e.Path ?? e.LogicalId}: {e.Message}"))
            .Concat(Nag.LoadError is null ? [] : [$"{Stack}: {Nag.LoadError}"])
            .Concat(Kubernetes.Errors.Select(e => $"{Stack}: {e.Path ?? e.LogicalId} {e.Object}: {e.Message}"))
            .Concat(Helm.Errors.Select(e => $"{Stack}: {e.Path ?? e.LogicalId} (Helm chart {e.Chart}): {e.Message}"))
            .Concat(CloudFormation.Errors.Select(e => $"{Stack}: {e.Path ?? e.LogicalId} ({e.Type}) {e.Property}: {e.Message}"));
}

public sealed record NagResult(int Errors, int Warnings, int Suppressed, IReadOnlyList<NagFinding> Findings, IReadOnlyList<SuppressionError> SuppressionErrors, string? LoadError);

public sealed record NagFinding(string Rule, string? Finding, string Level, string LogicalId, string? Type, string? Path, string Description, bool Suppressed, string? Reason);

public sealed record SuppressionError(string LogicalId, string? Path, string Rule, string Message);

public sealed record KubernetesResult(IReadOnlyList<KubernetesObject> Objects, IReadOnlyList<KubernetesError> Errors);

public sealed record KubernetesObject(string LogicalId, string Object);

public sealed record KubernetesError(string LogicalId, string? Path, string? Object, string Message);

public sealed record HelmResult(IReadOnlyList<HelmChartValues> Charts, IReadOnlyList<HelmError> Errors);

public sealed record HelmChartValues(string LogicalId, string Chart, string Version);

public sealed record HelmError(string LogicalId, string? Path, string? Chart, string Message);

public sealed record CloudFormationResult(int Checked, IReadOnlyList<CloudFormationError> Errors);

public sealed record CloudFormationError(string LogicalId, string? Path, string? Type, string? Property, string Message);
