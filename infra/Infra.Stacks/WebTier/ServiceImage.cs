using Amazon.CDK.AWS.Ecr.Assets;
using Amazon.CDK.AWS.IAM;
using Constructs;
using Infra.Stacks.Settings;

namespace Infra.Stacks.WebTier;

/// <summary>
/// The workflow service's container image: <c>service.imageUri</c> when a pipeline builds it, otherwise
/// <c>app/Dockerfile</c> as a CDK Docker image asset (built and pushed by <c>cdk deploy</c>; synthesis only stages it).
/// </summary>
public sealed class ServiceImage : Construct
{
    public string Uri { get; }
    private readonly Amazon.CDK.AWS.ECR.IRepository? _repository;

    public ServiceImage(Construct scope, string id, ServiceSettings settings, string repositoryRoot) : base(scope, id)
    {
        if (settings.ImageUri is { } uri)
        {
            Uri = uri;
            var ecr = System.Text.RegularExpressions.Regex.Match(uri, @"^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com/([^:@]+)");
            if (ecr.Success)
                _repository = Amazon.CDK.AWS.ECR.Repository.FromRepositoryArn(this, "Repository",
                    $"arn:aws:ecr:{ecr.Groups[2].Value}:{ecr.Groups[1].Value}:repository/{ecr.Groups[3].Value}");
            return;
        }
        var asset = new DockerImageAsset(this, "Asset", new DockerImageAssetProps
        {
            Directory = repositoryRoot, // the root's .dockerignore keeps the context to app/ and the build props
            File = "app/Dockerfile",
            Platform = Platform_.LINUX_AMD64,
        });
        Uri = asset.ImageUri;
        _repository = asset.Repository;
    }

    /// <summary>Lets a role pull the image from its ECR repository (nothing to grant for a public registry).</summary>
    public void GrantPull(IGrantable grantee) => _repository?.GrantPull(grantee);
}
