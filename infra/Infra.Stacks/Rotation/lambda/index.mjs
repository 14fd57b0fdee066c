// The rotation Lambda's entry point: builds the AWS SDK clients (bundled with the Node.js runtime) and the kind
// named by ROTATION_KIND, then runs the protocol in rotation.mjs.
import { rotate } from './rotation.mjs';
import { elastiCacheAuthToken, originHeader, randomValue } from './kinds.mjs';

const adapter = async (module, clientName, operations) => {
  const sdk = await import(module);
  const client = new sdk[clientName]({});
  return Object.fromEntries(operations.map((op) => [
    op[0].toLowerCase() + op.slice(1),
    (input) => client.send(new sdk[`${op}Command`](input)),
  ]));
};

// Settings are checked before any SDK client is made, so a misconfigured function fails naming the variable.
export async function kindFromEnvironment(env, makeAdapter = adapter) {
  switch (env.ROTATION_KIND) {
    case 'random-value':
      return randomValue();
    case 'elasticache-auth-token': {
      const replicationGroupId = required(env, 'REPLICATION_GROUP_ID');
      return elastiCacheAuthToken({
        elastiCache: await makeAdapter('@aws-sdk/client-elasticache', 'ElastiCacheClient', ['DescribeReplicationGroups', 'ModifyReplicationGroup']),
        replicationGroupId,
      });
    }
    case 'origin-header': {
      const ruleArns = required(env, 'RULE_ARNS').split(',');
      const distributionId = required(env, 'DISTRIBUTION_ID');
      const headerName = required(env, 'HEADER_NAME');
      return originHeader({
        elbv2: await makeAdapter('@aws-sdk/client-elastic-load-balancing-v2', 'ElasticLoadBalancingV2Client', ['DescribeRules', 'ModifyRule']),
        cloudFront: await makeAdapter('@aws-sdk/client-cloudfront', 'CloudFrontClient', ['GetDistributionConfig', 'UpdateDistribution']),
        ruleArns, distributionId, headerName,
      });
    }
    default:
      throw new Error(`ROTATION_KIND '${env.ROTATION_KIND}' is not one of random-value, elasticache-auth-token, origin-header`);
  }
}

function required(env, name) {
  if (!env[name]) throw new Error(`environment variable ${name} is not set`);
  return env[name];
}

export async function handler(event) {
  const secrets = await adapter('@aws-sdk/client-secrets-manager', 'SecretsManagerClient',
    ['DescribeSecret', 'GetSecretValue', 'PutSecretValue', 'GetRandomPassword', 'UpdateSecretVersionStage']);
  await rotate(event, { secrets, kind: await kindFromEnvironment(process.env) });
}
