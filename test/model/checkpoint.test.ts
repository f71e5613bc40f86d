/** Checkpoint formats: safetensors round trip, our model folder, .pth import errors, other architectures. */
import * as tf from '@tensorflow/tfjs';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CPU_UNET_CONFIG, DenoiseUNet, importTorchUNet, unetConfigFromUpstream } from '../../src';
import { readTorchCheckpoint } from '../../src/model/checkpoint/torch_pth';
import { loadModelDir, saveModelDir } from '../../src/model/checkpoint/model_dir';
import { encodeSafetensors, readSafetensors } from '../../src/model/checkpoint/safetensors';
import { qkvTorchIndex } from '../../src/model/torch_layout';
import { useTestBackend } from '../helpers/backend';
import { FIXTURES_DIR } from '../helpers/fixtures';

const PTH = path.join(FIXTURES_DIR, 'parity_a', 'weights.pth');
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'segrefiner-ckpt-'));

test.before(async () => {
  await useTestBackend();
});

test('safetensors: header layout as the format specifies, values round-trip exactly', () => {
  const tensors = new Map([['a.weight', { shape: [2, 3], data: Float32Array.of(1, 2, 3, 4, 5, 6.5) }], ['b', { shape: [1], data: Float32Array.of(-0.25) }]]);
  const buf = Buffer.concat(encodeSafetensors(tensors, { format: 'pt' }));
  const headerLength = Number(buf.readBigUInt64LE(0));
  assert.is(headerLength % 8, 0);
  const header = JSON.parse(buf.toString('utf8', 8, 8 + headerLength));
  assert.equal(header['a.weight'], { dtype: 'F32', shape: [2, 3], data_offsets: [0, 24] });
  assert.equal(header.b.data_offsets, [24, 28]);
  assert.equal(header.__metadata__, { format: 'pt' });
  const file = path.join(tmp(), 'x.safetensors');
  fs.writeFileSync(file, buf);
  const back = readSafetensors(file);
  assert.equal(Array.from(back.tensors.get('a.weight')!.data), [1, 2, 3, 4, 5, 6.5]);
  fs.writeFileSync(file, buf.subarray(0, buf.length - 3));
  assert.throws(() => readSafetensors(file), /must lie inside the file.*truncated/);
});

test('qkv channels: tfjs [q|k|v] blocks map to upstream head-major [q k v] chunks', () => {
  // C = 4, 2 heads, ch = 2: upstream order q0 q0 k0 k0 v0 v0 q1 q1 k1 k1 v1 v1
  assert.equal(Array.from(qkvTorchIndex(4, 2)), [0, 1, 6, 7, 2, 3, 8, 9, 4, 5, 10, 11]);
});

test('a model folder round-trips: same outputs after save and load, PyTorch layout on disk', async () => {
  const dir = tmp();
  const unet = DenoiseUNet.create({ ...CPU_UNET_CONFIG }, 7);
  await saveModelDir(dir, unet, { imageSize: 64 });
  const { unet: loaded, config } = loadModelDir(dir);
  assert.is(config.imageSize, 64);
  const x = tf.randomNormal([1, 16, 16, 4], 0, 1, 'float32', 1) as tf.Tensor4D, t = tf.tensor1d([3], 'int32');
  const a = unet.apply(x, t), b = loaded.apply(x, t);
  assert.equal(Array.from(a.dataSync()), Array.from(b.dataSync()));
  const onDisk = readSafetensors(path.join(dir, 'model.safetensors')).tensors.get('input_blocks.0.0.weight')!;
  assert.equal(onDisk.shape, [32, 4, 3, 3]);
  tf.dispose([x, t, a, b]);
  unet.dispose();
  loaded.dispose();
});

test('the .pth importer reads the upstream zip checkpoint (bare state dict)', () => {
  const sd = readTorchCheckpoint(PTH);
  assert.is(sd.tensors.size, 163);
  assert.is(sd.prefix, '');
  assert.equal(sd.tensors.get('input_blocks.0.0.weight')!.shape, [32, 4, 3, 3]);
});

test('an mmdet-style checkpoint (state_dict wrapper, denoise_model. prefix, strided view, extra entries) imports exactly', () => {
  const expected = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'mmdet_tiny.json'), 'utf8'));
  const { unet, prefix, ignored } = importTorchUNet(path.join(__dirname, '..', 'fixtures', 'mmdet_tiny.pth'), unetConfigFromUpstream(expected.kwargs));
  assert.is(prefix, 'denoise_model.');
  assert.ok(ignored.includes('denoise_model.step_counter') && ignored.includes('loss_texture.kernel'), ignored.join(','));
  const sd = readTorchCheckpoint(path.join(__dirname, '..', 'fixtures', 'mmdet_tiny.pth')).tensors;
  for (const [key, [sum, first, shape]] of Object.entries(expected.tensors) as [string, [number, number, number[]]][]) {
    const t = sd.get(key)!;
    assert.equal(t.shape, shape, key);
    assert.ok(Math.abs(t.data[0] - first) < 1e-7 && Math.abs(t.data.reduce((a, b) => a + b, 0) - sum) < 1e-3, key);
  }
  unet.dispose();
});

test('another architecture, missing and extra keys, wrong shapes: errors naming the key', () => {
  const config = JSON.parse(fs.readFileSync(path.join(FIXTURES_DIR, 'parity_a', 'config.json'), 'utf8')).constructor_kwargs;
  assert.throws(() => importTorchUNet(PTH, { ...CPU_UNET_CONFIG }), /the checkpoint (has keys this architecture does not|must have key)|must have shape/);
  const { tensors } = readTorchCheckpoint(PTH);
  const c = unetConfigFromUpstream(config);
  const missing = new Map(tensors);
  missing.delete('out.2.bias');
  assert.throws(() => DenoiseUNet.fromTorchStateDict(c, missing), /must have key 'out.2.bias' \(shape \[1\]\), but it is missing/);
  const extra = new Map(tensors).set('foo.weight', { shape: [1], data: Float32Array.of(0) });
  assert.throws(() => DenoiseUNet.fromTorchStateDict(c, extra), /keys this architecture does not: foo.weight/);
  const wrong = new Map(tensors).set('out.2.bias', { shape: [2], data: Float32Array.of(0, 0) });
  assert.throws(() => DenoiseUNet.fromTorchStateDict(c, wrong), /'out.2.bias' must have shape \[1\], but the checkpoint has \[2\]/);
});

test('files that are not checkpoints give clear errors', () => {
  const dir = tmp();
  const notZip = path.join(dir, 'x.pth');
  fs.writeFileSync(notZip, 'hello');
  assert.throws(() => readTorchCheckpoint(notZip), /must be a zip archive/);
  assert.throws(() => readTorchCheckpoint(path.join(dir, 'missing.pth')), /must be a readable file/);
  assert.throws(() => loadModelDir(dir), /must contain config.json/);
});

test.run();
