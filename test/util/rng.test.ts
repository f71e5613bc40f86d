import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createRng } from '../../src';

test('same seed, same stream; different seeds differ', () => {
  const a = createRng(42), b = createRng(42), c = createRng(43);
  const xs = Array.from({ length: 5 }, () => a.uniform());
  assert.equal(Array.from({ length: 5 }, () => b.uniform()), xs);
  assert.not.equal(Array.from({ length: 5 }, () => c.uniform()), xs);
});

test('the saved state continues the stream exactly', () => {
  const a = createRng(7);
  a.uniform();
  const resumed = createRng(0, a.state());
  assert.is(resumed.uniform(), a.uniform());
});

test('uniform, int and normal have the right ranges and moments', () => {
  const r = createRng(1);
  const n = 20000;
  let sum = 0, sumSq = 0, inRange = true;
  for (let i = 0; i < n; i++) {
    const u = r.uniform(), k = r.int(6), z = r.normal();
    inRange &&= u >= 0 && u < 1 && Number.isInteger(k) && k >= 0 && k < 6;
    sum += z;
    sumSq += z * z;
  }
  assert.ok(inRange);
  assert.ok(Math.abs(sum / n) < 0.03, `normal mean ${sum / n}`);
  assert.ok(Math.abs(sumSq / n - 1) < 0.05, `normal variance ${sumSq / n}`);
});

test('a non-integer seed, or one outside 32 bits (it would wrap), is an error', () => {
  assert.throws(() => createRng(0.5), /createRng: seed must be a 32-bit integer in \[-2147483648, 4294967295\], but got 0.5/);
  assert.throws(() => createRng(2 ** 32), /but got 4294967296/);
  assert.throws(() => createRng(-(2 ** 31) - 1), /but got -2147483649/);
  assert.not.equal(createRng(2 ** 32 - 1).uniform(), createRng(0).uniform());
});

test.run();
