import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import * as oniguruma from 'vscode-oniguruma';
import * as vsctm from 'vscode-textmate';
import { REPO } from '../support/lspClient';

// The injection grammar is tokenised with VS Code's own TextMate engine. A minimal host grammar
// stands in for source.python (the real one ships with VS Code, not with npm).
const HOST = {
  scopeName: 'source.python',
  patterns: [
    { match: '"[^"]*"', name: 'string.quoted.double.python' },
    { match: '#.*$', name: 'comment.line.number-sign.python' },
  ],
};

async function registry(): Promise<vsctm.Registry> {
  const wasm = fs.readFileSync(path.join(REPO, 'node_modules', 'vscode-oniguruma', 'release', 'onig.wasm')).buffer;
  await oniguruma.loadWASM(wasm);
  const injection = JSON.parse(fs.readFileSync(path.join(REPO, 'syntaxes', 'secrets.injection.tmLanguage.json'), 'utf8'));
  return new vsctm.Registry({
    onigLib: Promise.resolve({ createOnigScanner: (p) => new oniguruma.OnigScanner(p), createOnigString: (s) => new oniguruma.OnigString(s) }),
    loadGrammar: async (scope) =>
      scope === 'source.python'
        ? vsctm.parseRawGrammar(JSON.stringify(HOST), 'host.json')
        : scope === injection.scopeName
          ? vsctm.parseRawGrammar(JSON.stringify(injection), 'inj.json')
          : null,
    getInjections: (scope) => (scope === 'source.python' ? [injection.scopeName] : undefined),
  });
}

function tokens(grammar: vsctm.IGrammar, line: string): [string, string][] {
  const r = grammar.tokenizeLine(line, vsctm.INITIAL);
  return r.tokens.map((t) => [line.slice(t.startIndex, t.endIndex), t.scopes.join(' ')]);
}

describe('@secrets injection grammar', () => {
  test('splits a source string on its first dot into type and id', async () => {
    const g = (await (await registry()).loadGrammar('source.python'))!;
    const t = tokens(g, '    @secrets(sources=["aws-secrets-manager.my.secret", "db-creds"], role="r")');
    const find = (text: string) => t.find(([s]) => s === text)?.[1] ?? '';
    assert.match(find('aws-secrets-manager'), /entity\.name\.type\.backend\.secrets\.metaflow/);
    assert.match(find('my.secret'), /string\.unquoted\.secret-id\.secrets\.metaflow/);
    assert.match(find('db-creds'), /string\.unquoted\.secret-id\.secrets\.metaflow/);
    assert.match(find('sources'), /meta\.attribute\.secrets\.metaflow/);
    assert.match(find('secrets'), /support\.function\.secrets\.metaflow/);
  });
  test('dict keys are highlighted and other decorators are left alone', async () => {
    const g = (await (await registry()).loadGrammar('source.python'))!;
    const t = tokens(g, '@secrets(sources=[{"type": "az-key-vault", "id": "https://v.vault.azure.net/secrets/x"}])');
    assert.match(t.find(([s]) => s === 'type')![1], /support\.type\.property-name\.secrets\.metaflow/);
    const other = tokens(g, '@retry(times="a.b")');
    assert.ok(other.every(([, scopes]) => !scopes.includes('secrets.metaflow')));
  });
});
