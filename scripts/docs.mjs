// Regenerates the README's rule and settings tables from the rule table and package.json,
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
const commands = [
  '| command | title |',
  '| --- | --- |',
  ...pkg.contributes.commands.map((c) => `| \`${c.command}\` | ${c.category}: ${c.title} |`),
].join('\n');

let readme = readFileSync('README.md', 'utf8');
const original = readme;
for (const [name, body] of [['rules', rules], ['settings', settings], ['commands', commands]]) {
  const re = new RegExp(`(<!-- ${name}:start -->)[\\s\\S]*?(<!-- ${name}:end -->)`);
  if (!re.test(readme)) throw new Error(`README.md has no ${name} markers`);
  readme = readme.replace(re, `$1\n${body}\n$2`);
}
if (process.argv.includes('--check')) {
  if (readme !== original) {
    console.error('README.md is out of date: run `npm run docs`.');
    process.exit(1);
  }
} else if (readme !== original) writeFileSync('README.md', readme);
