#!/usr/bin/env node
// The floor plan of src/ (issue 12, README "Layout"), checked on the code's own imports: each floor
// imports only floors below it; rooms on one floor never import each other; no import cycle at all.
//   node scripts/check_floors.js [srcDir]      (run by `npm run lint`; exit 1 with every violation listed)
// Floors, bottom up: types.ts · util/ · backend/ · data/ model/ diffusion/ metrics/ vis/ · train/ refine/
// · evaluate/ · cluster/ · cli/ web/ · index.ts. A file may import its own room (its top-level folder).
// Also: experiments/ and notebooks/ import the library only through its public API (src/index.ts,
// dist/index.js), never a deep path.
const fs = require('fs');
const path = require('path');

const FLOORS = [['types.ts'], ['util'], ['backend'], ['data', 'model', 'diffusion', 'metrics', 'vis'], ['train', 'refine'], ['evaluate'], ['cluster'], ['cli', 'web'], ['index.ts']];
const FLOOR_OF = new Map(FLOORS.flatMap((rooms, level) => rooms.map((room) => [room, level])));

/** Every .ts file under dir, as paths relative to it. */
function listSources(dir, prefix = '') {
  return fs.readdirSync(path.join(dir, prefix), { withFileTypes: true }).flatMap((e) => {
    const rel = path.join(prefix, e.name);
    if (e.isDirectory()) return listSources(dir, rel);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [rel] : [];
  });
}

/** The relative-import targets of one file, resolved to source paths relative to the src dir. */
function importsOf(srcDir, file) {
  const text = fs.readFileSync(path.join(srcDir, file), 'utf8');
  const specs = [...text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"`;]*?from\s+['"](\.[^'"]+)['"]/g), ...text.matchAll(/\b(?:import|require)\(\s*['"](\.[^'"]+)['"]\s*\)/g)].map((m) => m[1]);
  return specs.map((spec) => {
    const base = path.normalize(path.join(path.dirname(file), spec));
    for (const candidate of [`${base}.ts`, path.join(base, 'index.ts'), base]) if (fs.existsSync(path.join(srcDir, candidate)) && candidate.endsWith('.ts')) return candidate;
    return null;
  }).filter((t) => t !== null && !t.startsWith('..'));
}

const roomOf = (file) => file.split(path.sep)[0];

/** Violations of the floor rule, and import cycles, as readable lines. */
function checkFloors(srcDir) {
  const files = listSources(srcDir);
  const graph = new Map(files.map((f) => [f, importsOf(srcDir, f)]));
  const problems = [];
  for (const [file, targets] of graph) {
    const from = roomOf(file), fromFloor = FLOOR_OF.get(from);
    if (fromFloor === undefined) { problems.push(`${file}: its room '${from}' is not on the floor plan`); continue; }
    for (const target of targets) {
      const to = roomOf(target), toFloor = FLOOR_OF.get(to);
      if (to === from) continue;
      if (toFloor === undefined || toFloor >= fromFloor) {
        problems.push(`${file} imports ${target}: ${to} is ${toFloor === undefined ? 'not on the floor plan' : toFloor === fromFloor ? `on the same floor as ${from}` : `above ${from}`}`);
      }
    }
  }
  problems.push(...findCycles(graph).map((c) => `import cycle: ${c.join(' → ')}`));
  return problems;
}

/** Each strongly connected group of files (Tarjan), reported as one cycle path through it. */
function findCycles(graph) {
  let index = 0;
  const idx = new Map(), low = new Map(), stack = [], onStack = new Set(), cycles = [];
  const visit = (v) => {
    idx.set(v, index); low.set(v, index); index++; stack.push(v); onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) { visit(w); low.set(v, Math.min(low.get(v), low.get(w))); }
      else if (onStack.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
    }
    if (low.get(v) !== idx.get(v)) return;
    const group = [];
    let w;
    do { w = stack.pop(); onStack.delete(w); group.push(w); } while (w !== v);
    if (group.length > 1 || (graph.get(v) ?? []).includes(v)) cycles.push([...group.reverse(), group[0]]);
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return cycles;
}

/** Deep imports of the library from experiments/*.ts ('../src/…') and notebooks/*.ipynb ('../dist/…'). */
function checkEntryPoints(rootDir) {
  const problems = [];
  const scan = (dir, ext, deep, read) => {
    if (!fs.existsSync(dir)) return;
    for (const name of fs.readdirSync(dir).filter((n) => n.endsWith(ext)).sort()) {
      const text = read(path.join(dir, name));
      for (const m of text.matchAll(new RegExp(`from\\s+['"](${deep.replace(/[./]/g, (c) => `\\${c}`)}[^'"]+)['"]`, 'g'))) {
        problems.push(`${path.basename(dir)}/${name} imports ${m[1]}: import the public API ('${deep.slice(0, -1)}') instead`);
      }
    }
  };
  scan(path.join(rootDir, 'experiments'), '.ts', '../src/', (f) => fs.readFileSync(f, 'utf8'));
  scan(path.join(rootDir, 'notebooks'), '.ipynb', '../dist/', (f) => JSON.parse(fs.readFileSync(f, 'utf8')).cells.map((c) => [].concat(c.source).join('')).join('\n'));
  return problems;
}

if (require.main === module) {
  const srcDir = path.resolve(process.argv[2] ?? path.join(__dirname, '..', 'src'));
  const problems = [...checkFloors(srcDir), ...checkEntryPoints(path.dirname(srcDir))];
  if (problems.length) {
    console.error(`floor plan: ${problems.length} violation${problems.length === 1 ? '' : 's'} in ${srcDir}\n${problems.map((p) => `  ${p}`).join('\n')}`);
    process.exit(1);
  }
  console.log(`floor plan: ok (${listSources(srcDir).length} files, no upward or sideways import, no cycle)`);
}

module.exports = { checkEntryPoints, checkFloors, FLOORS };
