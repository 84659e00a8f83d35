// Regenerates the READMEs' rule, settings and command tables from the rule table and package.json,
// so the README never drifts from the code. `node scripts/docs.mjs --check` only compares.
import { readFileSync, writeFileSync } from 'fs';
import { createRequire } from 'module';

const require = createRequire(import.meta.url);
const { ALL_RULES } = require('../out/server/src/core/rules/index.js');
const pkg = JSON.parse(readFileSync('package.json', 'utf8'));

const cell = (s) => String(s).replace(/\|/g, '\\|').replace(/\n/g, ' ');
const rules = [
  '| code | name | default severity | what it finds | why |',
  '| --- | --- | --- | --- | --- |',
  ...ALL_RULES.map((r) => `| <a id="${r.code.toLowerCase()}"></a>${r.code} | \`${r.name}\` | ${r.severity} | ${cell(r.title)} | ${cell(r.explanation)} |`),
].join('\n');
const props = pkg.contributes.configuration.properties;
const settings = [
  '| setting | default | description |',
  '| --- | --- | --- |',
  ...Object.entries(props).map(([k, v]) => `| \`${k}\` | \`${JSON.stringify(v.default)}\` | ${cell(v.markdownDescription ?? v.description ?? '')} |`),
].join('\n');
const commands = ['| command | title |', '| --- | --- |', ...pkg.contributes.commands.map((c) => `| \`${c.command}\` | ${c.category}: ${c.title} |`)].join(
  '\n',
);

// The repository's README and the one packaged into the VSIX (vsce --readme-path) carry the same tables.
let stale = [];
for (const file of ['README.md', 'README.vsix.md']) {
  const original = readFileSync(file, 'utf8');
  let readme = original;
  for (const [name, body] of [
    ['rules', rules],
    ['settings', settings],
    ['commands', commands],
  ]) {
    const re = new RegExp(`(<!-- ${name}:start -->)[\\s\\S]*?(<!-- ${name}:end -->)`);
    if (!re.test(readme)) throw new Error(`${file} has no ${name} markers`);
    readme = readme.replace(re, `$1\n${body}\n$2`);
  }
  if (readme === original) continue;
  if (process.argv.includes('--check')) stale.push(file);
  else writeFileSync(file, readme);
}
if (stale.length) {
  console.error(`${stale.join(' and ')} ${stale.length > 1 ? 'are' : 'is'} out of date: run \`npm run docs\`.`);
  process.exit(1);
}
