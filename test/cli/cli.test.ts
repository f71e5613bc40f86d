/** The CLI end to end, as a user runs it: subprocesses through tsx (no build needed). */
import { spawnSync } from 'child_process';
import * as path from 'path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const ROOT = path.join(__dirname, '..', '..');

function cli(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, ['-r', 'tsx/cjs', path.join(ROOT, 'src', 'cli', 'main.ts'), ...args], {
    cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('an unknown command is a usage error listing the commands', () => {
  const r = cli(['refine-everything']);
  assert.is(r.code, 2);
  assert.match(r.stderr, "segrefiner: unknown command 'refine-everything'; expected one of doctor");
  assert.match(r.stderr, 'usage: segrefiner <command>');
});

test('an unknown flag is a usage error with the subcommand usage', () => {
  const r = cli(['doctor', '--fast']);
  assert.is(r.code, 2);
  assert.match(r.stderr, "segrefiner doctor: Unknown option '--fast'.");
  assert.match(r.stderr, 'usage: segrefiner doctor');
});

test('--threads must be a positive integer', () => {
  const r = cli(['doctor', '--threads', 'two', '--skip-checks']);
  assert.is(r.code, 2);
  assert.match(r.stderr, "--threads must be a positive integer, but got 'two'");
});

test('forcing a backend that is not installed says what to do', () => {
  const r = cli(['doctor', '--skip-checks'], { SEGREFINER_BACKEND: 'tensorflow' });
  if (r.code === 0) return; // this machine has tfjs-node: nothing to check
  assert.is(r.code, 1);
  assert.match(r.stderr, "backend 'tensorflow' was forced (SEGREFINER_BACKEND) but cannot be used");
  assert.match(r.stderr, 'Install @tensorflow/tfjs-node-gpu@4.22.0 or @tensorflow/tfjs-node@4.22.0');
});

test('a bad SEGREFINER_BACKEND value is rejected', () => {
  const r = cli(['doctor', '--skip-checks'], { SEGREFINER_BACKEND: 'gpu' });
  assert.is(r.code, 1);
  assert.match(r.stderr, "SEGREFINER_BACKEND: backend must be one of tensorflow, webgpu, wasm, cpu, but got 'gpu'");
});

test('doctor --json reports versions, the backend and passing kernel checks', () => {
  const r = cli(['doctor', '--json'], { SEGREFINER_BACKEND: 'wasm' });
  assert.is(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout);
  assert.is(report.backend.name, 'wasm');
  assert.is(report.versions['@tensorflow/tfjs-core'], '4.22.0');
  assert.ok(report.checks.length > 30 && report.failed === 0, `${report.passed} passed, ${report.failed} failed`);
});

test('doctor --help prints its flags', () => {
  const r = cli(['doctor', '--help']);
  assert.is(r.code, 0);
  assert.match(r.stdout, '--skip-checks');
});

test.run();
