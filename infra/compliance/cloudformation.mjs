// Every resource's properties against the CloudFormation resource specification (the pinned @aws-cdk/aws-service-spec
// database, the registry schemas CDK itself is generated from): unknown resource types, unknown properties, missing
// required properties and values of the wrong type, each named by its path. Intrinsics (Ref, Fn::…) are accepted
// wherever a value goes: only CloudFormation can know what they resolve to.
import { loadAwsServiceSpecSync } from '@aws-cdk/aws-service-spec';
import { isIntrinsic } from './tokens.mjs';

let database;
const spec = () => (database ??= loadAwsServiceSpecSync());

export function cloudformation(template) {
  const errors = [];
  let checked = 0;
  for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
    const type = resource.Type;
    // Custom resources take free-form properties; CDK's metadata resource is not deployed as a service resource.
    if (typeof type !== 'string' || type.startsWith('Custom::') || type === 'AWS::CDK::Metadata') continue;
    const path = resource.Metadata?.['aws:cdk:path'] ?? null;
    const report = (where, message) => errors.push({ logicalId, path, type, property: where, message });
    const definition = spec().lookup('resource', 'cloudFormationType', 'equals', type)[0];
    if (!definition) { report(null, `${type} is not a resource type of the CloudFormation specification`); continue; }
    checked++;
    checkProperties(definition.properties, resource.Properties ?? {}, '', report);
  }
  return { checked, errors };
}

function checkProperties(properties, values, path, report) {
  if (isIntrinsic(values)) return;
  if (!values || typeof values !== 'object' || Array.isArray(values)) { report(path || '/', 'expected an object'); return; }
  for (const [name, property] of Object.entries(properties)) {
    if (property.required && values[name] === undefined) report(`${path}/${name}`, 'required property is missing');
  }
  for (const [name, value] of Object.entries(values)) {
    const property = properties[name];
    if (!property) { report(`${path}/${name}`, 'unknown property'); continue; }
    const types = [property.type, ...(property.previousTypes ?? [])];
    const problems = types.map((t) => problemsOf(t, value, `${path}/${name}`));
    // A value any type (current or previous) accepts is fine; otherwise report against the current type.
    if (!problems.some((p) => p.length === 0)) problems[0].forEach(([where, message]) => report(where, message));
  }
}

function problemsOf(type, value, path) {
  if (isIntrinsic(value)) return [];
  const out = [];
  const fail = (message) => { out.push([path, message]); return out; };
  switch (type.type) {
    case 'string': return typeof value === 'string' ? out : fail(`expected a string, got ${describe(value)}`);
    case 'date-time': return typeof value === 'string' ? out : fail(`expected a date-time string, got ${describe(value)}`);
    // CloudFormation accepts numbers written as strings (CDK renders some that way).
    case 'number': return typeof value === 'number' || (typeof value === 'string' && value.trim() !== '' && !isNaN(Number(value))) ? out : fail(`expected a number, got ${describe(value)}`);
    case 'integer': return Number.isInteger(typeof value === 'string' ? Number(value) : value) ? out : fail(`expected an integer, got ${describe(value)}`);
    case 'boolean': return typeof value === 'boolean' || value === 'true' || value === 'false' ? out : fail(`expected a boolean, got ${describe(value)}`);
    case 'json': return out;
    case 'null': return value === null ? out : fail(`expected null, got ${describe(value)}`);
    case 'tag': return value && typeof value === 'object' && 'Key' in value && 'Value' in value ? out : fail('expected a tag {Key, Value}');
    case 'array':
      if (!Array.isArray(value)) return fail(`expected a list, got ${describe(value)}`);
      value.forEach((v, i) => out.push(...problemsOf(type.element, v, `${path}/${i}`)));
      return out;
    case 'map':
      if (!value || typeof value !== 'object' || Array.isArray(value)) return fail(`expected a map, got ${describe(value)}`);
      for (const [k, v] of Object.entries(value)) out.push(...problemsOf(type.element, v, `${path}/${k}`));
      return out;
    case 'union': {
      const each = type.types.map((t) => problemsOf(t, value, path));
      return each.some((p) => p.length === 0) ? out : fail(`matches none of ${type.types.map((t) => t.type).join(', ')}`);
    }
    case 'ref': {
      const definition = spec().get('typeDefinition', type.reference.$ref);
      checkProperties(definition.properties, value, path, (where, message) => out.push([where, message]));
      return out;
    }
    default: return fail(`unknown specification type ${type.type}`);
  }
}

const describe = (value) => (Array.isArray(value) ? 'a list' : value === null ? 'null' : typeof value === 'object' ? 'an object' : `${typeof value} ${JSON.stringify(value)}`);
