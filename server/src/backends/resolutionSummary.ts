import { SourceSpec } from '../core/sourceSpec';
import { Resolution, SecretMetadata } from './provider';

const BACKEND_NAMES: Record<string, string> = {
  'aws-secrets-manager': 'AWS Secrets Manager',
  'az-key-vault': 'Azure Key Vault',
  'gcp-secret-manager': 'GCP Secret Manager',
  inline: 'inline (test-only)',
};

/**
 * Markdown lines describing a resolved source for a hover: backend, resolved id, region, vault
 * or project, role, the variable names (never values), and when it was fetched.
 */
export function resolutionSummary(spec: SourceSpec, res: Resolution, now: number = Date.now()): string[] {
  const lines = [`**${BACKEND_NAMES[spec.type ?? ''] ?? spec.type ?? 'unknown backend'}** \`${spec.id}\``];
  const meta = res.ok ? res.meta : res.meta;
  if (meta?.resolvedId && meta.resolvedId !== spec.id) lines.push(`Resolved: \`${meta.resolvedId}\``);
  if (meta?.region) lines.push(`Region: ${meta.region}`);
  if (meta?.vault) lines.push(`Vault: ${meta.vault}`);
  if (meta?.project) lines.push(`Project: ${meta.project}`);
  if (meta?.roleUsed) lines.push(`Role: \`${meta.roleUsed}\`${meta.roleOrigin ? ` (from ${meta.roleOrigin})` : ''}`);
  if (meta?.identity) lines.push(`As: ${meta.identity}`);
  if (res.ok) {
    lines.push(res.names.length ? `Injects: ${res.names.map((n) => `\`${n}\``).join(', ')}` : 'Injects no variables');
    const about = res.meta.metadata && secretMetadataSummary(res.meta.metadata, now);
    if (about) lines.push(about);
    lines.push(`Fetched ${ago(now - res.meta.fetchedAt)}`);
  } else {
    lines.push(`Not resolved (${res.kind}): ${res.message}`);
    if (res.fix) lines.push(`Fix: \`${res.fix}\``);
  }
  return lines;
}

function ago(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 5) return 'just now';
  if (s < 60) return `${s} s ago`;
  const m = Math.round(s / 60);
  return m < 60 ? `${m} min ago` : `${Math.round(m / 60)} h ago`;
}

const DAY_MS = 86_400_000;
/** A later "modified in any way" date is worth showing only when it is not the value's own. */
const SAME_CHANGE_MS = 60_000;

/**
 * One line of what the backend says about a secret besides its value, e.g.
 * "updated 2026-12-01 (yesterday) · version `a1b2c3d4` (AWSCURRENT) · rotation on (every 30 days, next 2026-12-31)".
 * Undefined when the backend said nothing. Dates are UTC days.
 */
export function secretMetadataSummary(m: SecretMetadata, now: number = Date.now()): string | undefined {
  const parts: string[] = [];
  if (m.valueSetAt !== undefined) parts.push(`updated ${when(m.valueSetAt, now)}`);
  if (m.changedAt !== undefined && (m.valueSetAt === undefined || m.changedAt - m.valueSetAt > SAME_CHANGE_MS)) {
    parts.push(`${m.valueSetAt === undefined ? 'changed' : 'properties changed'} ${when(m.changedAt, now)}`);
  }
  if (m.rotatedAt !== undefined) parts.push(`rotated ${when(m.rotatedAt, now)}`);
  if (m.version || m.stages?.length) {
    const v = m.version ? `\`${m.version.length > 12 ? m.version.slice(0, 8) + '…' : m.version}\`` : '';
    const stages = m.stages?.length ? m.stages.join(', ') : '';
    parts.push(`version ${v && stages ? `${v} (${stages})` : v || stages}`);
  }
  if (m.state) parts.push(m.state);
  if (m.rotation) {
    const detail = [m.rotation.every ? `every ${m.rotation.every}` : '', m.rotation.nextAt !== undefined ? `next ${day(m.rotation.nextAt)}` : '']
      .filter(Boolean)
      .join(', ');
    parts.push(`rotation ${m.rotation.enabled ? 'on' : 'off'}${m.rotation.enabled && detail ? ` (${detail})` : ''}`);
  }
  if (m.expiresAt !== undefined) parts.push(`${m.expiresAt <= now ? 'expired' : 'expires'} ${when(m.expiresAt, now)}`);
  return parts.length ? parts.join(' · ') : undefined;
}

function day(t: number): string {
  return new Date(t).toISOString().slice(0, 10);
}

/** `2026-12-01 (yesterday)`: the UTC date and how many days from today. */
function when(t: number, now: number): string {
  const days = Math.floor(now / DAY_MS) - Math.floor(t / DAY_MS);
  const rel = days === 0 ? 'today' : days === 1 ? 'yesterday' : days === -1 ? 'tomorrow' : days > 0 ? `${days} days ago` : `in ${-days} days`;
  return `${day(t)} (${rel})`;
}
