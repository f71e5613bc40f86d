import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { initBackend } from '../../src';
import { parseBackendName } from '../../src/backend/select_backend';
import { loadNativeBackend } from '../../src/backend/native';
import { useTestBackend } from '../helpers/backend';

test.before(async () => {
  await useTestBackend();
});

test('backend names are parsed strictly', () => {
  assert.is(parseBackendName('wasm', 'x'), 'wasm');
  assert.is(parseBackendName('webgpu', 'x'), 'webgpu');
  assert.throws(() => parseBackendName('webgl', 'SEGREFINER_BACKEND'),
    /SEGREFINER_BACKEND: backend must be one of tensorflow, webgpu, wasm, cpu, but got 'webgl'/);
});

test('initBackend is idempotent and refuses to switch backend mid-process', async () => {
  const first = await initBackend();
  assert.is(await initBackend(), first);
  const other = first.name === 'cpu' ? 'wasm' : 'cpu';
  try {
    await initBackend({ backend: other });
    assert.unreachable('switching must throw');
  } catch (error) {
    assert.match((error as Error).message, `initBackend: the backend is already '${first.name}'`);
  }
});

test('each native package that is absent is reported as such, with a reason', () => {
  const { loaded, skipped } = loadNativeBackend();
  for (const s of skipped) assert.ok(s.reason.length > 0, s.candidate);
  if (loaded === null) assert.equal(skipped.map((s) => s.candidate), ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']);
});

test.run();
