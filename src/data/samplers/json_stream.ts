/**
 * Streams the elements of chosen top-level arrays of a JSON object file, one JSON.parse per element.
 * Why: LVIS v1 train (≈1.1 GB) is longer than Node's longest string (≈512 M characters), so it
 * cannot be read with readFile + JSON.parse at all; element by element, only what the caller keeps
 * stays in memory. Other top-level values are scanned and dropped. Structure errors (not an object,
 * truncated file) and element parse errors are errors that name the file.
 */
import * as fs from 'fs';

const QUOTE = 0x22, BACKSLASH = 0x5c, COMMA = 0x2c;
const OPEN = new Set([0x7b, 0x5b]), CLOSE = new Set([0x7d, 0x5d]);
const isSpace = (b: number) => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;

/**
 * Calls `handlers[key](element, i)` for every element of the top-level arrays named in `handlers`, in
 * file order. Keys absent from the file are not called; the returned set holds the keys seen.
 * @param where prefixes errors, e.g. 'LrObjectSampler.open'
 * @param chunkSize bytes read at a time (tests use tiny chunks to cut values everywhere)
 */
export async function streamJsonArrays(file: string, handlers: Record<string, (value: unknown, index: number) => void>, where: string,
  chunkSize = 1 << 20): Promise<Set<string>> {
  const fail = (what: string): never => {
    throw new Error(`${where}: ${file} must be a JSON object (like a COCO instances file), but ${what}.`);
  };
  let depth = 0, inString = false, escape = false, started = false;
  let key: Buffer[] | null = null, lastKey = '', active: string | null = null;
  let element: Buffer[] | null = null, count = 0;
  const seen = new Set<string>();
  const finishElement = () => {
    const text = Buffer.concat(element as Buffer[]).toString('utf8').trim();
    element = null;
    if (text === '') return; // an empty array
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      fail(`element ${count} of '${active}' does not parse (${(error as Error).message})`);
    }
    handlers[active as string](value, count++);
  };
  let stream: fs.ReadStream;
  try {
    stream = fs.createReadStream(file, { highWaterMark: chunkSize });
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      let from = 0; // where the pending key or element resumes in this chunk
      for (let i = 0; i < chunk.length; i++) {
        const b = chunk[i];
        if (!started) {
          if (isSpace(b)) continue;
          if (b !== 0x7b) fail('it does not start with {');
          started = true;
        }
        if (inString) {
          if (escape) escape = false;
          else if (b === BACKSLASH) escape = true;
          else if (b === QUOTE) {
            inString = false;
            if (key) {
              key.push(chunk.subarray(from, i + 1));
              lastKey = JSON.parse(Buffer.concat(key).toString('utf8'));
              key = null;
            }
          }
          continue;
        }
        if (b === QUOTE) {
          inString = true;
          if (depth === 1) [key, from] = [[], i];
        } else if (OPEN.has(b)) {
          depth++;
          if (depth === 2 && b === 0x5b && Object.prototype.hasOwnProperty.call(handlers, lastKey)) {
            [active, count, element, from] = [lastKey, 0, [], i + 1];
            seen.add(lastKey);
          }
        } else if (CLOSE.has(b)) {
          if (depth === 2 && active !== null) {
            (element as Buffer[]).push(chunk.subarray(from, i));
            finishElement();
            active = null;
          }
          depth--;
          if (depth < 0) fail('its brackets do not balance');
        } else if (b === COMMA && depth === 2 && active !== null) {
          (element as Buffer[]).push(chunk.subarray(from, i));
          finishElement();
          [element, from] = [[], i + 1];
        }
      }
      if (key) key.push(chunk.subarray(from));
      if (element) (element as Buffer[]).push(chunk.subarray(from));
    }
  } catch (error) {
    if ((error as Error).message.startsWith(`${where}: ${file}`)) throw error;
    throw new Error(`${where}: ${file} must be a readable annotations JSON, but reading failed: ${(error as Error).message}`, { cause: error });
  }
  if (!started) fail('it is empty');
  if (depth !== 0 || inString) fail('it ends inside a value (truncated?)');
  return seen;
}
