// What each rotated secret is applied to. Every kind keeps the old value working while clients switch:
// the platform's hosts re-read secrets every few minutes, so nothing may depend on them switching at once.

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A value only the platform's own hosts check (the API key): its hosts accept AWSCURRENT and AWSPREVIOUS. */
export const randomValue = () => ({
  name: 'api key',
  length: 40,
  async set() {},
  async test({ pending }) {
    if (!pending || pending.length < 32) throw new Error('the pending API key is shorter than 32 characters');
  },
});

/**
 * An ElastiCache AUTH token. ROTATE makes the group accept the new token beside the one in use, so connected
 * clients carry on and reconnecting clients may present either. Before that, when an earlier rotation left two
 * tokens (AWSPREVIOUS exists), SET to the current one drops the oldest: it is two rotations old and no host
 * reads it any more. Each change takes minutes; the step waits for the group to be available again.
 */
export const elastiCacheAuthToken = ({ elastiCache, replicationGroupId, pollMs = 15000, budgetMs = 13 * 60 * 1000, now = Date.now }) => {
  const waitAvailable = async (log) => {
    const deadline = now() + budgetMs;
    for (;;) {
      const { ReplicationGroups: [group] = [] } = await elastiCache.describeReplicationGroups({ ReplicationGroupId: replicationGroupId });
      if (!group) throw new Error(`replication group ${replicationGroupId} not found`);
      if (group.Status === 'available') return group;
      if (now() > deadline) throw new Error(`replication group ${replicationGroupId} is still ${group.Status}; rotation will be retried`);
      log(`waiting for ${replicationGroupId}: ${group.Status}`);
      await sleep(pollMs);
    }
  };
  const modify = async (token, strategy, log) => {
    await waitAvailable(log);
    await elastiCache.modifyReplicationGroup({ ReplicationGroupId: replicationGroupId, AuthToken: token, AuthTokenUpdateStrategy: strategy, ApplyImmediately: true });
    await waitAvailable(log);
  };
  return {
    name: `ElastiCache ${replicationGroupId}`,
    length: 64, // AUTH tokens: 16-128 printable characters; letters and digits only here
    async set({ current, pending, previous }, log) {
      if (previous !== null) await modify(current, 'SET', log);
      await modify(pending, 'ROTATE', log);
    },
    async test(_, log) {
      const group = await waitAvailable(log);
      if (!group.AuthTokenEnabled) throw new Error(`replication group ${replicationGroupId} does not require an AUTH token`);
    },
  };
};

/**
 * The header CloudFront adds to origin requests and the ALB requires. The ALB rule first accepts the new value
 * beside the current one, then CloudFront starts sending it; while the distribution deploys (minutes), edges send
 * either. After the rotation the rule still accepts the previous value, until the next rotation replaces it.
 */
export const originHeader = ({ elbv2, cloudFront, ruleArns, distributionId, headerName }) => ({
  name: `origin header ${headerName}`,
  length: 48, // the ALB treats * and ? as wildcards: letters and digits only
  async set({ current, pending }) {
    const { Rules = [] } = await elbv2.describeRules({ RuleArns: ruleArns });
    if (Rules.length !== ruleArns.length) throw new Error(`expected ${ruleArns.length} ALB rule(s), found ${Rules.length}`);
    for (const rule of Rules) {
      const conditions = rule.Conditions.map((c) => {
        if (c.Field !== 'http-header' || c.HttpHeaderConfig?.HttpHeaderName !== headerName) return withoutLegacyValues(c);
        return { Field: 'http-header', HttpHeaderConfig: { HttpHeaderName: headerName, Values: [pending, current] } };
      });
      if (!rule.Conditions.some((c) => c.HttpHeaderConfig?.HttpHeaderName === headerName))
        throw new Error(`ALB rule ${rule.RuleArn} has no ${headerName} condition`);
      await elbv2.modifyRule({ RuleArn: rule.RuleArn, Conditions: conditions });
    }
    const { DistributionConfig: config, ETag } = await cloudFront.getDistributionConfig({ Id: distributionId });
    let changed = 0;
    for (const origin of config.Origins.Items) {
      for (const header of origin.CustomHeaders?.Items ?? []) {
        if (header.HeaderName === headerName) { header.HeaderValue = pending; changed++; }
      }
    }
    if (changed === 0) throw new Error(`distribution ${distributionId} has no origin sending ${headerName}`);
    await cloudFront.updateDistribution({ Id: distributionId, IfMatch: ETag, DistributionConfig: config });
  },
  async test({ pending }) {
    const { DistributionConfig: config } = await cloudFront.getDistributionConfig({ Id: distributionId });
    const sent = config.Origins.Items.flatMap((o) => o.CustomHeaders?.Items ?? []).filter((h) => h.HeaderName === headerName);
    if (sent.length === 0 || sent.some((h) => h.HeaderValue !== pending)) throw new Error(`distribution ${distributionId} does not send the new ${headerName}`);
    const { Rules = [] } = await elbv2.describeRules({ RuleArns: ruleArns });
    for (const rule of Rules) {
      const accepted = rule.Conditions.find((c) => c.HttpHeaderConfig?.HttpHeaderName === headerName)?.HttpHeaderConfig.Values ?? [];
      if (!accepted.includes(pending)) throw new Error(`ALB rule ${rule.RuleArn} does not accept the new ${headerName}`);
    }
  },
});

// DescribeRules returns both the typed config and the legacy Values list; ModifyRule accepts only one of them.
function withoutLegacyValues(condition) {
  const { Values, ...rest } = condition;
  return Object.keys(rest).some((k) => k.endsWith('Config')) ? rest : condition;
}
