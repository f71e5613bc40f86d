#!/usr/bin/env node
// Registers the tslab (TypeScript) Jupyter kernel inside the project, in .jupyter/ (no system dirs).
// The kernelspec holds absolute paths, so it is generated here, never committed.
// Use it with: export JUPYTER_PATH="$PWD/.jupyter/share/jupyter"
const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
const tslab = path.join(root, 'node_modules', '.bin', 'tslab');
const python = process.env.SEGREFINER_PYTHON || (fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');
if (!fs.existsSync(tslab)) {
  console.error(`install_tslab_kernel: ${tslab} must exist, but it does not; run npm ci first.`);
  process.exit(1);
}
execFileSync(tslab, ['install', `--python=${python}`, '--prefix', path.join(root, '.jupyter'), '--binary', tslab], { stdio: 'inherit' });
console.log(`tslab kernel registered; export JUPYTER_PATH="${path.join(root, '.jupyter', 'share', 'jupyter')}"`);
