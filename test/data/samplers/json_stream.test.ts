/** streamJsonArrays: elements of chosen top-level arrays, cut across read chunks, with the tricky bits of JSON. */
import * as fs from 'fs';
import * as path from 'path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { streamJsonArrays } from '../../../src/data/samplers/json_stream';
import { expectRejects } from '../../helpers/rejects';
import { tempDir } from './sampler_fixtures';

const dir = tempDir('json');
const write = (name: string, text: string) => {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
};

async function collect(file: string, chunkSize: number) {
  const got: Record<string, unknown[]> = { annotations: [], images: [], constructor: [] };
  const seen = await streamJsonArrays(file, {
    annotations: (v, i) => got.annotations.push([i, v]),
    images: (v) => got.images.push(v),
  }, 'test', chunkSize);
  return { got, seen: [...seen].sort() };
}

test('every element of the chosen arrays, in order, whatever the chunk size; other values skipped', async () => {
  const json = {
    info: { images: [{ nested: 'not top level' }], note: 'a "quoted" ] } , [ string' },
    annotations: [{ id: 1, segmentation: [[1, 2, 3, 4, 5, 6]], caption: 'comma, bracket ] brace } \\ "q"' }, { id: 2, bbox: [0, 0, 1.5e3, -2] }, 7, 'text, ]', null],
    constructor: [1, 2],
    version: '1.0',
    images: [],
    categories: [{ id: 1 }],
  };
  const file = write('mixed.json', JSON.stringify(json, null, 1));
  for (const chunk of [1, 2, 7, 64, 1 << 20]) {
    const { got, seen } = await collect(file, chunk);
    assert.equal(got.annotations, json.annotations.map((v, i) => [i, v]), `chunk ${chunk}`);
    assert.equal([got.images, got.constructor, seen], [[], [], ['annotations', 'images']], `chunk ${chunk}`);
  }
  const compact = write('compact.json', JSON.stringify({ images: [{ id: 1 }, { id: 2 }] }));
  assert.equal((await collect(compact, 3)).got.images, [{ id: 1 }, { id: 2 }]);
});

test('errors name the file: not an object, truncated, an element that does not parse, unreadable', async () => {
  await expectRejects(collect(write('list.json', '[1, 2]'), 4), /list\.json must be a JSON object .* but it does not start with \{/);
  await expectRejects(collect(write('cut.json', '{"images": [{"id": 1}, {"id"'), 4), /cut\.json must be a JSON object .* but it ends inside a value \(truncated\?\)/);
  await expectRejects(collect(write('bad.json', '{"images": [{"id": 1}, {id: 2}]}'), 4), /bad\.json must be a JSON object .* but element 1 of 'images' does not parse/);
  await expectRejects(collect(write('empty.json', '  '), 4), /empty\.json must be a JSON object .* but it is empty/);
  await expectRejects(collect(path.join(dir, 'absent.json'), 4), /absent\.json must be a readable annotations JSON, but reading failed/);
});

test.after(() => fs.rmSync(dir, { recursive: true, force: true }));

test.run();
