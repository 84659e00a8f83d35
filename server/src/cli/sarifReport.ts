import * as path from 'path';
import { pathToFileURL } from 'url';
import { Finding } from '../core/findings';
import { Range } from '../core/positions';
import { ALL_RULES, RuleInfo, Severity } from '../core/rules';
import { LEAK_RULES } from '../core/rules/leakRules';
import { RuleLevels } from '../core/ruleLevels';
import { SuppressedFinding } from '../core/suppressions';
import { FileReport } from './checkRunner';
import { relatedFile } from './reportPaths';

const SRCROOT = '%SRCROOT%';
const LEAK_CODES = new Set(LEAK_RULES.map((r) => r.code));

export interface SarifOptions {
  cwd: string;
  toolVersion: string;
  /** The README's address (no fragment); rule help links point to its `#rules` section. */
  readmeUri?: string;
  /** `--rule` levels: recorded as the run's rule configuration overrides. */
  ruleLevels?: RuleLevels;
}

// The few SARIF 2.1.0 shapes this tool writes (the schema is the full reference).
interface ArtifactLocation {
  uri: string;
  uriBaseId?: string;
}
interface PhysicalLocation {
  artifactLocation: ArtifactLocation;
  region: { startLine: number; startColumn: number; endLine: number; endColumn: number };
}
interface SarifLocation {
  id?: number;
  physicalLocation: PhysicalLocation;
  message?: { text: string };
}

/** SARIF levels: LSP's information and hint are both `note`. */
export function sarifLevel(s: Severity): 'error' | 'warning' | 'note' {
  return s === 'error' ? 'error' : s === 'warning' ? 'warning' : 'note';
}

function ruleDescriptor(r: RuleInfo, readmeUri: string | undefined) {
  const helpUri = readmeUri ? `${readmeUri.replace(/#.*$/, '')}#rules` : undefined;
  return {
    id: r.code,
    name: r.name,
    shortDescription: { text: r.title },
    fullDescription: { text: r.explanation },
    defaultConfiguration: { level: sarifLevel(r.severity) },
    help: {
      text: `${r.title}\n\n${r.explanation}`,
      markdown: `**${r.title}**\n\n${r.explanation}${helpUri ? `\n\nSee [the rule list](${helpUri}).` : ''}`,
    },
    ...(helpUri ? { helpUri } : {}),
    properties: { tags: LEAK_CODES.has(r.code) ? ['security', 'metaflow', 'secrets'] : ['correctness', 'metaflow', 'secrets'] },
  };
}

/** A file inside the working directory is relative to %SRCROOT% (what code scanning expects); else an absolute URI. */
function artifactLocation(file: string, cwd: string): ArtifactLocation {
  const rel = path.relative(cwd, file);
  if (rel && !rel.startsWith('..') && !path.isAbsolute(rel)) {
    return { uri: rel.split(path.sep).map(encodeURIComponent).join('/'), uriBaseId: SRCROOT };
  }
  return { uri: pathToFileURL(file).href };
}

function physical(file: string, r: Range, cwd: string): PhysicalLocation {
  return {
    artifactLocation: artifactLocation(file, cwd),
    region: {
      startLine: r.start.line + 1,
      startColumn: r.start.character + 1,
      endLine: r.end.line + 1,
      endColumn: r.end.character + 1,
    },
  };
}

/**
 * A leak is a path problem: the related locations walk from the secret's source through each
 * hop, and the finding itself is the sink. Code scanning shows that as a code flow.
 */
function codeFlows(f: Finding, file: string, cwd: string) {
  const hops = (f.related ?? []).map((r) => ({
    location: { physicalLocation: physical(relatedFile(r, file), r.range, cwd), message: { text: r.message } },
  }));
  const sink = { location: { physicalLocation: physical(file, f.range, cwd), message: { text: f.message } } };
  return [{ threadFlows: [{ locations: [...hops, sink] }] }];
}

/** Why a result is not shown: a comment in the source, or the `--baseline` file. */
type SarifSuppression = { kind: 'inSource' | 'external'; status: 'accepted'; justification: string; location?: { physicalLocation: PhysicalLocation } };

function inSource(f: SuppressedFinding, file: string, cwd: string): SarifSuppression {
  return { kind: 'inSource', status: 'accepted', justification: f.suppression.text, location: { physicalLocation: physical(file, f.suppression.range, cwd) } };
}

const IN_BASELINE: SarifSuppression = { kind: 'external', status: 'accepted', justification: 'in the --baseline file' };

function result(f: Finding, file: string, ruleIndex: number, cwd: string, suppressions?: SarifSuppression[]) {
  const related: SarifLocation[] = (f.related ?? []).map((r, i) => ({
    id: i + 1,
    physicalLocation: physical(relatedFile(r, file), r.range, cwd),
    message: { text: r.message },
  }));
  return {
    ruleId: f.code,
    ruleIndex,
    level: sarifLevel(f.severity),
    message: { text: f.message },
    locations: [{ physicalLocation: physical(file, f.range, cwd) }],
    ...(related.length ? { relatedLocations: related } : {}),
    ...(LEAK_CODES.has(f.code) && f.related?.length ? { codeFlows: codeFlows(f, file, cwd) } : {}),
    ...(suppressions ? { suppressions } : {}),
  };
}

/** One SARIF 2.1.0 log with one run: every rule's metadata, then the results. */
export function sarifReport(reports: readonly FileReport[], o: SarifOptions): string {
  const indexOf = new Map(ALL_RULES.map((r, i) => [r.code, i]));
  // Suppressed and baselined findings stay in the log, marked, so code scanning can show them as such.
  const results = reports.flatMap((r) => [
    ...r.findings.map((f) => result(f, r.file, indexOf.get(f.code) ?? -1, o.cwd)),
    ...r.suppressed.map((f) => result(f, r.file, indexOf.get(f.code) ?? -1, o.cwd, [inSource(f, r.file, o.cwd)])),
    ...(r.baselined ?? []).map((f) => result(f, r.file, indexOf.get(f.code) ?? -1, o.cwd, [IN_BASELINE])),
  ]);
  const overrides = [...(o.ruleLevels ?? new Map())].map(([code, level]) => ({
    descriptor: { id: code, index: indexOf.get(code) ?? -1 },
    configuration: level === 'off' ? { enabled: false } : { level: sarifLevel(level) },
  }));
  const srcroot = pathToFileURL(o.cwd.endsWith(path.sep) ? o.cwd : o.cwd + path.sep).href;
  const log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'metaflow-secrets',
            version: o.toolVersion,
            semanticVersion: o.toolVersion,
            ...(o.readmeUri ? { informationUri: o.readmeUri.replace(/#.*$/, '') } : {}),
            rules: ALL_RULES.map((r) => ruleDescriptor(r, o.readmeUri)),
          },
        },
        ...(overrides.length ? { invocations: [{ executionSuccessful: true, ruleConfigurationOverrides: overrides }] } : {}),
        originalUriBaseIds: { [SRCROOT]: { uri: srcroot } },
        columnKind: 'utf16CodeUnits',
        results,
      },
    ],
  };
  return JSON.stringify(log, null, 2) + '\n';
}
