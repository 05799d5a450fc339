import net from 'node:net';
import type { SignalLike } from './abort.js';

/**
 * A lean HTTP/1.1 keep-alive client for plain-http work peers: POST a JSON
 * body, read the whole answer. It exists for the cache-miss path, where
 * Node's http client (ClientRequest, the Agent's bookkeeping, an
 * IncomingMessage stream per answer) cost more CPU than the rest of a miss
 * together (issue 12). What it does, it does as node:http does for these
 * peers: one connection pool per host and port (at most 256 sockets, the rest
 * queue), Host, Content-Type, Content-Length and Basic auth from the URL's
 * user and password, answers framed by Content-Length, chunked encoding or
 * the connection's end, `Connection: close` and HTTP/1.0 honoured, the
 * server's Keep-Alive timeout hint respected, Nagle off. Aborting destroys the
 * socket, which a node-style peer reads as a cancel. What it does not do
 * (https, redirects, compression, request headers from callers) it is never
 * asked for: https peers go through node:https (post-json.ts).
 */

export interface KeepAliveResult {
  readonly status: number;
  readonly body: string;
}

export interface KeepAliveOptions {
  readonly signal?: SignalLike | undefined;
  /** Largest response body accepted, in bytes. */
  readonly maxBytes: number;
}

/** Node's own default limit on a response's header block (--max-http-header-size). */
const MAX_HEADER_BYTES = 16 * 1024;
/** As the shared http.Agent of post-json.ts. */
const MAX_SOCKETS = 256;
const CRLF = Buffer.from('\r\n');
const HEADER_END = Buffer.from('\r\n\r\n');

/** What an aborted request rejects with: named like Node's own, so `isAbortError` knows it. */
class RequestAbortedError extends Error {
  override readonly name = 'AbortError';
  readonly code = 'ABORT_ERR';
}

/** Node's words for a connection that closed before its answer was complete. */
function hangUp(): Error {
  return Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
}

/** The decimal digit at `at`, NaN for anything else. */
function digit(text: string, at: number): number {
  const c = text.charCodeAt(at) - 0x30;
  return c >= 0 && c <= 9 ? c : Number.NaN;
}

/** A peer that broke HTTP/1.1 framing: the connection is dropped, never reused. */
function malformed(what: string): Error {
  return Object.assign(new Error(`malformed HTTP response: ${what}`), { code: 'HPE_INVALID' });
}

interface Exchange {
  readonly request: string;
  readonly maxBytes: number;
  readonly signal: SignalLike | undefined;
  readonly resolve: (result: KeepAliveResult) => void;
  readonly reject: (err: Error) => void;
  onAbort: (() => void) | undefined;
  connection: Connection | undefined;
}

/** A peer URL, its pool and the fixed part of every request to it (computed once). */
export class KeepAliveTarget {
  readonly #pool: Pool;
  readonly #head: string;

  constructor(url: URL) {
    if (url.protocol !== 'http:') throw new TypeError(`keep-alive client: http only, got ${url.protocol}`);
    this.#pool = poolFor(url);
    const path = `${url.pathname || '/'}${url.search}`;
    let head = `POST ${path} HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/json\r\nConnection: keep-alive\r\n`;
    if (url.username !== '' || url.password !== '') {
      // As http.request does with a URL's userinfo: decoded, then Basic.
      const auth = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
      head += `Authorization: Basic ${Buffer.from(auth).toString('base64')}\r\n`;
    }
    this.#head = `${head}Content-Length: `;
  }

  post(body: string, options: KeepAliveOptions): Promise<KeepAliveResult> {
    const signal = options.signal;
    if (signal?.aborted) return Promise.reject(new RequestAbortedError('The operation was aborted', { cause: signal.reason }));
    return new Promise<KeepAliveResult>((resolve, reject) => {
      const exchange: Exchange = {
        request: `${this.#head}${Buffer.byteLength(body)}\r\n\r\n${body}`,
        maxBytes: options.maxBytes,
        signal,
        resolve,
        reject,
        onAbort: undefined,
        connection: undefined,
      };
      if (signal !== undefined) {
        exchange.onAbort = () => this.#pool.abort(exchange, new RequestAbortedError('The operation was aborted', { cause: signal.reason }));
        signal.addEventListener('abort', exchange.onAbort, { once: true });
      }
      this.#pool.send(exchange);
    });
  }
}

const pools = new Map<string, Pool>();

