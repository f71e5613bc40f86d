/**
 * A safe, minimal unpickler for PyTorch checkpoints (`data.pkl` inside the zip). It never executes
 * anything: GLOBAL/REDUCE produce inert records, except the few constructors a state dict needs
 * (OrderedDict, torch._utils._rebuild_tensor_v2 / _rebuild_parameter, storage persistent ids).
 * Protocols 2–5 opcodes that torch.save and mmcv checkpoints use are supported; others are an error
 * naming the opcode.
 */

/** A tensor storage referenced by a persistent id: its bytes are archive entry `data/<key>`. */
export interface StorageRef {
  kind: 'storage';
  /** e.g. 'FloatStorage', 'HalfStorage', 'BFloat16Storage', 'DoubleStorage', 'LongStorage'. */
  storageType: string;
  key: string;
  numel: number;
}

/** A tensor view of a storage (what `_rebuild_tensor_v2` rebuilds). */
export interface TensorRef {
  kind: 'tensor';
  storage: StorageRef;
  /** Offset into the storage, in elements. */
  offset: number;
  shape: number[];
  stride: number[];
}

/** A Python global we do not construct (a class or function reference). */
export interface GlobalRef { kind: 'global'; module: string; name: string }
/** The result of calling a global we do not construct; kept inert. */
export interface ReducedObject { kind: 'object'; callable: GlobalRef; args: unknown; state?: unknown }

export type PickleValue = unknown;

class Mark {}
const MARK = new Mark();

