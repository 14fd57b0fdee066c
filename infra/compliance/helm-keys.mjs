// Writes a chart's value keys (a snapshot the Helm values check reads) from the chart's default values.yaml:
//   helm show values kedacore/keda --version 2.21.1 > values.yaml
//   node infra/compliance/helm-keys.mjs --chart keda --pinned 2.21.1 --values values.yaml --from "helm show values" > infra/compliance/helm-values/keda.json
// Every key path at every level is listed (list items are not descended into); a map whose default is {} is "open":
// users fill it with their own keys (annotations, nodeSelector). --open PATH=REASON declares another open map, such
// as cluster-autoscaler's extraArgs (every entry becomes a command-line flag).
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

export function keysOf(values) {
  const keys = [];
  const openMaps = [];
  const walk = (node, prefix) => {
    for (const [key, value] of Object.entries(node)) {
      const path = prefix ? `${prefix}.${key}` : key;
      keys.push(path);
      if (value && typeof value === 'object' && !Array.isArray(value)) {
        if (Object.keys(value).length === 0) openMaps.push(path);
        else walk(value, path);
      }
    }
  };
  walk(values ?? {}, '');
  return { keys: keys.sort(), openMaps: openMaps.sort() };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const argv = process.argv.slice(2);
  const args = Object.fromEntries(argv.reduce((pairs, a, i, all) => (a.startsWith('--') && a !== '--open' ? [...pairs, [a.slice(2), all[i + 1]]] : pairs), []));
  const declared = Object.fromEntries(argv.flatMap((a, i) => (a === '--open' ? [argv[i + 1].split(/=(.*)/s).slice(0, 2)] : [])));
  for (const required of ['chart', 'pinned', 'values']) {
    if (!args[required]) { process.stderr.write(`helm-keys: --${required} is required\n`); process.exit(2); }
  }
  const { keys, openMaps } = keysOf(parse(readFileSync(args.values, 'utf8')));
  const snapshot = { chart: args.chart, pinned: args.pinned, exact: true, keysFrom: args.from ?? args.values, keys,
    openMaps: [...new Set([...openMaps, ...Object.keys(declared)])].sort() };
  if (Object.keys(declared).length > 0) snapshot.openBecause = declared;
  process.stdout.write(JSON.stringify(snapshot, null, 2) + '\n');
}
