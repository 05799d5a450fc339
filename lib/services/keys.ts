import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** What a generated key starts with, so a leaked one can be recognised (and grepped for) as powgate's. */
export const KEY_PREFIX = 'pgk_';

/** A new API key: 32 random bytes (256 bits), base64url. Shown once; only its hash is kept. */
export function newKey(): string {
  return `${KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
}

/**
 * The stored form of a key: SHA-256, hex. A fast hash is enough here, unlike
 * for passwords: a generated key has 256 bits of entropy, so no dictionary or
 * brute-force search over keys can find one from its hash, and a slow hash
 * (bcrypt, scrypt) would only cost every request its time. A key declared in
 * the config file may be weaker, but the config file holds it in clear anyway.
 */
export function hashKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** Two key hashes compared in constant time (equal length: both are SHA-256 hex). */
export function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}