/** Parses a pickle; BINPERSID ids become StorageRefs (torch storages). */
export function unpickle(buf: Uint8Array, where: string): PickleValue {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const stack: unknown[] = [];
  const memo = new Map<number, unknown>();
  let pos = 0;
  const u8 = (): number => buf[pos++];
  const u32 = (): number => { const v = view.getUint32(pos, true); pos += 4; return v; };
  const i32 = (): number => { const v = view.getInt32(pos, true); pos += 4; return v; };
  const text = (n: number): string => { const s = Buffer.from(buf.subarray(pos, pos + n)).toString('utf8'); pos += n; return s; };
  const line = (): string => { const end = buf.indexOf(0x0a, pos); const s = text(end - pos); pos++; return s; };
  const popMark = (): unknown[] => {
    let i = stack.length - 1;
    while (i >= 0 && stack[i] !== MARK) i--;
    if (i < 0) throw new Error(`${where}: corrupt pickle (no MARK on the stack).`);
    const items = stack.splice(i + 1);
    stack.pop();
    return items;
  };
  const top = (): unknown => stack[stack.length - 1];
  for (;;) {
    if (pos >= buf.length) throw new Error(`${where}: the pickle ended before STOP (truncated file?).`);
    const op = u8();
    switch (op) {
      case 0x80: pos++; break; // PROTO
      case 0x95: pos += 8; break; // FRAME
      case 0x2e: return stack.pop(); // STOP
      case 0x28: stack.push(MARK); break;
      case 0x7d: stack.push(new Map()); break; // EMPTY_DICT
      case 0x5d: stack.push([]); break; // EMPTY_LIST
      case 0x29: stack.push([]); break; // EMPTY_TUPLE
      case 0x8f: stack.push(new Set()); break; // EMPTY_SET
      case 0x74: stack.push(popMark()); break; // TUPLE
      case 0x85: stack.push(stack.splice(-1)); break; // TUPLE1
      case 0x86: stack.push(stack.splice(-2)); break; // TUPLE2
      case 0x87: stack.push(stack.splice(-3)); break; // TUPLE3
      case 0x6c: stack.push(popMark()); break; // LIST
      case 0x64: { const items = popMark(); const d = new Map(); for (let i = 0; i < items.length; i += 2) d.set(items[i], items[i + 1]); stack.push(d); break; } // DICT
      case 0x4e: stack.push(null); break; // NONE
      case 0x88: stack.push(true); break;
      case 0x89: stack.push(false); break;
      case 0x4b: stack.push(u8()); break; // BININT1
      case 0x4d: stack.push(view.getUint16(pos, true)); pos += 2; break; // BININT2
      case 0x4a: stack.push(i32()); break; // BININT
      case 0x8a: { const n = u8(); stack.push(readLong(buf, pos, n)); pos += n; break; } // LONG1
      case 0x47: stack.push(view.getFloat64(pos, false)); pos += 8; break; // BINFLOAT (big-endian)
      case 0x58: stack.push(text(u32())); break; // BINUNICODE
      case 0x8c: stack.push(text(u8())); break; // SHORT_BINUNICODE
      case 0x8d: { const n = Number(view.getBigUint64(pos, true)); pos += 8; stack.push(text(n)); break; } // BINUNICODE8
      case 0x55: stack.push(text(u8())); break; // SHORT_BINSTRING
      case 0x54: stack.push(text(u32())); break; // BINSTRING
      case 0x43: { const n = u8(); stack.push(buf.slice(pos, pos + n)); pos += n; break; } // SHORT_BINBYTES
      case 0x42: { const n = u32(); stack.push(buf.slice(pos, pos + n)); pos += n; break; } // BINBYTES
      case 0x71: memo.set(u8(), top()); break; // BINPUT
      case 0x72: memo.set(u32(), top()); break; // LONG_BINPUT
      case 0x94: memo.set(memo.size, top()); break; // MEMOIZE
      case 0x68: stack.push(memo.get(u8())); break; // BINGET
      case 0x6a: stack.push(memo.get(u32())); break; // LONG_BINGET
      case 0x63: { const module = line(); const name = line(); stack.push({ kind: 'global', module, name } as GlobalRef); break; } // GLOBAL
      case 0x93: { const name = stack.pop() as string; const module = stack.pop() as string; stack.push({ kind: 'global', module, name } as GlobalRef); break; } // STACK_GLOBAL
      case 0x51: stack.push(persistentLoad(stack.pop(), where)); break; // BINPERSID
      case 0x52: { const args = stack.pop() as unknown[]; const fn = stack.pop() as GlobalRef; stack.push(reduce(fn, args)); break; } // REDUCE
      case 0x81: { const args = stack.pop() as unknown[]; const cls = stack.pop() as GlobalRef; stack.push(reduce(cls, args)); break; } // NEWOBJ
      case 0x62: { const state = stack.pop(); const obj = top(); if (obj && typeof obj === 'object' && (obj as ReducedObject).kind === 'object') (obj as ReducedObject).state = state; break; } // BUILD
      case 0x73: { const v = stack.pop(); const k = stack.pop(); (top() as Map<unknown, unknown>).set(k, v); break; } // SETITEM
      case 0x75: { const items = popMark(); const d = top() as Map<unknown, unknown>; for (let i = 0; i < items.length; i += 2) d.set(items[i], items[i + 1]); break; } // SETITEMS
      case 0x61: { const v = stack.pop(); (top() as unknown[]).push(v); break; } // APPEND
      case 0x65: { const items = popMark(); (top() as unknown[]).push(...items); break; } // APPENDS
      case 0x90: { const items = popMark(); const s = top() as Set<unknown>; items.forEach((i) => s.add(i)); break; } // ADDITEMS
      case 0x91: stack.push(new Set(popMark())); break; // FROZENSET
      default:
        throw new Error(`${where}: unsupported pickle opcode 0x${op.toString(16)} at byte ${pos - 1}; this does not look like a torch.save state dict.`);
    }
  }
}

/** LONG1: little-endian two's-complement integer of n bytes. */
function readLong(buf: Uint8Array, start: number, n: number): number {
  let v = 0n;
  for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(buf[start + i]);
  if (n > 0 && buf[start + n - 1] & 0x80) v -= 1n << BigInt(8 * n);
  return Number(v);
}

function persistentLoad(pid: unknown, where: string): StorageRef {
  const t = pid as unknown[];
  if (!Array.isArray(t) || t[0] !== 'storage') throw new Error(`${where}: unsupported persistent id ${JSON.stringify(t)}; expected a torch storage.`);
  const type = t[1] as GlobalRef;
  return { kind: 'storage', storageType: type.name, key: String(t[2]), numel: Number(t[4]) };
}

function reduce(fn: GlobalRef, args: unknown[]): unknown {
  const name = `${fn.module}.${fn.name}`;
  if (name === 'collections.OrderedDict') return new Map();
  if (name === 'torch._utils._rebuild_tensor_v2' || name === 'torch._utils._rebuild_tensor') {
    const [storage, offset, shape, stride] = args as [StorageRef, number, number[], number[]];
    return { kind: 'tensor', storage, offset, shape: [...shape], stride: [...stride] } as TensorRef;
  }
  if (name === 'torch._utils._rebuild_parameter' || name === 'torch._utils._rebuild_parameter_with_state') return args[0];
  return { kind: 'object', callable: fn, args } as ReducedObject;
}
