namespace Workflows.Service.Options;

/// <summary>Section <c>Api</c>.</summary>
public sealed class ApiOptions
{
    public const string Section = "Api";

    /// <summary>Bodies larger than this are refused with 413.</summary>
    public long MaxRequestBodyBytes { get; set; } = 1024 * 1024;
}
