/**
 * The webgpu backend itself: the adapter record, automatic choice never taking a software adapter,
 * synchronous reads, the AddN fix, device errors surfacing, no leaks, and a process that exits.
 */
import { execFileSync } from 'child_process';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BackendInfo, runOnBackend } from '../../src';
import { findAdapter, isSoftwareAdapter, REPORTED_LIMITS } from '../../src/backend/webgpu_adapter';
import { maxAddNInputs } from '../../src/backend/webgpu_kernels/add_n';
import { expectNoLeak } from '../helpers/leaks';
import { useWebGpuTestBackend } from '../helpers/webgpu';

const ROOT = path.join(__dirname, '..', '..');
let info: BackendInfo | null = null;
test.before(async () => {
  info = await useWebGpuTestBackend();
});

test('software adapters are recognised by Dawn\'s flag, the architecture or the driver name', () => {
  const hw = { vendor: 'nvidia', architecture: 'hopper', device: 'NVIDIA H200', description: 'NVIDIA: 570.86' };
  assert.is(isSoftwareAdapter(hw, false), false);
  assert.is(isSoftwareAdapter(hw, true), true);
  assert.is(isSoftwareAdapter({ ...hw, architecture: 'software' }, false), true);
  assert.is(isSoftwareAdapter({ vendor: '', architecture: '', device: 'llvmpipe-llvm-15-0-6-256-bits-', description: 'OpenGL ES 3.2 Mesa 22.3.6' }, false), true);
  assert.is(isSoftwareAdapter({ vendor: 'google', architecture: '', device: 'SwiftShader Device (Subzero)', description: '' }, false), true);
});

test('the forced backend reports its adapter: names, route, feature level, limits', () => {
  if (!info) return;
  assert.is(info.name, 'webgpu');
  assert.is(info.chosenBy, 'option');
  const a = info.adapter;
  assert.ok(a, 'adapter record');
  assert.ok(`${a.device}${a.description}`.length > 0, 'the adapter has a name');
  assert.ok(['vulkan', 'metal', 'd3d12', 'opengles'].includes(a.route), a.route);
  assert.is(a.featureLevel, a.route === 'opengles' ? 'compatibility' : 'core');
  for (const k of REPORTED_LIMITS) assert.ok(Number.isFinite(a.limits[k]) && a.limits[k] > 0, `${k}: ${a.limits[k]}`);
  assert.equal(info.skipped.filter((s) => s.candidate.includes('synchronous')), [], 'synchronous reads work');
});

test('the automatic search never returns a software adapter', async () => {
  const search = await findAdapter(false);
  if (search.found) assert.is(search.found.report.software, false, JSON.stringify(search.found.report));
  else assert.ok(search.tried.length > 0 && search.tried.every((r) => r.length > 0), 'every route gives a reason');
});

test('dataSync works and equals data(); a webgpu tensor moves to cpu on read', async () => {
  if (!info) return;
  const x = tf.tidy(() => tf.mul(tf.range(0, 1000), 0.5)); // computed on the GPU: no CPU copy to return
  const sync = Array.from(x.dataSync());
  const y = tf.tidy(() => tf.add(x, 1));
  assert.equal(Array.from(await y.data()), sync.map((v) => v + 1));
  const z = tf.tidy(() => tf.sub(y, 1));
  const onCpu = await runOnBackend('cpu', () => Array.from(tf.tidy(() => tf.mul(z, 2)).dataSync()));
  assert.equal(onCpu, sync.map((v) => v * 2));
  tf.dispose([x, y, z]);
});

test('AddN over more tensors than a shader may bind (a global gradient norm) is exact', () => {
  if (!info) return;
  const n = 3 * maxAddNInputs(tf.backend() as WebGPUBackend) + 2;
  const terms = Array.from({ length: n }, (_, i) => tf.fill([3, 5], i + 1));
  const sum = tf.addN(terms);
  assert.equal(Array.from(sum.dataSync()), new Array(15).fill((n * (n + 1)) / 2));
  tf.dispose([...terms, sum]);
});

test('a device error fails the next read with the device\'s message instead of reading zeros', async () => {
  if (!info) return;
  const device = (tf.backend() as WebGPUBackend).device;
  device.createBuffer({ size: 16, usage: 0xffff }); // invalid usage: a validation error, reported asynchronously
  await new Promise((resolve) => setTimeout(resolve, 50));
  const x = tf.tidy(() => tf.add(tf.ones([4]), 1));
  try {
    await x.data();
    assert.unreachable('the read must throw');
  } catch (error) {
    assert.match((error as Error).message, /webgpu read: the WebGPU device must run every kernel, but it reported: .*BufferUsage/);
  }
  assert.equal(Array.from(await x.data()), [2, 2, 2, 2], 'reported once; later reads work');
  x.dispose();
});

test('a conv + matMul training step with Adam leaves no tensors behind on webgpu', async () => {
  if (!info) return;
  const x = tf.randomNormal([2, 8, 8, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
  const w = tf.variable(tf.randomNormal([3, 3, 3, 4], 0, 0.3, 'float32', 2));
  const m = tf.variable(tf.randomNormal([4, 5], 0, 0.3, 'float32', 3));
  const optimizer = tf.train.adam(0.01);
  const loss = () => tf.mean(tf.square(tf.matMul(tf.reshape(tf.conv2d(x, w as tf.Tensor4D, 1, 'same'), [-1, 4]), m))) as tf.Scalar;
  const step = async () => {
    const value = optimizer.minimize(loss, true);
    await value?.data();
    tf.dispose(value ?? []);
  };
  await step(); // Adam allocates its slots on the first step
  await expectNoLeak('webgpu conv + matMul + Adam', async () => {
    for (let i = 0; i < 3; i++) await step();
  });
  optimizer.dispose();
  tf.dispose([x, w, m]);
});

test('a process that used the device exits once releaseBackend() ran (segrefiner doctor does)', () => {
  if (!info) return;
  const script = "const s = require('./src'); const tf = require('@tensorflow/tfjs');" +
    "s.initBackend({ backend: 'webgpu' }).then(async () => { process.stdout.write(String((await tf.sum(tf.ones([8])).data())[0])); s.releaseBackend(); })";
  const out = execFileSync(process.execPath, ['-r', 'tsx/cjs', '-e', script], { cwd: ROOT, encoding: 'utf8', timeout: 120_000, stdio: ['ignore', 'pipe', 'ignore'] });
  assert.is(out.trim(), '8');
  const doctor = execFileSync(process.execPath, ['-r', 'tsx/cjs', 'src/cli/main.ts', 'doctor', '--backend', 'webgpu', '--skip-checks', '--json'],
    { cwd: ROOT, encoding: 'utf8', timeout: 120_000, stdio: ['ignore', 'pipe', 'ignore'] });
  const report = JSON.parse(doctor) as { backend: BackendInfo };
  assert.is(report.backend.name, 'webgpu');
  assert.equal(report.backend.adapter, info.adapter);
});

test.run();
