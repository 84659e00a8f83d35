import { envVarNameError } from '../core/envMap';
import { Finding, finding, QuickFix } from '../core/findings';
import { pyStrLike } from '../core/literals';
import { nearestNames } from '../core/suggest';
import { Range } from '../core/positions';
import { SourceSpec } from '../core/sourceSpec';
import { FailureKind, Resolution, SecretListing } from './provider';

const CODE_OF_KIND: Partial<Record<FailureKind, string>> = {
  'not-found': 'MFS030',
  'access-denied': 'MFS031',
  credentials: 'MFS032',
  throttled: 'MFS033',
  unreachable: 'MFS033',
  timeout: 'MFS033',
  'bad-content': 'MFS034',
  'duplicate-key': 'MFS035',
  'invalid-id': 'MFS038',
  other: 'MFS038',
};

/**
 * What the editor reports about a source once its backend answered: the failure, or the
 * names Metaflow's validate_env_vars would refuse. Offline, cancelled and unsupported answers
 * report nothing. Pure: no values are read, only names and messages.
 */
export function resolutionFindings(spec: SourceSpec, resolution: Resolution, range: Range = spec.range, listing?: SecretListing): Finding[] {
  if (resolution.ok) {
    const out: Finding[] = [];
    for (const name of resolution.names) {
      const e = envVarNameError(name);
      if (e) out.push(finding(e.code === 'MFS011' ? 'MFS036' : 'MFS037', range, e.message));
    }
    return out;
  }
  const code = CODE_OF_KIND[resolution.kind];
  if (!code || resolution.reportedStatically) return [];
  let message = resolution.message;
  if (resolution.kind === 'access-denied') {
    const who = resolution.meta?.identity;
    const role = resolution.meta?.roleUsed;
    const parts = [
      who ? `as ${who}` : undefined,
      role ? `assuming ${role}${resolution.meta?.roleOrigin ? ` (from ${resolution.meta.roleOrigin})` : ''}` : undefined,
    ].filter(Boolean);
    if (parts.length) message += ` [tried ${parts.join(', ')}]`;
  }
  if (resolution.fix) message += ` Fix: ${resolution.fix}`;
  const fixes: QuickFix[] = [];
  if (resolution.kind === 'not-found' && listing?.ok) {
    const near = nearNames(spec, listing.names);
    if (near.length) {
      message += ` Did you mean ${near.map((n) => `'${n}'`).join(' or ')}? (listed in ${listing.scope})`;
      const direct = spec.form === 'string' && !spec.value.indirect;
      if (direct)
        for (const n of near)
          fixes.push({
            title: `Change to '${n}'`,
            edits: [{ range: spec.range, newText: pyStrLike(spec.typeFromDefault ? n : `${spec.type}.${n}`, spec.value.text) }],
            isPreferred: n === near[0],
          });
    }
  }
  // The identity and role tried make the row long: it says what happened, the rest is detail.
  const summary = resolution.kind === 'access-denied' && /^Failed to retrieve secret '[^']*'/.exec(message)?.[0];
  return [finding(code, range, message, { fixes, ...(summary ? { summary: `${summary}: access denied` } : {}) })];
}

/** Listed secrets a missing id is a near miss of; only plain names (an ARN or a full URL is not compared). */
function nearNames(spec: SourceSpec, names: readonly string[]): string[] {
  const id = spec.id;
  if (id.startsWith('arn:') || id.startsWith('https://') || id.startsWith('projects/')) return [];
  if (spec.type !== 'aws-secrets-manager' && id.includes('/')) return [];
  return nearestNames(id, names, 3).slice(0, 2);
}
