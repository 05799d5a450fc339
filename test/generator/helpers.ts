import { randomBytes } from 'node:crypto';
import { validateWork } from 'nanocurrency';

/** Nano dev thresholds (spec §4): real work for any root in microseconds. */
export const DEV_BASE = 0xffc0000000000000n;
export const DEV_RECEIVE = 0xf000000000000000n;
export const IMPOSSIBLE = 0xffffffffffffffffn;

/** spec/node-rpc.md §6: root, work, value. */
export const VECTORS: readonly [string, bigint, bigint][] = [
  ['718CC2121C3E641059BC1C2CFC45666C99E8AE922F7A807B7D07B62C995D79E2', 0x2b3d689bbcb21dcan, 0xfffffff93c41ec94n],
  ['718CC2121C3E641059BC1C2CFC45666C99E8AE922F7A807B7D07B62C995D79E2', 0x2bf29ef00786a6bcn, 0xffffffd21c3933f4n],
  ['E89208DD038FBB269987689621D52292AE9C35941A7484756ECCED92A65093BA', 0x62f05417dd3fb691n, 0xfffffff4000d3dacn],
  ['2514452A978F08D1CF76BB40B6AD064183CF275D3CC5D3E0515DC96E2112AD4E', 0xfa055f79fa56abcfn, 0xfffffffcc19540e9n],
  ['C05B995C518530876CF8AB876FD93577955A51D05971A19CDE243514B5A25F47', 0x64277ffb135de20cn, 0xfffffffa780aff94n],
  ['3F93C5CD2E314FA16702189041E68E68C07B27961BF37F0B7705145BEFBA3AA3', 0x205452237a9b01f4n, 0xffffffff287741bfn],
  ['F1C59E6C738BB82221E082910740BADC58301F8F32291E07CCC4CDBEEAD44348', 0x205452237a9b01f4n, 0xe4b415cbdd3dc067n],
  ['E2D8BD730E1512568378EC61A2367431F8AC35E66C46508CD0F9F3BCD94DE29B', 0x0000000000000000n, 0xfffffe969af69900n],
  ['9DB2961B2D01D49C53AE6C9E513BC51AC04273CD4DAC4277F82B44B4F084A91A', 0xb2ff948c874e7d62n, 0xfffffffb301de30fn],
  ['3ED191EC702F384514BA35E1F9081148DF5A9AB48FE0F604B6E5B9F7177CEE32', 0xbb6737f2daf01a2cn, 0x74bbaa4490886de7n],
];

export const u64Hex = (x: bigint): string => x.toString(16).padStart(16, '0');
export const rootHex = (root: Uint8Array): string => Buffer.from(root).toString('hex').toUpperCase();
export const randomRoot = (): Uint8Array => new Uint8Array(randomBytes(32));

/** Independent oracle (nanocurrency, GPL, tests only): does work meet threshold? */
export function oracleMeets(root: Uint8Array, work: bigint, threshold: bigint): boolean {
  return validateWork({ blockHash: rootHex(root), work: u64Hex(work), threshold: u64Hex(threshold) });
}

/**
 * The oracle only answers yes/no; value v is pinned exactly when work meets v
 * and (unless v is the maximum) does not meet v + 1.
 */
export function oracleConfirmsValue(root: Uint8Array, work: bigint, value: bigint): boolean {
  return oracleMeets(root, work, value) && (value === IMPOSSIBLE || !oracleMeets(root, work, value + 1n));
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Settles to the rejection reason, or throws if the promise resolved. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}
