using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.EKS;
using Amazon.CDK.AWS.KMS;
using Amazon.CDK.AWS.Lambda;
using Constructs;
using Infra.Stacks.Compliance;
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

        if (w.EndpointAccess != EndpointAccessMode.Private)
            NagSuppressions.AddUnder(Cluster, r => r.CfnResourceType == "Custom::AWSCDK-EKS-Cluster", new NagSuppression("AwsSolutions-EKS1",
                "workers.endpointAccess is public-and-private in this non-production environment (kubectl from a laptop, still IAM-authenticated); the settings validator requires private in production"));
        NagSuppressions.Add(Cluster.Role, new NagSuppression("AwsSolutions-IAM4",
            "AmazonEKSClusterPolicy is the policy EKS documents for the cluster role; AWS maintains it as EKS gains features",
            "Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonEKSClusterPolicy"));
        NagSuppressions.Add(Nodes.Role, new NagSuppression("AwsSolutions-IAM4",
            "the node role's policies EKS requires for managed node groups (kubelet registration, the VPC CNI, image pulls from ECR); AWS maintains them",
            "Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonEKSWorkerNodePolicy", "Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonEKS_CNI_Policy",
            "Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly"));
        NagSuppressions.AddUnder(Cluster, r => r.Node.Path.EndsWith("/KubectlHandlerRole/Resource"), new NagSuppression("AwsSolutions-IAM4",
            "CDK's kubectl handler role: Lambda's basic and VPC execution policies plus read-only ECR (pulling the kubectl layer's images), as CDK 2.160 defines it",
            "/^Policy::.*AWSLambda(Basic|VPCAccess)ExecutionRole.*$/", "/^Policy::.*AmazonEC2ContainerRegistryReadOnly.*$/", "/^Policy::.*AmazonElasticContainerRegistryPublicReadOnly.*$/"));
        NagSuppressions.AddUnder(Cluster, r => r.Node.Path.EndsWith("/CreationRole/DefaultPolicy/Resource"), new NagSuppression("AwsSolutions-IAM5",
            "CDK's cluster creation role: eks:* on this cluster's ARNs (cluster/<name>/*, fargateprofile/<name>/*) and the Describe/CreateServiceLinkedRole calls that have no resource scope, as CDK 2.160 generates it",
            "Resource::*", "/^Resource::arn:<AWS::Partition>:eks:.*:(cluster|fargateprofile)/workflows-.*/\\*$/"));
    }
}
