// The rotation Lambda's protocol and kinds against stateful fakes of Secrets Manager, ElastiCache, ELBv2 and
// CloudFront (no AWS here). The fakes keep the services' rules that matter: staging labels move as Secrets Manager
// moves them, an ElastiCache group holds at most two tokens and refuses SET before a ROTATE, CloudFront refuses a
// stale ETag. Run by RotationFunctionTests (node --test).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rotate, CURRENT, PENDING, PREVIOUS } from '../../../infra/Infra.Stacks/Rotation/lambda/rotation.mjs';
import { elastiCacheAuthToken, originHeader, randomValue } from '../../../infra/Infra.Stacks/Rotation/lambda/kinds.mjs';
import { kindFromEnvironment } from '../../../infra/Infra.Stacks/Rotation/lambda/index.mjs';

const quiet = () => {};

function fakeSecrets(initial) {
  let n = 0;
  const versions = new Map([['v0', { value: initial, stages: [CURRENT] }]]);
  const notFound = () => Object.assign(new Error('not found'), { name: 'ResourceNotFoundException' });
  const find = (stage) => [...versions.entries()].find(([, v]) => v.stages.includes(stage));
  return {
    versions,
    rotationEnabled: true,
    value: (stage) => find(stage)?.[1].value ?? null,
    startRotation(token) { versions.set(token, { value: null, stages: [PENDING] }); }, // as RotateSecret labels the new version
    async describeSecret() {
      return { RotationEnabled: this.rotationEnabled, VersionIdsToStages: Object.fromEntries([...versions].map(([id, v]) => [id, [...v.stages]])) };
    },
    async getSecretValue({ VersionId, VersionStage }) {
      const entry = VersionId ? versions.get(VersionId) : find(VersionStage)?.[1];
      if (!entry || entry.value === null || (VersionStage && !entry.stages.includes(VersionStage))) throw notFound();
      return { SecretString: entry.value };
    },
    async getRandomPassword({ PasswordLength, ExcludePunctuation }) {
      assert.equal(ExcludePunctuation, true);
      return { RandomPassword: `r${++n}`.padEnd(PasswordLength, 'x') };
    },
    async putSecretValue({ ClientRequestToken, SecretString, VersionStages }) {
      versions.set(ClientRequestToken, { value: SecretString, stages: VersionStages });
    },
    async updateSecretVersionStage({ VersionStage, MoveToVersionId, RemoveFromVersionId }) {
      assert.equal(VersionStage, CURRENT);
      assert.ok(versions.get(RemoveFromVersionId).stages.includes(CURRENT), 'RemoveFromVersionId must hold AWSCURRENT');
      for (const v of versions.values()) v.stages = v.stages.filter((s) => s !== PREVIOUS);
      const old = versions.get(RemoveFromVersionId);
      old.stages = [...old.stages.filter((s) => s !== CURRENT), PREVIOUS];
      const next = versions.get(MoveToVersionId);
      next.stages = [...next.stages.filter((s) => s !== PENDING), CURRENT];
    },
  };
}

async function rotateFully(secrets, kind, token) {
  secrets.startRotation(token);
  for (const Step of ['createSecret', 'setSecret', 'testSecret', 'finishSecret'])
    await rotate({ SecretId: 'arn:secret', ClientRequestToken: token, Step }, { secrets, kind, log: quiet });
}

test('a random value rotates: new AWSCURRENT, old AWSPREVIOUS, and each step can run again', async () => {
  const secrets = fakeSecrets('first-api-key-with-at-least-32-chars!!');
  await rotateFully(secrets, randomValue(), 't1');
  const rotated = secrets.value(CURRENT);
  assert.equal(rotated.length, 40);
  assert.equal(secrets.value(PREVIOUS), 'first-api-key-with-at-least-32-chars!!');
  // Secrets Manager may call a step again: createSecret must not make a second value, finishSecret must no-op.
  for (const Step of ['createSecret', 'finishSecret'])
    await rotate({ SecretId: 'arn:secret', ClientRequestToken: 't1', Step }, { secrets, kind: randomValue(), log: quiet });
  assert.equal(secrets.value(CURRENT), rotated);
  assert.equal(secrets.versions.size, 2);
});

test('a pending value made by an interrupted createSecret is kept, not replaced', async () => {
  const secrets = fakeSecrets('a'.repeat(40));
  secrets.startRotation('t1');
  const step = (Step) => rotate({ SecretId: 's', ClientRequestToken: 't1', Step }, { secrets, kind: randomValue(), log: quiet });
  await step('createSecret');
  const pending = secrets.versions.get('t1').value;
  await step('createSecret');
  assert.equal(secrets.versions.get('t1').value, pending);
});

