/**
 * The nonce-search kernel: a WebAssembly module emitted at run time from the
 * specialised hash graph (blake2b-graph.ts) with the tiny encoder
 * (wasm-encoder.ts). No toolchain, no dependency, no binary in the repo.
 *
 * Export `search(target: i64, start: i64, count: i32) -> i32`:
 *   reads the root as four LE u64 words at ROOT_OFFSET, hashes nonces
 *   start, start+1, ... (mod 2^64) and stops at the first whose value >= target
 *   (unsigned). Returns 1 and writes the nonce to NONCE_OFFSET and its value to
 *   VALUE_OFFSET; or returns 0 after `count` nonces and writes the next untried
 *   nonce to NONCE_OFFSET. `count` is taken as unsigned; 0 tries nothing.
 * Export `memory`: one page.
 */

import { buildHashGraph, type GraphNode, type HashGraph, type Input, Stage } from './blake2b-graph.js';
import { type CompiledKernel, compileKernel, instantiateKernel, NONCE_OFFSET, ROOT_OFFSET, type SearchExports, VALUE_OFFSET } from './wasm-abi.js';
import { CodeWriter, encodeModule, ValType } from './wasm-encoder.js';

export { type CompiledKernel, instantiateKernel, NONCE_OFFSET, ROOT_OFFSET, type SearchExports, VALUE_OFFSET } from './wasm-abi.js';

const P_TARGET = 0;
const P_NONCE = 1;
const P_COUNT = 2;
const PARAMS = [ValType.i64, ValType.i64, ValType.i32] as const;

/**
 * Decides which graph nodes live in locals. A node is kept in a local when it
 * is read more than once, or when it is computed once per call (root-only) but
 * read inside the loop; any other node is emitted inline at its single reader.
 */
function materialised(graph: HashGraph): boolean[] {
  const { nodes } = graph;
  const uses = new Array<number>(nodes.length).fill(0);
  const crossesIntoLoop = new Array<boolean>(nodes.length).fill(false);
  nodes.forEach((n) => {
    for (const o of operandsOf(n)) {
      uses[o]!++;
      if (n.stage === Stage.Nonce && nodes[o]!.stage === Stage.Root) crossesIntoLoop[o] = true;
    }
  });
  return nodes.map((n, i) => {
    if (n.kind === 'const') return false;
    if (n.kind === 'input') return true;
    return i === graph.output || uses[i]! > 1 || crossesIntoLoop[i]!;
  });
}

function operandsOf(n: GraphNode): number[] {
  if (n.kind === 'add' || n.kind === 'xor') return [n.a, n.b];
  if (n.kind === 'rotr') return [n.a];
  return [];
}

/** Hands out i64 locals and takes them back once their value is dead. */
class LocalPool {
  readonly types: ValType[] = [];
  readonly #free: number[] = [];
  readonly #firstIndex: number;
  constructor(firstIndex: number) {
    this.#firstIndex = firstIndex;
  }

  take(): number {
    const reused = this.#free.pop();
    if (reused !== undefined) return reused;
    this.types.push(ValType.i64);
    return this.#firstIndex + this.types.length - 1;
  }
  release(index: number): void {
    this.#free.push(index);
  }
}

