/** The floor plan (scripts/check_floors.js, run by `npm run lint`): src/ holds it, and planted violations are caught. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- a CommonJS script shared with npm run lint
const { checkEntryPoints, checkFloors } = require('../scripts/check_floors.js') as { checkFloors: (dir: string) => string[]; checkEntryPoints: (dir: string) => string[] };

/** A throw-away src/ tree: file → contents. */
function tree(files: Record<string, string>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'segrefiner-floors-'));
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), text);
  }
  return root;
}

test('src/ follows the floor plan: no upward or sideways import, no cycle', () => {
  assert.equal(checkFloors(path.join(__dirname, '..', 'src')), []);
});

test('planted violations are caught: upward, sideways, a room off the plan, a cycle', () => {
  const root = tree({
    'types.ts': "export type A = number;\n",
    'util/a.ts': "import type { A } from '../types';\nexport const a: A = 1;\n",
    'data/x.ts': "import { a } from '../util/a';\nimport { r } from '../refine/r';\nexport const x = a + r;\n",
    'metrics/m.ts': "import { x } from '../data/x';\nexport const m = x;\n",
    'refine/r.ts': "export const r = 2;\n",
    'misc/z.ts': "export const z = 3;\n",
    'util/p.ts': "import { q } from './q';\nexport const p = q;\n",
    'util/q.ts': "import { p } from './p';\nexport const q = p;\n",
  });
  const problems = checkFloors(root);
  assert.ok(problems.some((p) => /data\/x\.ts imports refine\/r\.ts: refine is above data/.test(p)), problems.join('\n'));
  assert.ok(problems.some((p) => /metrics\/m\.ts imports data\/x\.ts: data is on the same floor as metrics/.test(p)), problems.join('\n'));
  assert.ok(problems.some((p) => /misc\/z\.ts: its room 'misc' is not on the floor plan/.test(p)), problems.join('\n'));
  assert.ok(problems.some((p) => /import cycle: util\/(p|q)\.ts → util\/(q|p)\.ts → util\/(p|q)\.ts/.test(p)), problems.join('\n'));
  assert.is(problems.length, 4);
});

test('experiments and notebooks import only the public API; a planted deep import is caught', () => {
  assert.equal(checkEntryPoints(path.join(__dirname, '..')), []);
  const root = tree({
    'experiments/a.ts': "import { SegRefiner } from '../src';\nimport { runLoop } from '../src/diffusion/host_loop';\n",
    'notebooks/n.ipynb': JSON.stringify({ cells: [{ cell_type: 'code', source: ["import { showTable } from '../dist/vis/notebook_helpers';\n"] }] }),
  });
  assert.equal(checkEntryPoints(root), [
    "experiments/a.ts imports ../src/diffusion/host_loop: import the public API ('../src') instead",
    "notebooks/n.ipynb imports ../dist/vis/notebook_helpers: import the public API ('../dist') instead",
  ]);
});

test.run();
