import { envVarNameError } from '../core/envMap';
import { Finding, finding } from '../core/findings';
import { Range } from '../core/positions';
import { SourceSpec } from '../core/sourceSpec';
import { FailureKind, Resolution } from './provider';

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
export function resolutionFindings(spec: SourceSpec, resolution: Resolution, range: Range = spec.range): Finding[] {
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
    const parts = [who ? `as ${who}` : undefined, role ? `assuming ${role}${resolution.meta?.roleOrigin ? ` (from ${resolution.meta.roleOrigin})` : ''}` : undefined].filter(Boolean);
    if (parts.length) message += ` [tried ${parts.join(', ')}]`;
  }
  if (resolution.fix) message += ` Fix: ${resolution.fix}`;
  return [finding(code, range, message)];
}
