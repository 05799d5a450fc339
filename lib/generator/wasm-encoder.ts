/**
 * Just enough of the WebAssembly binary format to emit one module with
 * i64/i32 arithmetic, structured control flow and one linear memory. It exists
 * so the search kernel needs no toolchain and no committed binary.
 */

export const ValType = { i32: 0x7f, i64: 0x7e } as const;
export type ValType = (typeof ValType)[keyof typeof ValType];

/** Opcodes used by the kernel (core spec, section 5.4). */
export const Op = {
  block: 0x02,
  loop: 0x03,
  br_if: 0x0d,
  return: 0x0f,
  end: 0x0b,
  local_get: 0x20,
  local_set: 0x21,
  local_tee: 0x22,
  i64_load: 0x29,
  i64_store: 0x37,
  i32_const: 0x41,
  i64_const: 0x42,
  i32_eqz: 0x45,
  i64_ge_u: 0x5a,
  i32_sub: 0x6b,
  i64_add: 0x7c,
  i64_xor: 0x85,
  i64_rotr: 0x8a,
} as const;

const BLOCKTYPE_EMPTY = 0x40;

export function uleb(value: number): number[] {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`uleb: ${value}`);
  const out: number[] = [];
  do {
    let byte = value % 128;
    value = Math.floor(value / 128);
    if (value !== 0) byte |= 0x80;
    out.push(byte);
  } while (value !== 0);
  return out;
}

/** Signed LEB128 of a value taken as a two's-complement integer of `bits` bits. */
export function sleb(value: bigint, bits: 32 | 64): number[] {
  let v = BigInt.asIntN(bits, value);
  const out: number[] = [];
  for (;;) {
    const byte = Number(v & 0x7fn);
    v >>= 7n; // arithmetic shift on a signed bigint
    const done = (v === 0n && (byte & 0x40) === 0) || (v === -1n && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

/** Appends instructions to one function body. */
export class CodeWriter {
  readonly bytes: number[] = [];

  #op(code: number, ...imm: number[]): this {
    this.bytes.push(code, ...imm);
    return this;
  }

  block(): this {
    return this.#op(Op.block, BLOCKTYPE_EMPTY);
  }
  loop(): this {
    return this.#op(Op.loop, BLOCKTYPE_EMPTY);
  }
  end(): this {
    return this.#op(Op.end);
  }
  brIf(depth: number): this {
    return this.#op(Op.br_if, ...uleb(depth));
  }
  return(): this {
    return this.#op(Op.return);
  }
  localGet(index: number): this {
    return this.#op(Op.local_get, ...uleb(index));
  }
  localSet(index: number): this {
    return this.#op(Op.local_set, ...uleb(index));
  }
  localTee(index: number): this {
    return this.#op(Op.local_tee, ...uleb(index));
  }
  i32Const(value: number): this {
    return this.#op(Op.i32_const, ...sleb(BigInt(value), 32));
  }
  i64Const(value: bigint): this {
    return this.#op(Op.i64_const, ...sleb(value, 64));
  }
  /** Natural 8-byte alignment (log2 = 3) and a constant offset. */
  i64Load(offset: number): this {
    return this.#op(Op.i64_load, 3, ...uleb(offset));
  }
  i64Store(offset: number): this {
    return this.#op(Op.i64_store, 3, ...uleb(offset));
  }
  i32Eqz(): this {
    return this.#op(Op.i32_eqz);
  }
  i32Sub(): this {
    return this.#op(Op.i32_sub);
  }
  i64Add(): this {
    return this.#op(Op.i64_add);
  }
  i64Xor(): this {
    return this.#op(Op.i64_xor);
  }
  i64Rotr(): this {
    return this.#op(Op.i64_rotr);
  }
  i64GeU(): this {
    return this.#op(Op.i64_ge_u);
  }
}

export interface FunctionDef {
  readonly params: readonly ValType[];
  readonly results: readonly ValType[];
  /** Declared locals after the params, in index order. */
  readonly locals: readonly ValType[];
  readonly body: CodeWriter;
  readonly exportName: string;
}

export interface ModuleDef {
  readonly functions: readonly FunctionDef[];
  /** One linear memory of this many 64 KiB pages, exported under `memoryExport`. */
  readonly memoryPages: number;
  readonly memoryExport: string;
}

function vec(items: readonly number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

function section(id: number, payload: number[]): number[] {
  return [id, ...uleb(payload.length), ...payload];
}

function name(text: string): number[] {
  const utf8 = [...new TextEncoder().encode(text)];
  return [...uleb(utf8.length), ...utf8];
}

/** Run-length groups of equal types, as the code section wants them. */
function localGroups(locals: readonly ValType[]): number[][] {
  const groups: number[][] = [];
  let i = 0;
  while (i < locals.length) {
    let j = i;
    while (j < locals.length && locals[j] === locals[i]) j++;
    groups.push([...uleb(j - i), locals[i] as number]);
    i = j;
  }
  return groups;
}

export function encodeModule(def: ModuleDef): Uint8Array {
  const fns = def.functions;
  const EXPORT_FUNC = 0x00;
  const EXPORT_MEMORY = 0x02;
  const LIMITS_MIN_ONLY = 0x00;
  const bytes = [
    0x00,
    0x61,
    0x73,
    0x6d, // "\0asm"
    0x01,
    0x00,
    0x00,
    0x00, // version 1
    // One type per function keeps the indices trivial; there are very few functions.
    ...section(1, vec(fns.map((f) => [0x60, ...vec(f.params.map((t) => [t])), ...vec(f.results.map((t) => [t]))]))),
    ...section(3, vec(fns.map((_, i) => uleb(i)))),
    ...section(5, vec([[LIMITS_MIN_ONLY, ...uleb(def.memoryPages)]])),
    ...section(7, vec([...fns.map((f, i) => [...name(f.exportName), EXPORT_FUNC, ...uleb(i)]), [...name(def.memoryExport), EXPORT_MEMORY, 0]])),
    ...section(
      10,
      vec(
        fns.map((f) => {
          const body = [...vec(localGroups(f.locals)), ...f.body.bytes];
          return [...uleb(body.length), ...body];
        }),
      ),
    ),
  ];
  return Uint8Array.from(bytes);
}
