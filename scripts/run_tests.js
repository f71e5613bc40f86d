#!/usr/bin/env node
// Runs the uvu suite (TypeScript through tsx, no compile step) and ends with one line
// `N passed, N failed` taken from uvu's own totals. Exit code: uvu's.
const { spawn } = require('child_process');
const path = require('path');

const uvu = path.join(__dirname, '..', 'node_modules', 'uvu', 'bin.js');
const args = [uvu, '-r', 'tsx/cjs', 'test', '\\.test\\.ts$', ...process.argv.slice(2)];
const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
let out = '';
child.stdout.on('data', (chunk) => {
  out += chunk;
  process.stdout.write(chunk);
});
child.on('close', (code) => {
  // eslint-disable-next-line no-control-regex -- strips uvu's ANSI colours
  const plain = out.replace(/\x1b\[[0-9;]*m/g, '');
  const total = Number((plain.match(/Total:\s+(\d+)/) || [])[1] || 0);
  const passed = Number((plain.match(/Passed:\s+(\d+)/) || [])[1] || 0);
  const skipped = Number((plain.match(/Skipped:\s+(\d+)/) || [])[1] || 0);
  // A crash before uvu's summary counts as one failure, so the line never reads "0 failed" wrongly.
  const failed = code !== 0 && total === 0 ? 1 : total - passed - skipped;
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(code === null ? 1 : code);
});
