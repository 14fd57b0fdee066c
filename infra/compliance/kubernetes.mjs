// Every Kubernetes object the templates apply (Custom::AWSCDK-EKS-KubernetesResource manifests), validated against
// the Kubernetes and KEDA OpenAPI schemas that the pinned kubernetes-models packages compile. Those schemas accept
// unknown fields (the API server drops them silently, which is how a typo in a KEDA trigger goes unnoticed), so the
// validator runs on a proxy that records which fields it read: a field the schema never asked about is unknown.
import { readFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv from 'ajv';
import { flatten } from './tokens.mjs';

const ManifestType = 'Custom::AWSCDK-EKS-KubernetesResource';

export async function kubernetes(template) {
  const objects = [];
  const errors = [];
  for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
    if (resource.Type !== ManifestType) continue;
    const path = resource.Metadata?.['aws:cdk:path'] ?? null;
    let manifest;
    try {
      manifest = JSON.parse(flatten(resource.Properties?.Manifest));
    } catch (e) {
      errors.push({ logicalId, path, object: null, message: `the manifest is not JSON once its references are replaced: ${e.message}` });
      continue;
    }
    for (const object of Array.isArray(manifest) ? manifest : [manifest]) {
      const name = `${object?.kind ?? '?'}/${object?.metadata?.name ?? '?'}`;
      objects.push({ logicalId, object: name });
      for (const message of await validate(object)) errors.push({ logicalId, path, object: name, message });
    }
  }
  return { objects, errors };
}

/** The problems of one object: schema violations and unknown fields, each with its JSON path. */
export async function validate(object) {
  const model = await modelFor(object?.apiVersion, object?.kind);
  if (typeof model === 'string') return [model];
  const read = new Map();
  const tracked = track(object, '', read);
  const problems = [];
  try {
    model.prototype.validate.call(tracked);
  } catch (e) {
    if (!e.errors) throw e;
    for (const error of e.errors) problems.push(`${error.instancePath || '/'} ${error.message}`);
  }
  for (const [path, { value, keys, enumerated }] of read) {
    // Nothing read and nothing enumerated: a free-form object (x-kubernetes-preserve-unknown-fields), not a typo.
    if (enumerated || keys.size === 0) continue;
    for (const key of Object.keys(value)) if (!keys.has(key)) problems.push(`${path}/${key} is not a field of the schema (unknown field)`);
  }
  return problems;
}

async function modelFor(apiVersion, kind) {
  if (typeof apiVersion !== 'string' || typeof kind !== 'string') return 'apiVersion and kind are required';
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : [null, apiVersion];
  const modules = group === null ? [`kubernetes-models/${version}/${kind}`]
    : group.endsWith('keda.sh') ? [`@kubernetes-models/keda/${group}/${version}/${kind}`]
    : [`kubernetes-models/${group}/${version}/${kind}`];
  for (const module of modules) {
    try {
      const exports = await import(module);
      if (exports[kind]) return exports[kind];
    } catch { /* not in this package */ }
  }
  return crdModel(group, version, kind) ?? `no schema for ${apiVersion} ${kind} in the pinned kubernetes-models packages or infra/compliance/schemas`;
}

// Custom resources kubernetes-models has no types for (the AWS Load Balancer Controller's TargetGroupBinding): their
// CRD's schema in schemas/<group>-<version>-<kind>.json, compiled once, wrapped like a kubernetes-models class.
const crdModels = new Map();
function crdModel(group, version, kind) {
  const file = join(dirname(fileURLToPath(import.meta.url)), 'schemas', `${group}-${version}-${kind}.json`);
  if (!existsSync(file)) return null;
  if (!crdModels.has(file)) {
    const ajv = new Ajv({ strict: false, allErrors: true });
    ajv.addFormat('int64', true);
    const check = ajv.compile(JSON.parse(readFileSync(file, 'utf8')));
    crdModels.set(file, class {
      validate() {
        if (!check(this)) throw Object.assign(new Error('invalid'), {
          errors: check.errors.map((e) => ({
            instancePath: e.instancePath,
            message: e.keyword === 'additionalProperties' ? `has unknown field ${e.params.additionalProperty}` : e.message,
          })),
        });
      }
    });
  }
  return crdModels.get(file);
}

// A proxy that records, per object, the fields the compiled validator read and whether it enumerated the keys
// (maps such as labels are enumerated: every key is then allowed).
function track(value, path, read) {
  if (value === null || typeof value !== 'object') return value;
  const entry = { value, keys: new Set(), enumerated: Array.isArray(value) };
  read.set(path, entry);
  const children = new Map();
  return new Proxy(value, {
    get(target, key, receiver) {
      const child = Reflect.get(target, key, receiver);
      if (typeof key !== 'string') return child;
      entry.keys.add(key);
      if (child === null || typeof child !== 'object') return child;
      if (!children.has(key)) children.set(key, track(child, `${path}/${key}`, read));
      return children.get(key);
    },
    has(target, key) {
      if (typeof key === 'string') entry.keys.add(key);
      return Reflect.has(target, key);
    },
    ownKeys(target) {
      entry.enumerated = true;
      return Reflect.ownKeys(target);
    },
  });
}
