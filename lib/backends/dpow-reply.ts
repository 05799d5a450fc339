import { parseWorkHex } from '../pow/index.js';

/** What one DPoW reply means for us (spec distributed-pow.md 1.3). */
export type DpowVerdict =
  | { readonly kind: 'work'; readonly work: bigint }
  /** `"work": "0"`: the server's own pending marker, handed out as a success when a shared wait is cancelled. */
  | { readonly kind: 'pending' }
  /** `"timeout": true`: no worker answered in time; a late result is cached server-side, so a retry may succeed at once. */
  | { readonly kind: 'timeout' }
  /** `Invalid credentials`: unknown user or wrong key (one string for both). */
  | { readonly kind: 'credentials' }
  | { readonly kind: 'error'; readonly message: string };

export const INVALID_CREDENTIALS = 'Invalid credentials';

export function readDpowReply(reply: Record<string, unknown>): DpowVerdict {
  const { work, error } = reply;
  if (typeof work === 'string') {
    if (work === '0') return { kind: 'pending' };
    const value = parseWorkHex(work);
    return value === undefined ? { kind: 'error', message: 'malformed work' } : { kind: 'work', work: value };
  }
  // Only the timeout error carries `timeout: true`; nothing else tells errors apart but their text.
  if (reply.timeout === true) return { kind: 'timeout' };
  if (error === INVALID_CREDENTIALS) return { kind: 'credentials' };
  if (typeof error === 'string') return { kind: 'error', message: error };
  return { kind: 'error', message: 'reply has neither work nor error' };
}
