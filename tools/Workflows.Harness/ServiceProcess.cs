using System.Collections.Concurrent;
using System.Diagnostics;

namespace Workflows.Harness;

/// <summary>
/// The workflow service as a separate OS process (a built Workflows.Service.dll), configured through environment
/// variables exactly as a container would be. Where a test or drill must kill, signal or restart a role.
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _log = new();

    private ServiceProcess(Process process, int port, string? logFile)
    {
        _process = process;
        Port = port;
        StreamWriter? file = logFile is null ? null : new StreamWriter(logFile, append: true) { AutoFlush = true };
        void OnLine(string? line)
        {
            if (line is null) return;
            _log.Enqueue(line);
            while (_log.Count > 5000) _log.TryDequeue(out _);
            if (file is not null) lock (file) file.WriteLine(line);
        }
        _process.OutputDataReceived += (_, e) => OnLine(e.Data);
        _process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        _process.Exited += (_, _) => file?.Dispose();
        _process.EnableRaisingEvents = true;
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public int Id => _process.Id;
    public int Port { get; }
    public string BaseUrl => $"http://127.0.0.1:{Port}";
    /// <summary>The last 5,000 lines the process wrote.</summary>
    public string Log => string.Join(Environment.NewLine, _log);
    public bool HasExited => _process.HasExited;
    public int ExitCode => _process.ExitCode;

    /// <summary>The service dll next to the calling assembly (projects that reference the service get it copied there).</summary>
    public static string DefaultDll => Path.Combine(AppContext.BaseDirectory, "Workflows.Service.dll");

    /// <summary>Starts the service and waits until <c>/api/health</c> answers.</summary>
    /// <param name="settings">Configuration keys (<c>Queue:Concurrency</c>) passed as environment variables (<c>Queue__Concurrency</c>).</param>
    public static async Task<ServiceProcess> StartAsync(IReadOnlyDictionary<string, string> settings, string contentRoot,
        int? port = null, string? dll = null, string? logFile = null, TimeSpan? startTimeout = null)
    {
        var chosen = port ?? FreePort.Next();
        if (port is not null && FreePort.IsTaken(chosen))
            throw new InvalidOperationException($"Port {chosen} is taken: another process listens on 127.0.0.1:{chosen}.");
        var info = new ProcessStartInfo("dotnet", [dll ?? DefaultDll])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = contentRoot,
        };
        info.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{chosen}";
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        info.Environment["ASPNETCORE_CONTENTROOT"] = contentRoot;
        info.Environment["Logging__Console__FormatterName"] = "simple";
        foreach (var (key, value) in settings) info.Environment[key.Replace(":", "__")] = value;

        var service = new ServiceProcess(Process.Start(info)!, chosen, logFile);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(1) };
        var deadline = DateTime.UtcNow + (startTimeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            if (service.HasExited) throw new InvalidOperationException($"The service exited with {service.ExitCode}:\n{service.Log}");
            try
            {
                if ((await http.GetAsync($"{service.BaseUrl}/api/health")).IsSuccessStatusCode) return service;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException) { }
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"The service did not become healthy:\n{service.Log}");
            await Task.Delay(100);
        }
    }

    /// <summary>SIGKILL: no shutdown code runs, as when a node dies.</summary>
    public async Task KillAsync()
    {
        if (_process.HasExited) return;
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    /// <summary>SIGTERM, as Kubernetes sends before the grace period; waits for the process to exit.</summary>
    public async Task<TimeSpan> TerminateAsync(TimeSpan timeout)
    {
        var started = Stopwatch.StartNew();
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString()])) await kill.WaitForExitAsync();
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        return started.Elapsed;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited) await KillAsync();
        _process.Dispose();
    }
}
