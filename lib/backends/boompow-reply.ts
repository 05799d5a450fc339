import { parseWorkHex } from '../pow/index.js';

/** What one BoomPoW v2 answer means for us (spec distributed-pow.md 3.2-3.6). */
export type BoompowVerdict =
  | { readonly kind: 'work'; readonly work: bigint }
  /** The token was refused (HTTP 403) or may not request work (`access denied`). */
  | { readonly kind: 'config'; readonly detail: string }
  /** `timeout` (no worker within the server's 30 s) or HTTP 429: worth asking again after a pause. */
  | { readonly kind: 'retry'; readonly reason: string }
  | { readonly kind: 'error'; readonly message: string };

export function readBoompowReply(status: number, text: string): BoompowVerdict {
  // The 403 body is text/plain and the 429 one plain text: decide on the status first.
  if (status === 403) return { kind: 'config', detail: 'BoomPoW refused the token (HTTP 403 Invalid token)' };
  if (status === 429) return { kind: 'retry', reason: 'HTTP 429 (rate limited)' };
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { kind: 'error', message: status === 200 ? 'reply is not JSON' : `HTTP ${status}` };
  }
  const data = (body as { data?: { workGenerate?: unknown } } | null)?.data;
  const errors = (body as { errors?: unknown } | null)?.errors;
  const first = Array.isArray(errors) ? (errors[0] as { message?: unknown } | undefined)?.message : undefined;
  if (status === 200 && typeof data?.workGenerate === 'string') {
    const work = parseWorkHex(data.workGenerate);
    return work === undefined ? { kind: 'error', message: 'malformed work' } : { kind: 'work', work };
  }
  if (typeof first !== 'string') return { kind: 'error', message: status === 200 ? 'reply has neither work nor errors' : `HTTP ${status}` };
  if (status === 200 && first === 'access denied') {
    return { kind: 'config', detail: 'BoomPoW denied access (the token is unknown to it, banned, or may not request work)' };
  }
  if (status === 200 && first === 'timeout') return { kind: 'retry', reason: 'timeout (no worker answered)' };
  return { kind: 'error', message: status === 200 ? first : `HTTP ${status}: ${first}` };
}
