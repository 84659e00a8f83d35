import { SourceSpec } from '../core/sourceSpec';
import { Resolution } from './provider';

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
