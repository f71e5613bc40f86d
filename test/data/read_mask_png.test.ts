import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { grayToPng, readBinaryMask } from '../../src';
import { expectRejects } from '../helpers/rejects';

test('a written mask reads back binary with the > 128 threshold', async () => {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'segrefiner-')), 'm.png');
  fs.writeFileSync(file, await grayToPng([0, 1, 128 / 255, 129 / 255], 2, 2));
  const mask = await readBinaryMask(file);
  assert.equal([mask.height, mask.width, Array.from(mask.data)], [2, 2, [0, 1, 0, 1]]);
});

test('an unreadable file is an error naming the file', async () => {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'segrefiner-')), 'broken.png');
  fs.writeFileSync(file, 'not a png');
  await expectRejects(readBinaryMask(file), /readBinaryMask: .*broken\.png must be a readable mask image/);
});

test.run();
