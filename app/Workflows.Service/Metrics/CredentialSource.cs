using Amazon.Runtime;
using Amazon.Runtime.Credentials;

namespace Workflows.Service.Metrics;

/// <summary>Credentials for signing; rotated credentials (IRSA, instance roles) are fetched again as they expire.</summary>
public interface ICredentialSource
{
    Task<SigningCredentials> GetAsync(CancellationToken ct);
}

/// <summary>
/// AWSSDK.Core's default chain: environment keys, shared profiles, IRSA web identity (AWSSDK.SecurityToken is
/// referenced so the chain can call AssumeRoleWithWebIdentity), ECS/EKS container credentials, instance roles.
/// </summary>
public sealed class AwsSdkCredentialSource : ICredentialSource
{
    // PublicationOnly: a failure (no credentials yet at start-up) is retried on the next call, not cached for good.
    private readonly Lazy<AWSCredentials> _credentials = new(() => DefaultAWSCredentialsIdentityResolver.GetCredentials(), LazyThreadSafetyMode.PublicationOnly);

    public async Task<SigningCredentials> GetAsync(CancellationToken ct)
    {
        var c = await _credentials.Value.GetCredentialsAsync();
        return new SigningCredentials(c.AccessKey, c.SecretKey, string.IsNullOrEmpty(c.Token) ? null : c.Token);
    }
}
