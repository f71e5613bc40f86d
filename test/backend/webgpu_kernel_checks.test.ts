/** Every kernel check case (the ones `segrefiner doctor` runs) on webgpu against cpu, leak-free. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runKernelChecks } from '../../src';
import { KERNEL_CHECK_CASES } from '../../src/backend/kernel_check_cases';
import { KERNEL_CHECK_TOLERANCE } from '../../src/backend/kernel_checks';
import { expectNoLeak } from '../helpers/leaks';
import { useWebGpuTestBackend } from '../helpers/webgpu';

let ready = false;
test.before(async () => {
  ready = (await useWebGpuTestBackend()) !== null;
});

for (const c of KERNEL_CHECK_CASES) {
  test(`webgpu matches cpu to ${KERNEL_CHECK_TOLERANCE} relative: ${c.name}`, async () => {
    if (!ready) return;
    await expectNoLeak(c.name, async () => {
      const [result] = await runKernelChecks([c]);
      assert.is(result.backend, 'webgpu');
      assert.ok(result.passed, `${c.name}: relative error ${result.relError} (abs ${result.maxAbsError})`);
    });
  });
}

test.run();
