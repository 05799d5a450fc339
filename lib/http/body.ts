import type { IncomingMessage } from 'node:http';

export class BodyTooLargeError extends Error {}

/** Past this much, an oversized body is not even drained: the socket is dropped. */
const DRAIN_LIMIT = 16 << 20;

/**
 * Reads the whole request body as UTF-8. An oversized body is drained and
 * discarded (so the client can read our error) and rejected afterwards.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > DRAIN_LIMIT) {
    req.socket.destroy();
    return Promise.reject(new BodyTooLargeError());
  }
  // Plain events rather than an async iterator: this runs for every request.
  return new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > DRAIN_LIMIT) {
        req.socket.destroy();
        reject(new BodyTooLargeError());
      } else if (size <= limit) {
        chunks.push(chunk);
      }
    });
    req.on('end', () => {
      if (size > limit) reject(new BodyTooLargeError());
      else resolve(chunks.length === 1 ? (chunks[0] as Buffer).toString('utf8') : Buffer.concat(chunks).toString('utf8'));
    });
    req.on('error', reject);
  });
}

/** The node refuses JSON nested deeper than its max_json_depth (20). */
export function jsonDepthExceeds(value: unknown, max: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop() as [unknown, number];
    if (typeof node !== 'object' || node === null) continue;
    if (depth > max) return true;
    for (const child of Object.values(node)) {
      if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
    }
  }
  return false;
}