test('the protocol refuses a secret without rotation, a token that is not pending, and an unknown step', async () => {
  const secrets = fakeSecrets('a'.repeat(40));
  secrets.startRotation('t1');
  const run = (token, Step) => rotate({ SecretId: 's', ClientRequestToken: token, Step }, { secrets, kind: randomValue(), log: quiet });
  await assert.rejects(run('t1', 'bogusStep'), /Invalid step bogusStep/);
  await assert.rejects(run('nope', 'createSecret'), /has no stage/);
  secrets.versions.get('t1').stages = ['SOMETHING'];
  await assert.rejects(run('t1', 'createSecret'), /is not AWSPENDING/);
  secrets.rotationEnabled = false;
  await assert.rejects(run('t1', 'createSecret'), /does not have rotation enabled/);
});

function fakeElastiCache(token) {
  const group = { tokens: [token], rotated: false, status: 'available', pendingPolls: 0, calls: [] };
  return {
    group,
    async describeReplicationGroups({ ReplicationGroupId }) {
      if (group.pendingPolls > 0 && --group.pendingPolls === 0) group.status = 'available';
      return { ReplicationGroups: [{ ReplicationGroupId, Status: group.status, AuthTokenEnabled: true }] };
    },
    async modifyReplicationGroup({ AuthToken, AuthTokenUpdateStrategy, ApplyImmediately }) {
      assert.equal(ApplyImmediately, true);
      if (group.status !== 'available') throw Object.assign(new Error('group is modifying'), { name: 'InvalidReplicationGroupStateFault' });
      group.calls.push(AuthTokenUpdateStrategy);
      if (AuthTokenUpdateStrategy === 'ROTATE') {
        if (group.tokens.length === 2) throw new Error('InvalidParameterValue: the group already has two AUTH tokens');
        group.tokens.push(AuthToken);
        group.rotated = true;
      } else if (AuthTokenUpdateStrategy === 'SET') {
        if (!group.rotated) throw new Error('InvalidParameterValue: SET is allowed only after ROTATE');
        group.tokens = [AuthToken];
      }
      group.status = 'modifying';
      group.pendingPolls = 2; // available again after two polls
    },
  };
}

test('an AUTH token rotates with ROTATE, both tokens accepted; the next rotation first drops the oldest with SET', async () => {
  const first = 'T'.repeat(64);
  const secrets = fakeSecrets(first);
  const elastiCache = fakeElastiCache(first);
  const kind = elastiCacheAuthToken({ elastiCache, replicationGroupId: 'queue', pollMs: 0 });

  await rotateFully(secrets, kind, 't1');
  const second = secrets.value(CURRENT);
  assert.deepEqual(elastiCache.group.tokens, [first, second]); // clients holding either token connect
  assert.deepEqual(elastiCache.group.calls, ['ROTATE']);

  await rotateFully(secrets, kind, 't2');
  const third = secrets.value(CURRENT);
  assert.deepEqual(elastiCache.group.tokens, [second, third]);
  assert.deepEqual(elastiCache.group.calls, ['ROTATE', 'SET', 'ROTATE']);
  assert.equal(elastiCache.group.status, 'available');
});

test('an AUTH token rotation gives up with a clear error when the group stays busy', async () => {
  const secrets = fakeSecrets('T'.repeat(64));
  const elastiCache = fakeElastiCache('T'.repeat(64));
  elastiCache.group.status = 'snapshotting';
  let clock = 0;
  const kind = elastiCacheAuthToken({ elastiCache, replicationGroupId: 'queue', pollMs: 0, budgetMs: 100, now: () => (clock += 60) });
  secrets.startRotation('t1');
  await rotate({ SecretId: 's', ClientRequestToken: 't1', Step: 'createSecret' }, { secrets, kind, log: quiet });
  await assert.rejects(rotate({ SecretId: 's', ClientRequestToken: 't1', Step: 'setSecret' }, { secrets, kind, log: quiet }),
    /replication group queue is still snapshotting; rotation will be retried/);
  assert.equal(secrets.value(CURRENT), 'T'.repeat(64)); // nothing switched
});

function fakeEdge(header, value) {
  const rule = {
    RuleArn: 'arn:rule/1',
    Conditions: [
      { Field: 'http-header', HttpHeaderConfig: { HttpHeaderName: header, Values: [value] } },
      { Field: 'path-pattern', Values: ['/*'], PathPatternConfig: { Values: ['/*'] } },
    ],
  };
  let etag = 1;
  const distribution = {
    Origins: { Quantity: 1, Items: [{ Id: 'alb', CustomHeaders: { Quantity: 1, Items: [{ HeaderName: header, HeaderValue: value }] } }] },
  };
  return {
    rule, distribution,
    elbv2: {
      async describeRules({ RuleArns }) { return { Rules: RuleArns.includes(rule.RuleArn) ? [structuredClone(rule)] : [] }; },
      async modifyRule({ RuleArn, Conditions }) {
        assert.equal(RuleArn, rule.RuleArn);
        for (const c of Conditions) assert.ok(!(c.Values && Object.keys(c).some((k) => k.endsWith('Config'))), 'Values and a *Config together are refused');
        rule.Conditions = Conditions;
      },
    },
    cloudFront: {
      async getDistributionConfig() { return { DistributionConfig: structuredClone(distribution), ETag: `E${etag}` }; },
      async updateDistribution({ IfMatch, DistributionConfig }) {
        if (IfMatch !== `E${etag}`) throw Object.assign(new Error('PreconditionFailed'), { name: 'PreconditionFailed' });
        Object.assign(distribution, DistributionConfig);
        etag++;
      },
    },
  };
}

