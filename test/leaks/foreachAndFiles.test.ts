import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyse, flow, MarkedCase, markedResult } from './harness';

// foreach over values (Metaflow stores the split values) and files written with a secret that
// are read back into a sink. One test per case.

const FOREACH = (attr: string) => (src: string) => src.replace('self.next(self.end)', `self.next(self.end, foreach="${attr}")  # LEAK MFS052`);

const CASES: MarkedCase[] = [
  {
    name: 'foreach over a list of secrets: the list and the split values',
    body: 'self.toks = [os.environ["API_KEY"], os.environ["DB_PASSWORD"]]  # LEAK MFS052',
    edit: FOREACH('toks'),
  },
  {
    name: 'foreach over a list built by append',
    body: 'self.jobs = []\nfor name in ["a", "b"]:\n    self.jobs.append({"name": name, "key": os.environ["API_KEY"]})  # LEAK MFS052',
    edit: FOREACH('jobs'),
  },
  {
    name: 'foreach over names: clean',
    body: 'self.names = ["API_KEY", "DB_PASSWORD"]',
    edit: (src) => src.replace('self.next(self.end)', 'self.next(self.end, foreach="names")'),
  },
  {
    name: 'a file written with the secret and read back into an artifact',
    body: 'with open("c.txt", "w") as f:\n    f.write(os.environ["API_KEY"])\nself.c = open("c.txt").read()  # LEAK MFS052',
  },
  { name: 'a file written and never read back: no leak', body: 'with open("c.txt", "w") as f:\n    f.write(os.environ["API_KEY"])\nprint("written")' },
  {
    name: 'json.dump into a file, json.load back, printed',
    body: 'import json\nwith open("c.json", "w") as f:\n    json.dump({"k": os.environ["API_KEY"]}, f)\nwith open("c.json") as g:\n    print(json.load(g))  # LEAK MFS050',
  },
  {
    name: 'yaml.safe_dump into a file, its text kept',
    body: 'import yaml\nwith open("c.yaml", "w") as fh:\n    yaml.safe_dump({"k": os.environ["API_KEY"]}, fh)\nwith open("c.yaml") as fh:\n    self.cfg_text = fh.read()  # LEAK MFS052',
  },
  { name: 'the path in a variable', body: 'p = "x.cfg"\nopen(p, "w").write(os.environ["API_KEY"])\nprint(open(p).read())  # LEAK MFS050' },
  { name: 'another file holds nothing', body: 'open("a", "w").write(os.environ["API_KEY"])\nprint(open("b").read())' },
  { name: 'reopening for writing truncates', body: 'open("a", "w").write(os.environ["API_KEY"])\nopen("a", "w").write("clean")\nprint(open("a").read())' },
  {
    name: 'pathlib write_text / read_text',
    body: 'from pathlib import Path\nPath("t").write_text(os.environ["API_KEY"])\nprint(Path("t").read_text())  # LEAK MFS050',
  },
  {
    name: 'print(..., file=fh) writes the file, not the log',
    body: 'with open("o", "w") as f:\n    print(os.environ["API_KEY"], file=f)\nwith open("o") as f:\n    for line in f:\n        print(line)  # LEAK MFS050',
  },
  { name: 'print(..., file=sys.stderr) is still the log', body: 'import sys\nprint(os.environ["API_KEY"], file=sys.stderr)  # LEAK MFS050' },
  {
    name: 'a copied file holds what the original held',
    body: 'import shutil\nopen("a", "w").write(os.environ["API_KEY"])\nshutil.copy("a", "b")\nprint(open("b").read())  # LEAK MFS050',
  },
];

for (const c of CASES) {
  test(`foreach and files: ${c.name}`, async () => {
    const r = await markedResult(c);
    assert.deepEqual(r.got, r.want);
  });
}

test('the foreach finding says Metaflow stores the split values and what to split over instead', async () => {
  const src = flow('self.toks = [os.environ["API_KEY"]]').replace('self.next(self.end)', 'self.next(self.end, foreach="toks")');
  const f = (await analyse(src)).find((x) => x.message.includes('foreach'));
  assert.ok(f, 'no foreach finding');
  assert.equal(f.code, 'MFS052');
  assert.match(f.message, /`_foreach_values`/);
  assert.match(f.message, /foreach-stack metadata/);
  assert.match(f.message, /Split over names or indices/);
  assert.deepEqual(f.fixes ?? [], [], 'keeping the value local is no fix for a foreach list');
});