function poolFor(url: URL): Pool {
  // URL.hostname keeps an IPv6 literal's brackets; net.connect wants it bare.
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const port = url.port === '' ? 80 : Number(url.port);
  const key = `${host}|${port}`;
  let pool = pools.get(key);
  if (pool === undefined) pools.set(key, (pool = new Pool(host, port)));
  return pool;
}

/** Closes every idle keep-alive socket (at shutdown); requests in flight end on their own. */
export function closeIdleKeepAlive(): void {
  for (const pool of pools.values()) pool.closeIdle();
}

class Pool {
  readonly host: string;
  readonly port: number;
  /** Free connections, most recently used last. */
  readonly #idle: Connection[] = [];
  readonly #queue: Exchange[] = [];
  #open = 0;

  constructor(host: string, port: number) {
    this.host = host;
    this.port = port;
  }

  send(exchange: Exchange): void {
    const now = performance.now();
    for (let connection = this.#idle.pop(); connection !== undefined; connection = this.#idle.pop()) {
      if (connection.fresh(now)) {
        connection.start(exchange);
        return;
      }
      // Past the server's keep-alive hint: it may close the socket under our request.
      connection.destroy();
    }
    if (this.#open < MAX_SOCKETS) {
      this.#open++;
      new Connection(this).start(exchange);
      return;
    }
    this.#queue.push(exchange);
  }

  abort(exchange: Exchange, err: Error): void {
    const connection = exchange.connection;
    if (connection !== undefined) {
      // Destroying the socket is the cancel a node-style peer understands.
      connection.fail(err);
      return;
    }
    const index = this.#queue.indexOf(exchange);
    if (index !== -1) this.#queue.splice(index, 1);
    settle(exchange, err);
  }

  /** A connection finished an answer and can carry another. */
  released(connection: Connection): void {
    const next = this.#queue.shift();
    if (next !== undefined) connection.start(next);
    else this.#idle.push(connection);
  }

  /** A connection closed (or will not be reused). */
  closed(connection: Connection): void {
    this.#open--;
    const index = this.#idle.indexOf(connection);
    if (index !== -1) this.#idle.splice(index, 1);
    const next = this.#queue.shift();
    if (next !== undefined) this.send(next);
  }

  closeIdle(): void {
    for (const connection of this.#idle.splice(0)) connection.destroy();
  }
}

function settle(exchange: Exchange, err: Error | undefined, result?: KeepAliveResult): void {
  if (exchange.onAbort !== undefined) {
    exchange.signal?.removeEventListener('abort', exchange.onAbort);
    exchange.onAbort = undefined;
  }
  exchange.connection = undefined;
  if (err !== undefined) exchange.reject(err);
  else exchange.resolve(result as KeepAliveResult);
}

enum Framing {
  Length,
  Chunked,
  UntilClose,
}

/** One socket and the answer being read on it. */
class Connection {
  readonly #pool: Pool;
  readonly #socket: net.Socket;
  #exchange: Exchange | undefined;
  #closed = false;
  /** When it went idle, and how long the server said it keeps an idle connection (ms; Infinity when it did not say). */
  #idleSince = 0;
  #idleLimit = Number.POSITIVE_INFINITY;
  #error: Error | undefined;

  // The answer being read.
  /** Bytes received and not consumed yet. */
  #pending: Buffer | undefined;
  #headerDone = false;
  #status = 0;
  #keepAlive = true;
  #framing = Framing.Length;
  /** Body bytes still expected (Length), or of the current chunk (Chunked). */
  #remaining = 0;
  /** Chunked: 0 size line, 1 data, 2 the CRLF after data, 3 trailers. */
  #chunkState = 0;
  #body: Buffer[] = [];
  #bodySize = 0;

