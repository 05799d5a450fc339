/**
 * The CPU worker, as a self-contained script for `new Worker(src, { eval: true })`.
 * Being a string, it runs the same under tsx from sources and from compiled
 * dist/, with no worker file to locate on disk. The compiled kernel arrives as
 * a WebAssembly.Module in workerData, so it is compiled once per process.
 *
 * The loop never waits for the main thread: it picks the next active slot
 * after the one it last served (round-robin, so concurrent jobs share the
 * threads), claims a nonce range with Atomics.add, runs one slice of ~2 ms and
 * looks at the slot table again. The slice runs either the WASM kernel or,
 * when the pool has it, the native addon's synchronous search(); the loop
 * around it is the same. A cancelled job is therefore dropped within
 * one slice, and an idle worker sleeps in Atomics.wait until a job is added.
 */

import {
  CLAIMER_SHIFT,
  GEN_MASK,
  GEN_SHIFT,
  HASHES_WORD,
  HEADER_WORDS,
  HIGH_I32,
  SHUTDOWN_I32,
  SLOT_NEXT,
  SLOT_ROOT,
  SLOT_TARGET,
  SLOT_WORDS,
  STATUS_MASK,
  Status,
  WAKE_I32,
} from './shared-layout.js';
import { NONCE_OFFSET, ROOT_OFFSET, type CompiledKernel } from './wasm.js';

export interface WorkerData {
  /** The WASM kernel, used when `native` is absent. */
  readonly module: CompiledKernel;
  /** The native addon to use instead: its file and the instruction set index (native.ts ISAS). */
  readonly native?: { readonly path: string; readonly isa: number };
  readonly shared: SharedArrayBuffer;
  readonly workerId: number;
  /** Milliseconds one slice should take; slice sizes adapt to it. */
  readonly sliceMs: number;
}

export const WORKER_SOURCE = `'use strict';
const { workerData, parentPort } = require('node:worker_threads');
const { module, native, shared, workerId, sliceMs } = workerData;
const i32 = new Int32Array(shared);
const i64 = new BigInt64Array(shared);
const MIN_SLICE = 256;
const MAX_SLICE = 1 << 22;

// kernel(target, start, count) -> the first nonce from start meeting target, or null;
// the root is written to rootWords beforehand.
let kernel, rootWords;
if (native) {
  const addon = require(native.path);
  const rootBytes = new Uint8Array(32);
  rootWords = new BigInt64Array(rootBytes.buffer);
  kernel = (target, start, count) =>
    addon.search(rootBytes, BigInt.asUintN(64, target), BigInt.asUintN(64, start), count, native.isa);
} else {
  const { search, memory } = new WebAssembly.Instance(module, {}).exports;
  const io = new BigInt64Array(memory.buffer, 0, 6);
  rootWords = io.subarray(${ROOT_OFFSET / 8}, ${ROOT_OFFSET / 8} + 4);
  kernel = (target, start, count) => (search(target, start, count) === 1 ? io[${NONCE_OFFSET / 8}] : null);
  // A fresh wasm function starts in V8's baseline tier (~20x slower here); one
  // short call makes V8 tier it up before the first real slice.
  search(-1n, 0n, 2048);
}

let slice = 4096;
let cursor = workerId;

function pick() {
  const high = Atomics.load(i32, ${HIGH_I32});
  for (let n = 1; n <= high; n++) {
    const k = (cursor + n) % high;
    if ((Atomics.load(i32, 2 * (${HEADER_WORDS} + k * ${SLOT_WORDS})) & ${STATUS_MASK}) === ${Status.Active}) return k;
  }
  return -1;
}

function runSlice(k) {
  const base = ${HEADER_WORDS} + k * ${SLOT_WORDS};
  const si = 2 * base;
  const state = Atomics.load(i32, si);
  if ((state & ${STATUS_MASK}) !== ${Status.Active}) return;
  const target = Atomics.load(i64, base + ${SLOT_TARGET});
  for (let j = 0; j < 4; j++) rootWords[j] = Atomics.load(i64, base + ${SLOT_ROOT} + j);
  const count = slice;
  const start = Atomics.add(i64, base + ${SLOT_NEXT}, BigInt(count));
  // Re-read: if the slot changed hands while we read it, what we read may mix two jobs.
  if (Atomics.load(i32, si) !== state) return;
  const t0 = performance.now();
  const nonce = kernel(target, start, count);
  const ms = performance.now() - t0;
  if (nonce === null) {
    Atomics.add(i64, ${HASHES_WORD}, BigInt(count));
    if (ms < sliceMs / 2 && slice < MAX_SLICE) slice *= 2;
    else if (ms > sliceMs * 2 && slice > MIN_SLICE) slice >>= 1;
    return;
  }
  Atomics.add(i64, ${HASHES_WORD}, BigInt.asUintN(64, nonce - start) + 1n);
  const won = (state & ~${STATUS_MASK}) | (workerId << ${CLAIMER_SHIFT}) | ${Status.Found};
  if (Atomics.compareExchange(i32, si, state, won) === state) {
    parentPort.postMessage({ slot: k, gen: (state >>> ${GEN_SHIFT}) & ${GEN_MASK}, nonce: BigInt.asUintN(64, nonce) });
  }
}

while (Atomics.load(i32, ${SHUTDOWN_I32}) === 0) {
  const wake = Atomics.load(i32, ${WAKE_I32});
  const k = pick();
  if (k < 0) {
    Atomics.wait(i32, ${WAKE_I32}, wake);
    continue;
  }
  cursor = k;
  runSlice(k);
}
`;
