namespace Workflows.IntegrationTests.Infrastructure;

/// <summary>A fresh folder under the system temp directory, removed on dispose.</summary>
public sealed class TempDirectory : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("workflows-tests-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { /* a child process may still hold the file */ }
    }
}
