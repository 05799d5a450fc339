import type { IncomingMessage } from 'node:http';

export class BodyTooLargeError extends Error {}

/** Past this much, an oversized body is not even drained: the socket is dropped. */
const DRAIN_LIMIT = 16 << 20;

/**
 * Reads the whole request body as UTF-8. An oversized body is drained and
 * discarded (so the client can read our error) and rejected afterwards.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    collectBody(req, limit, (err, raw) => {
      if (err === undefined) resolve(raw);
      else reject(err);
    });
  });
}

/**
 * readBody with a callback, called once: the RPC endpoint's form, with no
 * promise per request (issue 12).
 */
export function collectBody(req: IncomingMessage, limit: number, done: (err: Error | undefined, raw: string) => void): void {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > DRAIN_LIMIT) {
    req.socket.destroy();
    done(new BodyTooLargeError(), '');
    return;
  }
  // Plain events rather than an async iterator: this runs for every request.
  let first: Buffer | undefined;
  let chunks: Buffer[] | undefined;
  let size = 0;
  let finished = false;
  const finish = (err: Error | undefined, raw: string): void => {
    if (finished) return;
    finished = true;
    done(err, raw);
  };
  req.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size > DRAIN_LIMIT) {
      req.socket.destroy();
      finish(new BodyTooLargeError(), '');
    } else if (size <= limit) {
      if (first === undefined) first = chunk;
      else (chunks ??= [first]).push(chunk);
    }
  });
  req.on('end', () => {
    if (size > limit) finish(new BodyTooLargeError(), '');
    else finish(undefined, chunks !== undefined ? Buffer.concat(chunks).toString('utf8') : (first?.toString('utf8') ?? ''));
  });
  req.on('error', (err) => finish(err, ''));
}

/** The node refuses JSON nested deeper than its max_json_depth (20). */
export function jsonDepthExceeds(value: unknown, max: number): boolean {
  return deeper(value, 1, max);
}

/**
 * Recursion stops at `max` + 1 levels, so the stack stays shallow whatever the
 * input; a flat request (every RPC request) allocates nothing here.
 */
function deeper(node: unknown, depth: number, max: number): boolean {
  if (typeof node !== 'object' || node === null) return false;
  if (depth > max) return true;
  if (Array.isArray(node)) {
    for (const child of node as unknown[]) if (typeof child === 'object' && child !== null && deeper(child, depth + 1, max)) return true;
    return false;
  }
  for (const key in node) {
    if (!Object.hasOwn(node, key)) continue;
    const child = (node as Record<string, unknown>)[key];
    if (typeof child === 'object' && child !== null && deeper(child, depth + 1, max)) return true;
  }
  return false;
}