function emitSearch(graph: HashGraph): { body: CodeWriter; locals: ValType[] } {
  const { nodes } = graph;
  const inLocal = materialised(graph);
  const pool = new LocalPool(PARAMS.length);
  const localOf = new Map<number, number>();
  const w = new CodeWriter();

  // Statements are the materialised nodes, in graph order (a valid schedule, since
  // the graph is topologically sorted). Each reads some materialised operands;
  // a value's local is recycled after the last statement that reads it.
  const readsOf = (i: number): number[] => {
    const out: number[] = [];
    const walk = (j: number, top: boolean): void => {
      const n = nodes[j]!;
      if (!top && inLocal[j]) return void out.push(j);
      if (n.kind === 'const') return;
      for (const o of operandsOf(n)) walk(o, false);
    };
    walk(i, true);
    return out;
  };
  const statements = nodes.map((_, i) => i).filter((i) => inLocal[i] && nodes[i]!.kind !== 'input');
  const lastRead = new Map<number, number>();
  statements.forEach((s, order) => {
    for (const r of readsOf(s)) lastRead.set(r, order);
  });

  const emitExpr = (j: number, top: boolean): void => {
    const n = nodes[j]!;
    if (!top && inLocal[j]) {
      w.localGet(localOf.get(j)!);
      return;
    }
    switch (n.kind) {
      case 'const':
        w.i64Const(n.value);
        return;
      case 'input':
        throw new Error('inputs are always in locals');
      case 'add':
        emitExpr(n.a, false);
        emitExpr(n.b, false);
        w.i64Add();
        return;
      case 'xor':
        emitExpr(n.a, false);
        emitExpr(n.b, false);
        w.i64Xor();
        return;
      case 'rotr':
        emitExpr(n.a, false);
        w.i64Const(BigInt(n.by));
        w.i64Rotr();
        return;
    }
  };

  // Root-only values (and the loaded root words) stay live for the whole call, so
  // their locals are never recycled: a loop iteration must find them intact.
  const ROOT_INPUTS: readonly Input[] = ['root0', 'root1', 'root2', 'root3'];
  nodes.forEach((n, i) => {
    if (n.kind !== 'input') return;
    if (n.input === 'nonce') {
      localOf.set(i, P_NONCE);
      return;
    }
    const local = pool.take();
    localOf.set(i, local);
    w.i32Const(0)
      .i64Load(ROOT_OFFSET + 8 * ROOT_INPUTS.indexOf(n.input))
      .localSet(local);
  });
  const emitStatement = (s: number, order: number, recycle: boolean): void => {
    emitExpr(s, true);
    if (recycle) {
      for (const r of readsOf(s)) {
        if (lastRead.get(r) === order && nodes[r]!.stage === Stage.Nonce && nodes[r]!.kind !== 'input') {
          pool.release(localOf.get(r)!);
        }
      }
    }
    const local = pool.take();
    localOf.set(s, local);
    w.localSet(local);
  };
  statements.forEach((s, order) => {
    if (nodes[s]!.stage === Stage.Root) emitStatement(s, order, false);
  });

  const valueLocal = (): number => localOf.get(graph.output)!;
  w.block(); // $found
  w.block(); // $exhausted
  w.localGet(P_COUNT).i32Eqz().brIf(0);
  w.loop(); // $next
  statements.forEach((s, order) => {
    if (nodes[s]!.stage === Stage.Nonce) emitStatement(s, order, true);
  });
  // Depths from inside the loop: 0 = $next, 1 = $exhausted, 2 = $found.
  w.localGet(valueLocal()).localGet(P_TARGET).i64GeU().brIf(2);
  w.localGet(P_NONCE).i64Const(1n).i64Add().localSet(P_NONCE);
  w.localGet(P_COUNT).i32Const(1).i32Sub().localTee(P_COUNT).brIf(0);
  w.end(); // loop
  w.end(); // $exhausted
  w.i32Const(0).localGet(P_NONCE).i64Store(NONCE_OFFSET);
  w.i32Const(0).return();
  w.end(); // $found
  w.i32Const(0).localGet(P_NONCE).i64Store(NONCE_OFFSET);
  w.i32Const(0).localGet(valueLocal()).i64Store(VALUE_OFFSET);
  w.i32Const(1);
  w.end(); // function
  return { body: w, locals: pool.types };
}

let cachedBytes: Uint8Array | undefined;

/** The module's bytes; built once per process (a few milliseconds). */
export function searchModuleBytes(): Uint8Array {
  if (!cachedBytes) {
    const graph = buildHashGraph();
    if (graph.nodes[graph.output]!.stage !== Stage.Nonce) throw new Error('hash graph lost its nonce input');
    const { body, locals } = emitSearch(graph);
    cachedBytes = encodeModule({
      functions: [{ params: PARAMS, results: [ValType.i32], locals, body, exportName: 'search' }],
      memoryPages: 1,
      memoryExport: 'memory',
    });
  }
  return cachedBytes;
}

let cachedModule: CompiledKernel | undefined;

/** Compiled once; a Module can be sent to worker threads and instantiated there. */
export function searchModule(): CompiledKernel {
  cachedModule ??= compileKernel(searchModuleBytes());
  return cachedModule;
}

export interface SearchResult {
  readonly found: boolean;
  /** The found nonce, or the next untried one. */
  readonly nonce: bigint;
  /** The found nonce's work value; undefined when not found. */
  readonly value: bigint | undefined;
}

/**
 * A synchronous, single-threaded handle on one kernel instance, for tests and
 * tools. Never call it on the event loop with a large count: it blocks.
 */
export class Searcher {
  readonly #exports: SearchExports;
  readonly #words: BigUint64Array;

  constructor(module: CompiledKernel = searchModule()) {
    this.#exports = instantiateKernel(module);
    this.#words = new BigUint64Array(this.#exports.memory.buffer, 0, 6);
  }

  setRoot(root: Uint8Array): this {
    if (root.length !== 32) throw new RangeError('root must be 32 bytes');
    const view = new DataView(root.buffer, root.byteOffset, 32);
    for (let i = 0; i < 4; i++) this.#words[ROOT_OFFSET / 8 + i] = view.getBigUint64(8 * i, true);
    return this;
  }

  search(target: bigint, start: bigint, count: number): SearchResult {
    const found = this.#exports.search(target, start, count) === 1;
    const nonce = this.#words[NONCE_OFFSET / 8]!;
    return { found, nonce, value: found ? this.#words[VALUE_OFFSET / 8]! : undefined };
  }

  /** The work value of one nonce: a search of one nonce that any value meets. */
  value(nonce: bigint): bigint {
    return this.search(0n, nonce, 1).value!;
  }
}
