import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { addressList, onList } from '../net/addresses.js';

export interface CallbackGuardOptions {
  /** Required on every callback when set: `?secret=` in the URL (the node's callback_target can carry it) or `Authorization: Bearer`. */
  readonly secret?: string;
  /** Source addresses and subnets allowed to call; empty means any. */
  readonly allow: readonly string[];
  /** Callbacks taken per second, with a burst of as many. */
  readonly rate: number;
}

export type Admission =
  /** `trusted`: a configured secret or allow-list vouched for the sender, so its confirmations need no check with the node. */
  { readonly ok: true; readonly trusted: boolean } | { readonly ok: false; readonly status: 403 | 429 };

/**
 * Who may POST /callback, and how often. Judged before the body is read: a
 * refused caller costs a header parse, not a body. With neither a secret nor
 * an allow-list configured every caller is let in but none is trusted, so
 * what it claims is checked with the node before precache acts on it.
 */
export function callbackGuard(options: CallbackGuardOptions, now: () => number = Date.now): (req: IncomingMessage) => Admission {
  const secret = options.secret === undefined ? undefined : digest(options.secret);
  const allowed = options.allow.length === 0 ? undefined : addressList(options.allow);
  const vouched = secret !== undefined || allowed !== undefined;
  // A token bucket: `rate` tokens a second, holding at most `rate`.
  let tokens = options.rate;
  let last = now();

  return (req) => {
    if (allowed !== undefined && !onList(allowed, req.socket.remoteAddress)) return { ok: false, status: 403 };
    if (secret !== undefined && !matches(secret, presented(req))) return { ok: false, status: 403 };
    const t = now();
    tokens = Math.min(options.rate, tokens + ((t - last) / 1000) * options.rate);
    last = t;
    if (tokens < 1) return { ok: false, status: 429 };
    tokens--;
    return { ok: true, trusted: vouched };
  };
}

function presented(req: IncomingMessage): string | undefined {
  const auth = req.headers.authorization;
  if (typeof auth === 'string' && auth.startsWith('Bearer ')) return auth.slice(7).trim();
  const url = req.url ?? '';
  const query = url.indexOf('?');
  if (query < 0) return undefined;
  return new URLSearchParams(url.slice(query + 1)).get('secret') ?? undefined;
}

/** Compared as digests, in constant time: neither the length nor a prefix of the secret leaks. */
function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

function matches(expected: Buffer, given: string | undefined): boolean {
  return given !== undefined && timingSafeEqual(expected, digest(given));
}
