using System.Security.Cryptography;
using System.Text;
using Microsoft.Playwright;
using Workflows.Harness;

namespace Workflows.Console.Tests;

/// <summary>
/// The service as a real process (SQLite, in-process execution, a write key and a read-only key) and one headless
/// Chromium: the system's (Debian's <c>chromium</c>, which test.sh installs; <c>CHROMIUM_PATH</c> names another),
/// because Playwright's own browser download cannot work here. If no browser starts, <see cref="SkipReason"/> says
/// why and every test reports "skipped" with it, never "passed".
/// </summary>
public sealed class ConsoleFixture : IAsyncLifetime
{
    public const string WriteKey = "console-write-key-0123456789";
    public const string ReadKey = "console-read-key-0123456789";

    private readonly string _data = Directory.CreateTempSubdirectory("console-").FullName;
    private IPlaywright? _playwright;

    public ServiceProcess Service { get; private set; } = null!;
    public IBrowser? Browser { get; private set; }
    public string? SkipReason { get; private set; }

    public static readonly string[] BrowserCandidates = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"];

    public async ValueTask InitializeAsync()
    {
        Service = await ServiceProcess.StartAsync(new Dictionary<string, string>
        {
            ["Storage:DataDirectory"] = _data,
            ["Workflows:ExecutionMode"] = "inprocess",
            ["Auth:ApiKeys:0:Name"] = "operator", ["Auth:ApiKeys:0:Sha256"] = Hash(WriteKey),
            ["Auth:ApiKeys:0:Scopes:0"] = "read", ["Auth:ApiKeys:0:Scopes:1"] = "write",
            ["Auth:ApiKeys:1:Name"] = "viewer", ["Auth:ApiKeys:1:Sha256"] = Hash(ReadKey),
            ["Auth:ApiKeys:1:Scopes:0"] = "read",
        }, _data);

        var executable = Environment.GetEnvironmentVariable("CHROMIUM_PATH") is { Length: > 0 } chosen ? chosen : BrowserCandidates.FirstOrDefault(File.Exists);
        if (executable is null || !File.Exists(executable))
        {
            SkipReason = $"no Chromium found ({string.Join(", ", BrowserCandidates)}; or set CHROMIUM_PATH): install Debian's chromium package (test.sh does, as root)";
            return;
        }
        try
        {
            _playwright = await Playwright.CreateAsync();
            Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = executable,
                Headless = true,
                // As root (CI here) Chromium needs --no-sandbox; the rest keep it off this machine's closed network.
                Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"],
                Timeout = 60_000,
            });
        }
        catch (Exception e) when (e is PlaywrightException or TimeoutException or InvalidOperationException)
        {
            SkipReason = $"Chromium at {executable} did not start under Playwright: {e.Message.Split('\n')[0]}";
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Browser is not null) await Browser.DisposeAsync();
        _playwright?.Dispose();
        await Service.DisposeAsync();
        try { Directory.Delete(_data, recursive: true); } catch (IOException) { }
    }

    /// <summary>A fresh browser context and page (own session storage), or a skip with the reason.</summary>
    public async Task<IPage> NewPageAsync()
    {
        Assert.SkipWhen(SkipReason is not null, SkipReason ?? "");
        var context = await Browser!.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });
        context.SetDefaultTimeout(15_000);
        return await context.NewPageAsync();
    }

    private static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
}
