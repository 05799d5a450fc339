/**
 * A plain JavaScript work value: textbook BLAKE2b (outlen 8) on 32-bit halves,
 * not specialised. It is the baseline the benchmark compares the WASM kernel
 * with, and a second implementation the tests check the kernel against.
 */
import { BLAKE2B_IV32, BLAKE2B_SIGMA } from '../../lib/pow/blake2b-constants.js';

const IV32 = Uint32Array.from(BLAKE2B_IV32);

const SIGMA = [...BLAKE2B_SIGMA, BLAKE2B_SIGMA[0]!, BLAKE2B_SIGMA[1]!].map((row) => Uint32Array.from(row));

/** Word i of a u64 array held as [lo0, hi0, lo1, hi1, ...]. */
function add64(v: Uint32Array, a: number, b: number): void {
  const lo = v[2 * a]! + v[2 * b]!;
  v[2 * a + 1] = v[2 * a + 1]! + v[2 * b + 1]! + (lo >= 0x100000000 ? 1 : 0);
  v[2 * a] = lo;
}

function addMsg(v: Uint32Array, a: number, m: Uint32Array, i: number): void {
  const lo = v[2 * a]! + m[2 * i]!;
  v[2 * a + 1] = v[2 * a + 1]! + m[2 * i + 1]! + (lo >= 0x100000000 ? 1 : 0);
  v[2 * a] = lo;
}

/** v[d] = rotr(v[d] ^ v[a], n) for 0 < n < 64. */
function xorRotr(v: Uint32Array, d: number, a: number, n: number): void {
  let lo = v[2 * d]! ^ v[2 * a]!;
  let hi = v[2 * d + 1]! ^ v[2 * a + 1]!;
  if (n >= 32) {
    [lo, hi] = [hi, lo];
    n -= 32;
  }
  if (n > 0) {
    [lo, hi] = [(lo >>> n) | (hi << (32 - n)), (hi >>> n) | (lo << (32 - n))];
  }
  v[2 * d] = lo;
  v[2 * d + 1] = hi;
}

function mix(v: Uint32Array, m: Uint32Array, a: number, b: number, c: number, d: number, x: number, y: number): void {
  add64(v, a, b);
  addMsg(v, a, m, x);
  xorRotr(v, d, a, 32);
  add64(v, c, d);
  xorRotr(v, b, c, 24);
  add64(v, a, b);
  addMsg(v, a, m, y);
  xorRotr(v, d, a, 16);
  add64(v, c, d);
  xorRotr(v, b, c, 63);
}

/** Reusable buffers so a search loop allocates nothing per nonce. */
export class ReferenceHasher {
  private readonly m = new Uint32Array(32);
  private readonly v = new Uint32Array(32);
  private readonly h = new Uint32Array(16);
  private readonly msgView = new DataView(this.m.buffer);

  constructor(root: Uint8Array) {
    if (root.length !== 32) throw new RangeError('root must be 32 bytes');
    for (let i = 0; i < 32; i++) this.msgView.setUint8(8 + i, root[i]!);
  }

  /** value(root, nonce): LE u64 of BLAKE2b-64(LE(nonce) || root). */
  value(nonce: bigint): bigint {
    const { m, v, h } = this;
    this.msgView.setBigUint64(0, BigInt.asUintN(64, nonce), true);
    h.set(IV32);
    h[0] = h[0]! ^ 0x01010008; // depth 1, fanout 1, no key, digest length 8
    v.set(h, 0);
    v.set(IV32, 16);
    v[24] = v[24]! ^ 40; // byte counter t0 = 40
    v[28] = ~v[28]!; // last-block flag f0
    v[29] = ~v[29]!;
    for (let r = 0; r < 12; r++) {
      const s = SIGMA[r]!;
      mix(v, m, 0, 4, 8, 12, s[0]!, s[1]!);
      mix(v, m, 1, 5, 9, 13, s[2]!, s[3]!);
      mix(v, m, 2, 6, 10, 14, s[4]!, s[5]!);
      mix(v, m, 3, 7, 11, 15, s[6]!, s[7]!);
      mix(v, m, 0, 5, 10, 15, s[8]!, s[9]!);
      mix(v, m, 1, 6, 11, 12, s[10]!, s[11]!);
      mix(v, m, 2, 7, 8, 13, s[12]!, s[13]!);
      mix(v, m, 3, 4, 9, 14, s[14]!, s[15]!);
    }
    const lo = (h[0]! ^ v[0]! ^ v[16]!) >>> 0;
    const hi = (h[1]! ^ v[1]! ^ v[17]!) >>> 0;
    return (BigInt(hi) << 32n) | BigInt(lo);
  }
}

export function referenceWorkValue(root: Uint8Array, nonce: bigint): bigint {
  return new ReferenceHasher(root).value(nonce);
}