  constructor(pool: Pool) {
    this.#pool = pool;
    // TCP keep-alive after 1 s of silence, as the Agent (keepAliveMsecs): a peer that vanishes is noticed.
    const socket = net.connect({ host: pool.host, port: pool.port, noDelay: true, keepAlive: true, keepAliveInitialDelay: 1000 });
    this.#socket = socket;
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('error', (err) => {
      this.#error ??= err;
    });
    socket.on('close', () => this.#onClose());
  }

  fresh(now: number): boolean {
    return !this.#closed && !this.#socket.destroyed && now - this.#idleSince < this.#idleLimit;
  }

  start(exchange: Exchange): void {
    // Idle sockets do not keep the process alive (as the Agent's free sockets); busy ones do.
    if (this.#idleSince !== 0) this.#socket.ref();
    this.#exchange = exchange;
    exchange.connection = this;
    this.#pending = undefined;
    this.#headerDone = false;
    this.#body = [];
    this.#bodySize = 0;
    this.#socket.write(exchange.request);
  }

  /** Ends the exchange with `err` and drops the socket. */
  fail(err: Error): void {
    const exchange = this.#exchange;
    this.#exchange = undefined;
    this.destroy();
    if (exchange !== undefined) settle(exchange, err);
  }

  destroy(): void {
    this.#socket.destroy();
  }

  #onClose(): void {
    if (this.#closed) return;
    this.#closed = true;
    const exchange = this.#exchange;
    this.#exchange = undefined;
    this.#pool.closed(this);
    if (exchange === undefined) return;
    if (this.#headerDone && this.#framing === Framing.UntilClose) {
      settle(exchange, undefined, this.#result());
      return;
    }
    settle(exchange, this.#error ?? hangUp());
  }

  #onData(chunk: Buffer): void {
    if (this.#exchange === undefined) {
      // Bytes nobody asked for (on an idle socket): the connection cannot be trusted again.
      this.destroy();
      return;
    }
    this.#pending = this.#pending === undefined ? chunk : Buffer.concat([this.#pending, chunk]);
    try {
      this.#parse();
    } catch (err) {
      this.fail(err as Error);
    }
  }

  #parse(): void {
    if (!this.#headerDone) {
      const pending = this.#pending as Buffer;
      const end = pending.indexOf(HEADER_END);
      if (end === -1) {
        if (pending.length > MAX_HEADER_BYTES) throw malformed(`headers larger than ${MAX_HEADER_BYTES} bytes`);
        return;
      }
      if (end > MAX_HEADER_BYTES) throw malformed(`headers larger than ${MAX_HEADER_BYTES} bytes`);
      const informational = this.#readHead(pending.toString('latin1', 0, end));
      this.#pending = end + 4 === pending.length ? undefined : pending.subarray(end + 4);
      if (informational) {
        // 100 Continue and the like: the real answer follows.
        if (this.#pending !== undefined) this.#parse();
        return;
      }
      this.#headerDone = true;
    }
    if (this.#framing === Framing.Chunked) this.#readChunked();
    else this.#readBody();
  }

  /** Reads a status line and headers; true for an informational (1xx) answer. */
  #readHead(head: string): boolean {
    // A plain scan, not split and regular expressions: this runs for every answer (issue 12).
    const minor = head.charCodeAt(7);
    if (
      !head.startsWith('HTTP/1.') ||
      (minor !== 0x30 && minor !== 0x31) ||
      head.charCodeAt(8) !== 0x20 ||
      !(head.length === 12 || head.charCodeAt(12) === 0x20 || head.charCodeAt(12) === 0x0d)
    ) {
      throw malformed('bad status line');
    }
    const code = digit(head, 9) * 100 + digit(head, 10) * 10 + digit(head, 11);
    if (!(code >= 100)) throw malformed('bad status line');
    if (code < 200 && code !== 101) return true;
    let length: number | undefined;
    let chunked = false;
    let connection = '';
    let keepAliveHint: string | undefined;
    for (let at = head.indexOf('\r\n'); at !== -1; ) {
      const start = at + 2;
      const next = head.indexOf('\r\n', start);
      const end = next === -1 ? head.length : next;
      at = next;
      const colon = head.indexOf(':', start);
      if (colon <= start || colon > end) throw malformed('bad header line');
      // Only the names read here are compared, and only when their length fits.
      const size = colon - start;
      if (size !== 10 && size !== 14 && size !== 17) continue;
      const name = head.slice(start, colon).toLowerCase();
      const value = head.slice(colon + 1, end).trim();
      if (name === 'content-length') {
        if (!/^\d{1,15}$/.test(value)) throw malformed('bad Content-Length');
        const n = Number(value);
        if (length !== undefined && length !== n) throw malformed('conflicting Content-Length');
        length = n;
      } else if (name === 'transfer-encoding') {
        chunked = value.toLowerCase().split(',').pop()?.trim() === 'chunked';
        if (!chunked) throw malformed(`unsupported Transfer-Encoding ${value}`);
      } else if (name === 'connection') {
        connection = value.toLowerCase();
      } else if (name === 'keep-alive') {
        keepAliveHint = value;
      }
    }
    this.#status = code;
    const http10 = minor === 0x30;
    this.#keepAlive = connection === '' ? !http10 : http10 ? /\bkeep-alive\b/.test(connection) : !/\bclose\b/.test(connection);
    const hint = keepAliveHint === undefined ? undefined : /(?:^|[\s,])timeout=(\d+)/.exec(keepAliveHint);
    // As Node's Agent: a second short of the server's own idle timeout.
    this.#idleLimit = hint == null ? Number.POSITIVE_INFINITY : Number(hint[1]) * 1000 - 1000;
    if (code === 204 || code === 304 || code === 101) {
      this.#framing = Framing.Length;
      this.#remaining = 0;
      if (code === 101) this.#keepAlive = false;
    } else if (chunked) {
      this.#framing = Framing.Chunked;
      this.#chunkState = 0;
    } else if (length !== undefined) {
      this.#framing = Framing.Length;
      this.#remaining = length;
    } else {
      this.#framing = Framing.UntilClose;
      this.#keepAlive = false;
    }
    if (this.#framing === Framing.Length && length !== undefined && length > (this.#exchange as Exchange).maxBytes) throw this.#tooLarge();
    return false;
  }

  #tooLarge(): Error {
    return new Error(`response larger than ${(this.#exchange as Exchange).maxBytes} bytes`);
  }

  #take(data: Buffer): void {
    this.#bodySize += data.length;
    if (this.#bodySize > (this.#exchange as Exchange).maxBytes) throw this.#tooLarge();
    this.#body.push(data);
  }

  #readBody(): void {
    const pending = this.#pending;
    if (this.#framing === Framing.UntilClose) {
      if (pending !== undefined) this.#take(pending);
      this.#pending = undefined;
      return;
    }
    if (pending !== undefined) {
      if (pending.length > this.#remaining) throw malformed('more bytes than Content-Length');
      this.#take(pending);
      this.#remaining -= pending.length;
      this.#pending = undefined;
    }
    if (this.#remaining === 0) this.#complete();
  }

  #readChunked(): void {
    for (;;) {
      const pending = this.#pending;
      if (pending === undefined) return;
      if (this.#chunkState === 0 || this.#chunkState === 2 || this.#chunkState === 3) {
        const eol = pending.indexOf(CRLF);
        if (eol === -1) {
          if (pending.length > MAX_HEADER_BYTES) throw malformed('chunk framing line too long');
          return;
        }
        const line = pending.toString('latin1', 0, eol);
        this.#pending = eol + 2 === pending.length ? undefined : pending.subarray(eol + 2);
        if (this.#chunkState === 2) {
          if (line !== '') throw malformed('no CRLF after chunk data');
          this.#chunkState = 0;
        } else if (this.#chunkState === 3) {
          // Trailers end with an empty line; they are read and dropped, as nothing here needs them.
          if (line === '') {
            this.#complete();
            return;
          }
        } else {
          const size = /^([0-9a-fA-F]{1,8})[ \t]*(?:;.*)?$/.exec(line);
          if (size === null) throw malformed('bad chunk size');
          this.#remaining = Number.parseInt(size[1] as string, 16);
          this.#chunkState = this.#remaining === 0 ? 3 : 1;
          if (this.#bodySize + this.#remaining > (this.#exchange as Exchange).maxBytes) throw this.#tooLarge();
        }
      } else {
        const take = Math.min(this.#remaining, pending.length);
        this.#take(take === pending.length ? pending : pending.subarray(0, take));
        this.#remaining -= take;
        this.#pending = take === pending.length ? undefined : pending.subarray(take);
        if (this.#remaining === 0) this.#chunkState = 2;
      }
    }
  }

  #result(): KeepAliveResult {
    const body = this.#body;
    const text = body.length === 0 ? '' : body.length === 1 ? (body[0] as Buffer).toString('utf8') : Buffer.concat(body).toString('utf8');
    return { status: this.#status, body: text };
  }

  #complete(): void {
    const exchange = this.#exchange as Exchange;
    const result = this.#result();
    this.#exchange = undefined;
    this.#body = [];
    if (this.#keepAlive && this.#pending === undefined && this.#idleLimit > 0) {
      this.#idleSince = performance.now();
      this.#socket.unref();
      this.#pool.released(this);
    } else {
      this.destroy();
    }
    settle(exchange, undefined, result);
  }
}
