#!/usr/bin/env node
// Runs the uvu suite (TypeScript through tsx, no compile step) and ends with one line
// `N passed, N failed` taken from uvu's own totals. Exit code: the first failing run's, else 0.
// Two processes, because the backend is chosen once per process: the main suite on the automatic
// choice, then test/backend/webgpu*.test.ts with the backend forced to webgpu (those tests say why
// they skip where no adapter exists). Extra arguments go to the main run; SEGREFINER_TEST_WEBGPU=0
// leaves the webgpu run out.
const { spawn } = require('child_process');
const path = require('path');

const uvu = path.join(__dirname, '..', 'node_modules', 'uvu', 'bin.js');

/** Runs one uvu process, echoing its output; resolves to its totals and exit code. */
function runUvu(args, env) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [uvu, '-r', 'tsx/cjs', ...args], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } });
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
      resolve({ passed, failed, code: code === null ? 1 : code });
    });
  });
}

async function main() {
  const runs = [await runUvu(['test', '\\.test\\.ts$', '-i', 'webgpu', ...process.argv.slice(2)], {})];
  if (process.env.SEGREFINER_TEST_WEBGPU !== '0') {
    console.log('\nwebgpu tests (own process, SEGREFINER_BACKEND=webgpu):');
    runs.push(await runUvu(['test/backend', '^webgpu.*\\.test\\.ts$'], { SEGREFINER_BACKEND: 'webgpu' }));
  }
  const passed = runs.reduce((n, r) => n + r.passed, 0), failed = runs.reduce((n, r) => n + r.failed, 0);
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(runs.find((r) => r.code !== 0)?.code ?? 0);
}

main();
