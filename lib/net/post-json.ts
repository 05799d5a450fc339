import http from 'node:http';
import https from 'node:https';
import type { SignalLike } from './abort.js';
import { closeIdleKeepAlive } from './keep-alive.js';

export interface PostResult {
  readonly status: number;
  readonly body: string;
}

export interface PostOptions {
  readonly signal?: SignalLike;
  /** Largest response body accepted, in bytes. */
  readonly maxBytes?: number;
  readonly headers?: Record<string, string>;
}

const agents = {
  http: new http.Agent({ keepAlive: true, maxSockets: 256 }),
  https: new https.Agent({ keepAlive: true, maxSockets: 256 }),
};

/** What an aborted request rejects with: named like Node's own, so `isAbortError` knows it. */
class RequestAbortedError extends Error {
  override readonly name = 'AbortError';
  readonly code = 'ABORT_ERR';
}

/**
 * POST a body over keep-alive connections and read the whole answer. Plain
 * node:http rather than fetch: this is on the miss path of every request, and
 * aborting must close the socket, which a node-style peer reads as a cancel.
 *
 * The signal is followed here rather than handed to http.request: Node wires
 * a request's `signal` through its stream machinery, which cost more CPU than
 * the rest of the request together (measured on the miss path, issue 12).
 */
export function postJson(url: URL, body: string, options: PostOptions = {}): Promise<PostResult> {
  const maxBytes = options.maxBytes ?? 1 << 20;
  const signal = options.signal;
  if (signal?.aborted) return Promise.reject(new RequestAbortedError('The operation was aborted', { cause: signal.reason }));
  return new Promise<PostResult>((resolve, reject) => {
    const isHttps = url.protocol === 'https:';
    let onAbort: (() => void) | undefined;
    const done = (): void => {
      if (onAbort !== undefined) signal?.removeEventListener('abort', onAbort);
    };
    const req = (isHttps ? https : http).request(
      url,
      {
        method: 'POST',
        agent: isHttps ? agents.https : agents.http,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          ...options.headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxBytes) {
            req.destroy(new Error(`response larger than ${maxBytes} bytes`));
            return;
          }
          chunks.push(chunk);
        });
        res.on('end', () => {
          done();
          resolve({ status: res.statusCode ?? 0, body: chunks.length === 1 ? (chunks[0] as Buffer).toString('utf8') : Buffer.concat(chunks).toString('utf8') });
        });
        res.on('error', (err) => {
          done();
          reject(err);
        });
      },
    );
    req.on('error', (err) => {
      done();
      reject(err);
    });
    if (signal !== undefined) {
      // Destroying the request closes its socket: the peer sees the cancel.
      onAbort = () => req.destroy(new RequestAbortedError('The operation was aborted', { cause: signal.reason }));
      signal.addEventListener('abort', onAbort, { once: true });
    }
    req.end(body);
  });
}

/**
 * POST a body and hand back the answer unread, as soon as its headers are in,
 * to be streamed on: nothing of it is buffered here. `timeout` bounds the wait
 * for the headers and then each silence between two chunks of the body; past
 * it the answer is destroyed.
 */
export function postStream(url: URL, body: string, timeout: number): Promise<http.IncomingMessage> {
  return new Promise<http.IncomingMessage>((resolve, reject) => {
    const isHttps = url.protocol === 'https:';
    const timer = setTimeout(() => req.destroy(new Error(`no answer within ${timeout} ms`)), timeout);
    timer.unref();
    const req = (isHttps ? https : http).request(
      url,
      {
        method: 'POST',
        agent: isHttps ? agents.https : agents.http,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        clearTimeout(timer);
        // Silence on the socket from here on (no listener on the body: it must stay unread until piped).
        const socket = res.socket;
        const onSilence = (): void => {
          res.destroy(new Error(`answer stalled for ${timeout} ms`));
        };
        socket.setTimeout(timeout);
        socket.once('timeout', onSilence);
        res.once('close', () => {
          socket.setTimeout(0);
          socket.off('timeout', onSilence);
        });
        resolve(res);
      },
    );
    req.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    req.end(body);
  });
}

/**
 * Frees idle keep-alive sockets (at shutdown, so the process can exit). Only
 * the idle ones: the agents are shared by every powgate in the process, and
 * `Agent.destroy()` would also cut requests another instance has in flight
 * (a forward, a peer's work_generate); those end with their own requests.
 */
export function closeIdleConnections(): void {
  closeIdleKeepAlive();
  for (const agent of [agents.http, agents.https]) {
    for (const sockets of Object.values(agent.freeSockets)) for (const socket of sockets ?? []) socket.destroy();
  }
}
