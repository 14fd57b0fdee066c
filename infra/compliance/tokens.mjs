// Synthesized strings may hold CloudFormation intrinsics (Fn::Join of literals and references). For checks that read
// a JSON document inside a property (a Kubernetes manifest, Helm values) the references become a placeholder.
export const Placeholder = '${Token}';

export function flatten(value) {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && Array.isArray(value['Fn::Join'])) {
    const [separator, parts] = value['Fn::Join'];
    return parts.map(flatten).join(separator);
  }
  return Placeholder;
}

/** True when a template value is an intrinsic function or a reference, whose type only CloudFormation knows. */
export function isIntrinsic(value) {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::'));
}
