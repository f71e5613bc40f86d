/** Every registered kernel and U-Net op family, on the active backend (wasm here) against cpu. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runKernelChecks } from '../../src';
import { KERNEL_CHECK_CASES } from '../../src/backend/kernel_check_cases';
import { KERNEL_CHECK_TOLERANCE } from '../../src/backend/kernel_checks';
import { compareOutputs } from '../../src/backend/kernel_checks';
import { expectNoLeak } from '../helpers/leaks';
import { useTestBackend } from '../helpers/backend';

test.before(async () => {
  await useTestBackend();
});

for (const c of KERNEL_CHECK_CASES) {
  test(`matches cpu to ${KERNEL_CHECK_TOLERANCE} relative: ${c.name}`, async () => {
    await expectNoLeak(c.name, async () => {
      const [result] = await runKernelChecks([c]);
      assert.ok(result.passed, `${c.name}: relative error ${result.relError} (abs ${result.maxAbsError})`);
      assert.ok(Number.isFinite(result.maxAbsError));
    });
  });
}

test('compareOutputs measures error relative to the reference scale, and NaN fails', () => {
  const [abs, rel] = compareOutputs([Float32Array.of(10, 0)], [Float32Array.of(10.001, 0)], 'x');
  assert.ok(Math.abs(abs - 0.001) < 1e-5 && Math.abs(rel - 0.001 / 10.001) < 1e-6, `${abs} ${rel}`);
  assert.is(compareOutputs([Float32Array.of(NaN)], [Float32Array.of(1)], 'x')[1], Infinity);
  assert.is(compareOutputs([Float32Array.of(1, 2)], [Float32Array.of(1)], 'x')[1], Infinity);
  assert.throws(() => compareOutputs([], [Float32Array.of(1)], 'case q'), /case q: the backends must return the same number of outputs/);
});

test.run();
