using Infra.Stacks.Guardrails;
using Infra.Stacks.Settings;
using Infra.Stacks.Stacks;
using Infra.Templates;
using Spectre.Console;

namespace Infra.App;

/// <summary>
/// The per-environment tables, read back from the synthesized templates (what will deploy, not what was meant): one
/// line per stack with its resources and compliance verdict (cdk-nag, schemas), then every scaling rule.
/// </summary>
public static class Summary
{
    public static void Print(TextWriter output, EnvironmentSettings settings, IReadOnlyList<AssemblyTemplate> templates, ComplianceReport compliance)
    {
        var console = ConsoleFor(output);
        var byFile = compliance.Templates.ToDictionary(t => Path.GetFullPath(t.File));
        console.WriteLine();
        console.WriteLine($"== {settings.Name} ({settings.Aws.Region}{(settings.Production ? ", production" : "")})");
        if (Placeholders.Find(settings) is { Count: > 0 } placeholders)
            console.MarkupLine($"[yellow]placeholders[/] in stacks/{settings.Name}.yaml: {Markup.Escape(string.Join(", ", placeholders.Select(p => p.Key)))} (synthesized; a deploy is refused until they hold your values)");

        var stacks = new Table().Border(TableBorder.Rounded)
            .AddColumn("stack").AddColumn(new TableColumn("resources").RightAligned())
            .AddColumn(new TableColumn("cdk-nag errors").RightAligned()).AddColumn(new TableColumn("warnings").RightAligned())
            .AddColumn(new TableColumn("suppressed").RightAligned()).AddColumn(new TableColumn("k8s objects").RightAligned())
            .AddColumn(new TableColumn("helm charts").RightAligned()).AddColumn(new TableColumn("schema errors").RightAligned());
        // A stack's row counts its nested stacks (the EKS providers) too: they deploy with it.
        foreach (var group in templates.GroupBy(t => t.Template.Stack.Split('/')[0]))
        {
            var checks = group.Select(t => byFile[t.File]).ToList();
            var errors = checks.Sum(c => c.Nag.Errors + c.Nag.SuppressionErrors.Count + (c.Nag.LoadError is null ? 0 : 1));
            var schema = checks.Sum(c => c.Kubernetes.Errors.Count + c.Helm.Errors.Count + c.CloudFormation.Errors.Count);
            stacks.AddRow(
                Markup.Escape(group.Key + (group.Count() > 1 ? $" (+{group.Count() - 1} nested)" : "")),
                checks.Sum(c => c.Resources).ToString(),
                errors == 0 ? "[green]0[/]" : $"[red]{errors}[/]",
                checks.Sum(c => c.Nag.Warnings).ToString(),
                checks.Sum(c => c.Nag.Suppressed).ToString(),
                checks.Sum(c => c.Kubernetes.Objects.Count).ToString(),
                checks.Sum(c => c.Helm.Charts.Count).ToString(),
                schema == 0 ? "[green]0[/]" : $"[red]{schema}[/]");
        }
        console.Write(stacks);

        var rules = new Table().Border(TableBorder.Rounded).AddColumn("scaling rule").AddColumn("kind").AddColumn("metric").AddColumn("target");
        foreach (var rule in templates.Where(t => t.Stack is not null).SelectMany(t => TemplateScaling.Rules(t.Template.Template["Resources"]!.AsObject())))
            rules.AddRow(Markup.Escape(rule.Name), Markup.Escape(rule.Kind), Markup.Escape(rule.Metric), Markup.Escape(rule.Target));
        console.Write(rules);
    }

    /// <summary>The compliance problems of one environment, one line each (empty when it may deploy).</summary>
    public static IReadOnlyList<string> Problems(IReadOnlyList<AssemblyTemplate> templates, ComplianceReport compliance)
    {
        var files = templates.Select(t => t.File).ToHashSet();
        return compliance.Templates.Where(t => files.Contains(Path.GetFullPath(t.File))).SelectMany(t => t.Problems).ToList();
    }

    private static IAnsiConsole ConsoleFor(TextWriter output)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output) });
        // Redirected output (a file, a test, the CDK CLI) has no width: keep rows on one line rather than wrap at 80.
        if (System.Console.IsOutputRedirected || output != System.Console.Out) console.Profile.Width = Math.Max(console.Profile.Width, 180);
        return console;
    }
}
