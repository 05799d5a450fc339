import { workValue as referenceWorkValue } from '../pow/index.js';
import { searchModule } from './wasm.js';
import { instantiateKernel, ROOT_OFFSET, VALUE_OFFSET } from './wasm-abi.js';

const U64_MAX = 0xffffffffffffffffn;

interface Kernel {
  readonly search: (target: bigint, start: bigint, count: number) => number;
  /** The root's 32 bytes in the kernel's memory, where it reads them. */
  readonly root: Uint8Array;
  readonly words: BigUint64Array;
}

/** The kernel keeps the root as four little-endian words: a byte copy is that only on a little-endian host. */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
let kernel: Kernel | undefined;

function load(): Kernel {
  const exports = instantiateKernel(searchModule());
  return {
    search: exports.search,
    root: new Uint8Array(exports.memory.buffer, ROOT_OFFSET, 32),
    words: new BigUint64Array(exports.memory.buffer, 0, 6),
  };
}

/**
 * lib/pow's workValue, computed by the generator's WASM search kernel (a
 * search of one nonce that any value meets): about 0.3 µs against the pure-JS
 * BLAKE2b's 2.2 µs, on a path that runs it for every backend answer and every
 * cache hit (issue 12). Same inputs, same value, same RangeErrors; lib/pow
 * keeps the reference (test/generator/work-value.test.ts checks they agree).
 * The kernel is compiled on the first call (tens of ms, once per process),
 * or ahead of it by `prepareWorkValue`.
 */
export function workValue(root: Uint8Array, work: bigint): bigint {
  if (!LITTLE_ENDIAN) return referenceWorkValue(root, work);
  if (root.length !== 32) throw new RangeError(`root must be 32 bytes, got ${root.length}`);
  if (work < 0n || work > U64_MAX) throw new RangeError(`work is not a u64: ${work}`);
  const k = (kernel ??= load());
  k.root.set(root);
  k.search(0n, work, 1);
  return k.words[VALUE_OFFSET / 8] as bigint;
}

/** Compiles the kernel now (start-up), so that the first request does not wait for it. */
export function prepareWorkValue(): void {
  if (LITTLE_ENDIAN) kernel ??= load();
}
