/**
 * Worker-thread entry of the CPU pool (./pool.ts). The compiled WASM kernel
 * arrives as a WebAssembly.Module in workerData, so it is compiled once per
 * process; the native addon, when the pool uses it, is loaded here by path.
 *
 * The loop never waits for the main thread: it picks the next active slot
 * after the one it last served (round-robin, so concurrent jobs share the
 * threads), claims a nonce range with Atomics.add, runs one slice of ~2 ms and
 * looks at the slot table again. The slice runs either the WASM kernel or the
 * native addon's synchronous search(); the loop around it is the same. A
 * cancelled job is therefore dropped within one slice, and an idle worker
 * sleeps in Atomics.wait until a job is added.
 */

import { createRequire } from 'node:module';
import { type MessagePort, parentPort, workerData } from 'node:worker_threads';
import type { NativeAddon } from './native.js';
import {
  CLAIMER_SHIFT,
  type CpuWorkerData,
  type FoundMessage,
  GEN_MASK,
  GEN_SHIFT,
  HASHES_WORD,
  HIGH_I32,
  SHUTDOWN_I32,
  SLOT_NEXT,
  SLOT_ROOT,
  SLOT_TARGET,
  STATUS_MASK,
  Status,
  slotWord,
  WAKE_I32,
} from './shared-layout.js';
import { instantiateKernel, NONCE_OFFSET, ROOT_OFFSET } from './wasm-abi.js';

if (!parentPort) throw new Error('the CPU worker must run in a worker thread');
const port: MessagePort = parentPort;

const { module, native, shared, workerId, sliceMs } = workerData as CpuWorkerData;
const i32 = new Int32Array(shared);
const i64 = new BigInt64Array(shared);
const MIN_SLICE = 256;
const MAX_SLICE = 1 << 22;

/** The first nonce from `start` (of `count`) whose value meets `target`, or null; the root is in rootWords beforehand. */
type Kernel = (target: bigint, start: bigint, count: number) => bigint | null;

function nativeKernel(path: string, isa: number): { kernel: Kernel; rootWords: BigInt64Array } {
  const addon = createRequire(import.meta.url)(path) as NativeAddon;
  const rootBytes = new Uint8Array(32);
  return {
    rootWords: new BigInt64Array(rootBytes.buffer),
    kernel: (target, start, count) => addon.search(rootBytes, BigInt.asUintN(64, target), BigInt.asUintN(64, start), count, isa),
  };
}

function wasmKernel(): { kernel: Kernel; rootWords: BigInt64Array } {
  const { search, memory } = instantiateKernel(module);
  const io = new BigInt64Array(memory.buffer, 0, 6);
  // A fresh wasm function starts in V8's baseline tier (~20x slower here); one
  // short call makes V8 tier it up before the first real slice.
  search(-1n, 0n, 2048);
  return {
    rootWords: io.subarray(ROOT_OFFSET / 8, ROOT_OFFSET / 8 + 4),
    kernel: (target, start, count) => (search(target, start, count) === 1 ? io[NONCE_OFFSET / 8]! : null),
  };
}

const { kernel, rootWords } = native ? nativeKernel(native.path, native.isa) : wasmKernel();

let slice = 4096;
let cursor = workerId;

/** The next active slot after the cursor, or -1. */
function pick(): number {
  const high = Atomics.load(i32, HIGH_I32);
  for (let n = 1; n <= high; n++) {
    const k = (cursor + n) % high;
    if ((Atomics.load(i32, 2 * slotWord(k)) & STATUS_MASK) === Status.Active) return k;
  }
  return -1;
}

function runSlice(k: number): void {
  const base = slotWord(k);
  const si = 2 * base;
  const state = Atomics.load(i32, si);
  if ((state & STATUS_MASK) !== Status.Active) return;
  const target = Atomics.load(i64, base + SLOT_TARGET);
  for (let j = 0; j < 4; j++) rootWords[j] = Atomics.load(i64, base + SLOT_ROOT + j);
  const count = slice;
  const start = Atomics.add(i64, base + SLOT_NEXT, BigInt(count));
  // Re-read: if the slot changed hands while we read it, what we read may mix two jobs.
  if (Atomics.load(i32, si) !== state) return;
  const t0 = performance.now();
  const nonce = kernel(target, start, count);
  const ms = performance.now() - t0;
  if (nonce === null) {
    Atomics.add(i64, HASHES_WORD, BigInt(count));
    if (ms < sliceMs / 2 && slice < MAX_SLICE) slice *= 2;
    else if (ms > sliceMs * 2 && slice > MIN_SLICE) slice >>= 1;
    return;
  }
  Atomics.add(i64, HASHES_WORD, BigInt.asUintN(64, nonce - start) + 1n);
  const won = (state & ~STATUS_MASK) | (workerId << CLAIMER_SHIFT) | Status.Found;
  if (Atomics.compareExchange(i32, si, state, won) === state) {
    const found: FoundMessage = { slot: k, gen: (state >>> GEN_SHIFT) & GEN_MASK, nonce: BigInt.asUintN(64, nonce) };
    port.postMessage(found);
  }
}

while (Atomics.load(i32, SHUTDOWN_I32) === 0) {
  const wake = Atomics.load(i32, WAKE_I32);
  const k = pick();
  if (k < 0) {
    Atomics.wait(i32, WAKE_I32, wake);
    continue;
  }
  cursor = k;
  runSlice(k);
}
