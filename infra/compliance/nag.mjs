// cdk-nag's AwsSolutions pack over one synthesized template. The template is loaded with CfnInclude (so the rules see
// the resources exactly as they will deploy) and the pack walks it directly (validateScope). Suppressions are read
// from each resource's `cdk_nag.rules_to_suppress` metadata, which the C# program writes next to the resource.
import { readFileSync } from 'node:fs';
import { App, Stack } from 'aws-cdk-lib';
import { CfnInclude } from 'aws-cdk-lib/cloudformation-include';
import { AwsSolutionsChecks } from 'cdk-nag';

/** A suppression needs a reason a reviewer can weigh: cdk-nag itself asks for at least 10 characters. */
export const MinimumReasonLength = 10;

export function nag(templateFile) {
  const template = JSON.parse(readFileSync(templateFile, 'utf8'));
  // No version reporting: a template synthesized by the CDK CLI already holds its own CDKMetadata resource.
  const stack = new Stack(new App({ analyticsReporting: false, autoSynth: false }), 'Checked');
  try {
    new CfnInclude(stack, 'Template', { templateFile, preserveLogicalIds: true });
  } catch (e) {
    // CfnInclude builds typed resources and refuses what CloudFormation would refuse too (e.g. a missing required
    // property): no rule can run then; the schema check names the resource and property.
    return { findings: [], suppressionErrors: badSuppressions(template), loadError: `cdk-nag could not load the template: ${e.message.split('\n')[0]}` };
  }
  const report = new AwsSolutionsChecks().validateScope(stack);
  // Stack-level suppressions by construct path, for resources CDK adds while synthesizing (NagSuppressions.AddByPath).
  const byPath = template.Metadata?.cdk_nag?.path_suppressions ?? [];
  const findings = [];
  for (const violation of report.violations) {
    const [, rule, finding] = /^([^[]+)(?:\[(.*)\])?$/.exec(violation.ruleName);
    for (const at of violation.violatingResources) {
      const logicalId = at.constructPath.split('/').pop();
      const resource = template.Resources?.[logicalId] ?? {};
      const suppression = suppressionFor([
        ...(resource.Metadata?.cdk_nag?.rules_to_suppress ?? []),
        ...byPath.filter((s) => (resource.Metadata?.['aws:cdk:path'] ?? '').includes(s.path)),
      ], rule, finding);
      findings.push({
        rule,
        finding: finding ?? null,
        level: violation.severity,
        logicalId,
        type: resource.Type ?? null,
        path: resource.Metadata?.['aws:cdk:path'] ?? null,
        description: violation.description,
        suppressed: suppression !== undefined,
        reason: suppression?.reason ?? null,
      });
    }
  }
  return { findings, suppressionErrors: badSuppressions(template), loadError: null };
}

// cdk-nag v2's semantics: without applies_to a suppression covers every finding of its rule on the resource; with it,
// only the findings it names (a string, or {regex: '/…/flags'}).
function suppressionFor(suppressions, rule, finding) {
  return (suppressions ?? []).find((s) => {
    if (s.id !== rule) return false;
    if (!finding || !s.applies_to) return true;
    return s.applies_to.some((a) => (typeof a === 'string' ? a === finding : regex(a.regex).test(finding)));
  });
}

function regex(text) {
  const m = /^\/(.*)\/([a-z]*)$/.exec(text);
  return m ? new RegExp(m[1], m[2].replace('g', '')) : new RegExp(`^${text}$`);
}

function badSuppressions(template) {
  const errors = [];
  for (const s of template.Metadata?.cdk_nag?.path_suppressions ?? [])
    if (typeof s.reason !== 'string' || s.reason.trim().length < MinimumReasonLength)
      errors.push({ logicalId: '(template)', path: s.path, rule: s.id, message: `the suppression of ${s.id} under ${s.path} needs a reason of at least ${MinimumReasonLength} characters` });
  for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
    for (const s of resource.Metadata?.cdk_nag?.rules_to_suppress ?? []) {
      if (typeof s.reason !== 'string' || s.reason.trim().length < MinimumReasonLength)
        errors.push({ logicalId, path: resource.Metadata['aws:cdk:path'] ?? null, rule: s.id, message: `the suppression of ${s.id} needs a reason of at least ${MinimumReasonLength} characters` });
    }
  }
  return errors;
}
