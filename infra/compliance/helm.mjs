// The values we pass to each Helm chart (Custom::AWSCDK-EKS-HelmChart), checked against the keys of the chart
// version we pin (snapshots in helm-values/<chart>.json, written by helm-keys.mjs). Helm ignores a key the chart
// does not read, so a misspelt value deploys and silently does nothing; here it fails with its path. A snapshot
// pinned to another version than the template's fails too: bump the chart and its snapshot together.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { flatten } from './tokens.mjs';

const ChartType = 'Custom::AWSCDK-EKS-HelmChart';
const snapshots = join(dirname(fileURLToPath(import.meta.url)), 'helm-values');

export function helm(template, snapshotDir = snapshots) {
  const charts = [];
  const errors = [];
  for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
    if (resource.Type !== ChartType) continue;
    const path = resource.Metadata?.['aws:cdk:path'] ?? null;
    const { Chart: chart, Version: version } = resource.Properties ?? {};
    charts.push({ logicalId, chart, version });
    const report = (message) => errors.push({ logicalId, path, chart, message });
    const file = join(snapshotDir, `${chart}.json`);
    if (!existsSync(file)) { report(`no key snapshot for chart '${chart}' (expected ${file}; write it with helm-keys.mjs)`); continue; }
    const snapshot = JSON.parse(readFileSync(file, 'utf8'));
    if (snapshot.pinned !== version) {
      report(`the template pins ${chart} ${version} but ${file} holds the keys of ${snapshot.pinned}: refresh the snapshot with helm-keys.mjs`);
      continue;
    }
    let values = {};
    if (resource.Properties.Values !== undefined) {
      try { values = JSON.parse(flatten(resource.Properties.Values)); }
      catch (e) { report(`the values are not JSON once their references are replaced: ${e.message}`); continue; }
    }
    for (const message of unknownKeys(values, snapshot)) report(message);
  }
  return { charts, errors };
}

/** Every value path the chart does not define, unless it lies inside a map the chart leaves open. */
export function unknownKeys(values, snapshot) {
  const keys = new Set(snapshot.keys);
  const open = snapshot.openMaps ?? [];
  const problems = [];
  const walk = (node, prefix) => {
    for (const [key, value] of Object.entries(node)) {
      const path = prefix ? `${prefix}.${key}` : key;
      if (open.some((o) => path.startsWith(`${o}.`))) continue;
      if (!keys.has(path)) {
        problems.push(`value '${path}' is not a key of ${snapshot.chart} ${snapshot.pinned} (${snapshot.keysFrom})`);
        continue;
      }
      if (value && typeof value === 'object' && !Array.isArray(value) && !open.includes(path)) walk(value, path);
    }
  };
  walk(values, '');
  return problems;
}
