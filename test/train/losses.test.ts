/** The training loss on tiny tensors, against values derived by hand. */
import * as tf from '@tensorflow/tfjs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bceWithLogitsLoss, segRefinerLoss, textureMagnitude, trainIou } from '../../src/train/losses';
import { useTestBackend } from '../helpers/backend';
import { expectNoLeak } from '../helpers/leaks';

test.before(async () => {
  await useTestBackend();
});

const close = (a: number, b: number, tol: number, what: string) => assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);

test('BCE with logits: log 2 at z = 0; stable for large |z|', () => {
  const z = tf.tensor4d([0, 0, 30, -30], [1, 2, 2, 1]);
  const y = tf.tensor4d([1, 0, 1, 0], [1, 2, 2, 1]);
  close(bceWithLogitsLoss(z, y).dataSync()[0], Math.log(2) / 2, 1e-6, 'bce'); // two terms log 2, two ≈ 0
  const bad = tf.tensor4d([100, -100], [1, 1, 2, 1]), flip = tf.tensor4d([0, 1], [1, 1, 2, 1]);
  close(bceWithLogitsLoss(bad, flip).dataSync()[0], 100, 1e-3, 'bce far off');
  tf.dispose([z, y, bad, flip]);
});

test('texture magnitude on a 1×3 row: blur (zero pad, /9), Sobel/4, sqrt(g² + 1e-4), by hand', () => {
  // H = 1: the box blur sees only its middle row, u[x] = (v[x−1] + v[x] + v[x+1]) / 9; Sobel-y's
  // middle row is zero so gy = 0; Sobel-x's middle row gives gx[x] = (u[x−1] − u[x+1]) / 2.
  const gt = tf.tensor4d([0, 1, 1], [1, 1, 3, 1]);
  const mag = Array.from(textureMagnitude(gt).dataSync());
  const gx = [-1 / 9, -1 / 18, 1 / 9]; // u = [1/9, 2/9, 2/9]
  gx.forEach((g, i) => close(mag[i], Math.sqrt(g * g + 1e-4), 1e-6, `gt mag[${i}]`));
  gt.dispose();
});

test('total loss = BCE + 5 · texture L1, by hand on a 1×3 row with logits 0', () => {
  const logits = tf.zeros([1, 1, 3, 1]) as tf.Tensor4D;
  const gt = tf.tensor4d([0, 1, 1], [1, 1, 3, 1]);
  const magGt = [-1 / 9, -1 / 18, 1 / 9].map((g) => Math.sqrt(g * g + 1e-4));
  const magPred = [-1 / 12, 0, 1 / 12].map((g) => Math.sqrt(g * g + 1e-4)); // σ(0) = 0.5 ⇒ u = [1/9, 1.5/9, 1/9]
  const texture = magGt.reduce((a, m, i) => a + Math.abs(m - magPred[i]), 0) / 3;
  const loss = segRefinerLoss(logits, gt);
  close(loss.bce.dataSync()[0], Math.log(2), 1e-6, 'bce');
  close(loss.texture.dataSync()[0], texture, 1e-6, 'texture');
  close(loss.total.dataSync()[0], Math.log(2) + 5 * texture, 1e-6, 'total');
  tf.dispose([logits, gt, loss.total, loss.bce, loss.texture]);
});

test('train IoU of logits ≥ 0 against gt; no leaks; shape errors', async () => {
  const logits = tf.tensor4d([1, -1, 2, 0], [1, 2, 2, 1]), gt = tf.tensor4d([1, 1, 0, 0], [1, 2, 2, 1]);
  await expectNoLeak('loss', () => {
    const iou = trainIou(logits, gt);
    close(iou.dataSync()[0], 1 / 4, 1e-7, 'iou'); // pred {0,2,3}, gt {0,1}: 1 / 4
    iou.dispose();
    const l = segRefinerLoss(logits, gt);
    tf.dispose([l.total, l.bce, l.texture]);
  });
  const wrong = tf.zeros([1, 2, 3, 1]) as tf.Tensor4D;
  assert.throws(() => segRefinerLoss(logits, wrong), /segRefinerLoss: gt must have shape \[1,2,2,1\], but got \[1,2,3,1\]/);
  tf.dispose([logits, gt, wrong]);
});

test.run();
