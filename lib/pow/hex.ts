// Hex forms accepted and produced by the node RPC (spec §0). The node reads
// hex as a number, so short input is left-padded rather than rejected.

const WORK_HEX = /^[0-9a-fA-F]{1,16}$/;
const ROOT_HEX = /^[0-9a-fA-F]{1,64}$/;
const EVEN_HEX = /^(?:[0-9a-fA-F]{2})*$/;

export function parseWorkHex(s: string): bigint | undefined {
  return WORK_HEX.test(s) ? BigInt('0x' + s) : undefined;
}

export function formatWorkHex(v: bigint): string {
  if (v < 0n || v > 0xffffffffffffffffn) throw new RangeError(`not a u64: ${v}`);
  return v.toString(16).padStart(16, '0');
}

export function parseRootHex(s: string): string | undefined {
  return ROOT_HEX.test(s) ? s.toUpperCase().padStart(64, '0') : undefined;
}

// Digits are validated up front, so a char code's nibble is all that is left.
function nibble(code: number): number {
  return code <= 0x39 ? code - 0x30 : (code | 0x20) - 0x57;
}

export function hexToBytes(hex: string): Uint8Array {
  if (!EVEN_HEX.test(hex)) throw new TypeError('expected an even number of hex digits');
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) {
    out[i] = (nibble(hex.charCodeAt(2 * i)) << 4) | nibble(hex.charCodeAt(2 * i + 1));
  }
  return out;
}

const BYTE_HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).toUpperCase().padStart(2, '0'));

export function bytesToHex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += BYTE_HEX[b];
  return s;
}
