// Nano-style account addresses: prefix, then 60 base32 characters holding
// 4 zero padding bits, the 256-bit public key and a 40-bit checksum
// (blake2b(key, 5) with its bytes reversed). Mirrors nano-node's
// public_key::decode_account / encode_account.
import { blake2b } from './blake2b.js';

const ALPHABET = '13456789abcdefghijkmnopqrstuwxyz';
// Lower-case only, as in the node's reverse table.
const VALUES = new Map([...ALPHABET].map((c, i) => [c, i] as const));

const KEY_BYTES = 32;
const CHECKSUM_BYTES = 5;
const ENCODED_CHARS = 60;

function checksum(publicKey: Uint8Array): Uint8Array {
  return blake2b(publicKey, CHECKSUM_BYTES).reverse();
}

export function decodeAccount(address: string, prefixes: readonly string[]): Uint8Array | undefined {
  const prefix = prefixes.find((p) => address.startsWith(p));
  if (prefix === undefined) return undefined;
  const encoded = address.slice(prefix.length);
  if (encoded.length !== ENCODED_CHARS) return undefined;
  // The first character carries the 4 padding bits and the key's top bit,
  // so only '1' (0) and '3' (1) keep the padding zero.
  const first = encoded[0];
  if (first !== '1' && first !== '3') return undefined;

  // 1 + 59 * 5 = 296 bits = 32 key bytes + 5 checksum bytes.
  const bytes = new Uint8Array(KEY_BYTES + CHECKSUM_BYTES);
  let acc = first === '3' ? 1 : 0;
  let bits = 1;
  let n = 0;
  for (let i = 1; i < ENCODED_CHARS; i++) {
    const value = VALUES.get(encoded.charAt(i));
    if (value === undefined) return undefined;
    acc = (acc << 5) | value;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      bytes[n++] = acc >>> bits;
      acc &= (1 << bits) - 1;
    }
  }

  const publicKey = bytes.slice(0, KEY_BYTES);
  const expected = checksum(publicKey);
  for (let i = 0; i < CHECKSUM_BYTES; i++) {
    if (bytes[KEY_BYTES + i] !== expected[i]) return undefined;
  }
  return publicKey;
}

export function encodeAccount(publicKey: Uint8Array, prefix: string): string {
  if (publicKey.length !== KEY_BYTES) throw new RangeError(`public key must be 32 bytes, got ${publicKey.length}`);
  let out = prefix;
  // Start with the 4 padding bits already counted: 4 + 296 = 300 = 60 * 5.
  let acc = 0;
  let bits = 4;
  for (const byte of [...publicKey, ...checksum(publicKey)]) {
    acc = (acc << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += ALPHABET.charAt((acc >>> bits) & 31);
    }
    acc &= (1 << bits) - 1;
  }
  return out;
}
