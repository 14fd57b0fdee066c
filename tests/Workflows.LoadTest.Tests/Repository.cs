namespace Workflows.LoadTest.Tests;

internal static class Repository
{
    public static string Root { get; } = Find();

    public static string File(params string[] parts) => Path.Combine([Root, .. parts]);

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (System.IO.File.Exists(Path.Combine(dir.FullName, "Infra.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException("Infra.sln not found above the test binaries");
    }
}