test('the origin header rotates: the ALB accepts new and old, CloudFront sends the new one, other conditions stay', async () => {
  const header = 'X-Origin-Verify';
  const first = 'o'.repeat(48);
  const secrets = fakeSecrets(first);
  const edge = fakeEdge(header, first);
  const kind = originHeader({ elbv2: edge.elbv2, cloudFront: edge.cloudFront, ruleArns: ['arn:rule/1'], distributionId: 'D1', headerName: header });

  await rotateFully(secrets, kind, 't1');
  const second = secrets.value(CURRENT);
  assert.notEqual(second, first);
  assert.equal(edge.distribution.Origins.Items[0].CustomHeaders.Items[0].HeaderValue, second);
  const accepted = edge.rule.Conditions.find((c) => c.Field === 'http-header').HttpHeaderConfig.Values;
  assert.deepEqual(accepted, [second, first]); // edges still deploying send the old value
  assert.deepEqual(edge.rule.Conditions.find((c) => c.Field === 'path-pattern'), { Field: 'path-pattern', PathPatternConfig: { Values: ['/*'] } });

  await rotateFully(secrets, kind, 't2');
  assert.deepEqual(edge.rule.Conditions.find((c) => c.Field === 'http-header').HttpHeaderConfig.Values, [secrets.value(CURRENT), second]);
});

test('the origin header rotation names what is missing: the header in a rule, the rule itself', async () => {
  const header = 'X-Origin-Verify';
  const secrets = fakeSecrets('o'.repeat(48));
  const edge = fakeEdge('X-Other', 'o'.repeat(48));
  const kind = originHeader({ elbv2: edge.elbv2, cloudFront: edge.cloudFront, ruleArns: ['arn:rule/1'], distributionId: 'D1', headerName: header });
  secrets.startRotation('t1');
  await rotate({ SecretId: 's', ClientRequestToken: 't1', Step: 'createSecret' }, { secrets, kind, log: quiet });
  await assert.rejects(rotate({ SecretId: 's', ClientRequestToken: 't1', Step: 'setSecret' }, { secrets, kind, log: quiet }),
    /ALB rule arn:rule\/1 has no X-Origin-Verify condition/);

  const missingRule = originHeader({ elbv2: edge.elbv2, cloudFront: edge.cloudFront, ruleArns: ['arn:rule/2'], distributionId: 'D1', headerName: header });
  await assert.rejects(rotate({ SecretId: 's', ClientRequestToken: 't1', Step: 'setSecret' }, { secrets, kind: missingRule, log: quiet }),
    /expected 1 ALB rule\(s\), found 0/);
});

test('the function reads its kind and settings from the environment and names what is missing', async () => {
  const made = [];
  const fakeAdapter = async (module, client, operations) => { made.push(`${client}:${operations.join('+')}`); return {}; };
  assert.equal((await kindFromEnvironment({ ROTATION_KIND: 'random-value' }, fakeAdapter)).name, 'api key');
  assert.equal((await kindFromEnvironment({ ROTATION_KIND: 'elasticache-auth-token', REPLICATION_GROUP_ID: 'g1' }, fakeAdapter)).name, 'ElastiCache g1');
  assert.equal((await kindFromEnvironment({ ROTATION_KIND: 'origin-header', RULE_ARNS: 'a,b', DISTRIBUTION_ID: 'D', HEADER_NAME: 'X-H' }, fakeAdapter)).name, 'origin header X-H');
  assert.deepEqual(made, ['ElastiCacheClient:DescribeReplicationGroups+ModifyReplicationGroup',
    'ElasticLoadBalancingV2Client:DescribeRules+ModifyRule', 'CloudFrontClient:GetDistributionConfig+UpdateDistribution']);
  await assert.rejects(kindFromEnvironment({ ROTATION_KIND: 'elasticache-auth-token' }, fakeAdapter), /REPLICATION_GROUP_ID is not set/);
  await assert.rejects(kindFromEnvironment({ ROTATION_KIND: 'origin-header', RULE_ARNS: 'a' }, fakeAdapter), /DISTRIBUTION_ID is not set/);
  await assert.rejects(kindFromEnvironment({ ROTATION_KIND: 'nope' }, fakeAdapter), /ROTATION_KIND 'nope' is not one of/);
});
