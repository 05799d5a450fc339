// BLAKE2b (RFC 7693), unkeyed. `workValue` is the PoW hot path and runs the
// generated single-block code in work-value.ts; `blake2b` is the plain
// general version, used for the 5-byte account checksum.
import { BLAKE2B_IV, BLAKE2B_SIGMA } from './blake2b-constants.js';
import { workValueUnchecked } from './work-value.js';

const U64_MAX = 0xffffffffffffffffn;

// value = LE_u64(blake2b(outlen = 8)(LE_u64(work) || root)). The digest
// length is part of the parameter block, so this is not a truncated
// BLAKE2b-512.
export function workValue(root: Uint8Array, work: bigint): bigint {
  if (root.length !== 32) throw new RangeError(`root must be 32 bytes, got ${root.length}`);
  // The DataView store would silently wrap anything outside u64.
  if (work < 0n || work > U64_MAX) throw new RangeError(`work is not a u64: ${work}`);
  return workValueUnchecked(root, work);
}

const IV = BigUint64Array.from(BLAKE2B_IV);
const SIGMA = BLAKE2B_SIGMA;

const BLOCK_BYTES = 128;

// Stores into a BigUint64Array wrap mod 2^64, which supplies the masking.
function rotr(x: bigint, n: bigint): bigint {
  return (x >> n) | (x << (64n - n));
}

function get(words: BigUint64Array, i: number): bigint {
  const w = words[i];
  if (w === undefined) throw new RangeError(`word ${i}`);
  return w;
}

function mix(v: BigUint64Array, a: number, b: number, c: number, d: number, x: bigint, y: bigint): void {
  v[a] = get(v, a) + get(v, b) + x;
  v[d] = rotr(get(v, d) ^ get(v, a), 32n);
  v[c] = get(v, c) + get(v, d);
  v[b] = rotr(get(v, b) ^ get(v, c), 24n);
  v[a] = get(v, a) + get(v, b) + y;
  v[d] = rotr(get(v, d) ^ get(v, a), 16n);
  v[c] = get(v, c) + get(v, d);
  v[b] = rotr(get(v, b) ^ get(v, c), 63n);
}

function compress(h: BigUint64Array, block: DataView, bytesSoFar: number, last: boolean): void {
  const m = new BigUint64Array(16);
  for (let i = 0; i < 16; i++) m[i] = block.getBigUint64(i * 8, true);
  const v = new BigUint64Array(16);
  v.set(h);
  v.set(IV, 8);
  v[12] = get(v, 12) ^ BigInt(bytesSoFar); // counter high word stays 0: inputs are < 2^64 bytes
  if (last) v[14] = ~get(v, 14);
  for (let round = 0; round < 12; round++) {
    const s = SIGMA[round % 10]!;
    mix(v, 0, 4, 8, 12, get(m, s[0]!), get(m, s[1]!));
    mix(v, 1, 5, 9, 13, get(m, s[2]!), get(m, s[3]!));
    mix(v, 2, 6, 10, 14, get(m, s[4]!), get(m, s[5]!));
    mix(v, 3, 7, 11, 15, get(m, s[6]!), get(m, s[7]!));
    mix(v, 0, 5, 10, 15, get(m, s[8]!), get(m, s[9]!));
    mix(v, 1, 6, 11, 12, get(m, s[10]!), get(m, s[11]!));
    mix(v, 2, 7, 8, 13, get(m, s[12]!), get(m, s[13]!));
    mix(v, 3, 4, 9, 14, get(m, s[14]!), get(m, s[15]!));
  }
  for (let i = 0; i < 8; i++) h[i] = get(h, i) ^ get(v, i) ^ get(v, i + 8);
}

export function blake2b(input: Uint8Array, outlen: number): Uint8Array {
  if (!Number.isInteger(outlen) || outlen < 1 || outlen > 64) throw new RangeError(`outlen must be 1..64, got ${outlen}`);
  const h = BigUint64Array.from(IV);
  h[0] = get(h, 0) ^ 0x01010000n ^ BigInt(outlen); // parameter block: no key, fanout 1, depth 1
  // The last block (possibly empty input) is always compressed with the
  // final flag, so full blocks are only compressed eagerly when more follow.
  const block = new Uint8Array(BLOCK_BYTES);
  const view = new DataView(block.buffer);
  let offset = 0;
  while (input.length - offset > BLOCK_BYTES) {
    block.set(input.subarray(offset, offset + BLOCK_BYTES));
    offset += BLOCK_BYTES;
    compress(h, view, offset, false);
  }
  block.fill(0);
  block.set(input.subarray(offset));
  compress(h, view, input.length, true);
  const out = new Uint8Array(64);
  const outView = new DataView(out.buffer);
  for (let i = 0; i < 8; i++) outView.setBigUint64(i * 8, get(h, i), true);
  return out.slice(0, outlen);
}
