// The compliance checks over synthesized templates: cdk-nag's AwsSolutions pack, the Kubernetes/KEDA schemas of every
// manifest, the keys of every Helm chart we pass values to, and the CloudFormation specification of every resource. Run by the main command and the tests:
//   node infra/compliance/check.mjs --assembly cdk.out [--template file.json ...] [--out report.json]
// Prints (or writes) one JSON report; the caller decides what fails. Exit 0 with a report, 2 on bad input.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { createRequire } from 'node:module';
import { nag } from './nag.mjs';
import { kubernetes } from './kubernetes.mjs';
import { cloudformation } from './cloudformation.mjs';
import { helm } from './helm.mjs';

const args = process.argv.slice(2);
const files = [];
let out = null;
for (let i = 0; i < args.length; i++) {
  const [flag, value] = [args[i], args[i + 1]];
  if (value === undefined) fail(`${flag} needs a value`);
  if (flag === '--assembly') { files.push(...assemblyTemplates(value)); i++; }
  else if (flag === '--template') { if (!existsSync(value)) fail(`--template ${value}: no such file`); files.push({ file: resolve(value), stack: basename(value, '.template.json') }); i++; }
  else if (flag === '--out') { out = value; i++; }
  else fail(`unknown argument ${flag} (expected --assembly DIR, --template FILE, --out FILE)`);
}
if (files.length === 0) fail('no templates: pass --assembly DIR or --template FILE');

const require = createRequire(import.meta.url);
const report = {
  tools: Object.fromEntries(['cdk-nag', 'aws-cdk-lib', 'kubernetes-models', '@kubernetes-models/keda', '@aws-cdk/aws-service-spec']
    .map((p) => [p, require(`${p}/package.json`).version])),
  templates: [],
};
for (const { file, stack } of files) {
  const template = JSON.parse(readFileSync(file, 'utf8'));
  const { findings, suppressionErrors, loadError } = nag(file);
  report.templates.push({
    file, stack,
    resources: Object.keys(template.Resources ?? {}).length,
    nag: {
      errors: findings.filter((f) => f.level === 'error' && !f.suppressed).length,
      warnings: findings.filter((f) => f.level === 'warning' && !f.suppressed).length,
      suppressed: findings.filter((f) => f.suppressed).length,
      findings,
      suppressionErrors,
      loadError,
    },
    kubernetes: await kubernetes(template),
    helm: helm(template),
    cloudformation: cloudformation(template),
  });
}
const json = JSON.stringify(report, null, 2);
if (out) writeFileSync(out, json); else process.stdout.write(json + '\n');

function assemblyTemplates(dir) {
  const manifestFile = join(dir, 'manifest.json');
  if (!existsSync(manifestFile)) fail(`--assembly ${dir}: no manifest.json (synthesize first)`);
  const manifest = JSON.parse(readFileSync(manifestFile, 'utf8'));
  const names = new Map();
  for (const [id, artifact] of Object.entries(manifest.artifacts ?? {}))
    if (artifact.type === 'aws:cloudformation:stack') names.set(artifact.properties.templateFile, artifact.properties.stackName ?? artifact.displayName ?? id);
  // Nested stacks (EKS's providers) have their own template files; they are checked too, named after their file.
  return readdirSync(dir).filter((f) => f.endsWith('.template.json')).sort()
    .map((f) => ({ file: resolve(dir, f), stack: names.get(f) ?? f.replace(/\.template\.json$/, '').replace(/\.nested$/, ' (nested)') }));
}

function fail(message) {
  process.stderr.write(`compliance check: ${message}\n`);
  process.exit(2);
}
