import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';
import { decodeAccount, formatWorkHex } from '../../lib/pow/index.js';
import { findWork } from './rpc-peer.js';

/**
 * A DPoW service (nano-dpow server at HEAD, spec distributed-pow.md §1) on
 * one loopback port: `POST /service/`, the `/service_ws/` websocket and
 * `GET /upcheck/`. It keeps the server's quirks: HTTP 200 for every answer,
 * its validation order and exact strings, `id` echoed only when truthy, the
 * hash upper-cased, one request at a time per socket, late results cached
 * for the next ask, the pending marker "0" leaking to waiters of a cancelled
 * shared wait, per-service throttling that delays instead of refusing, a
 * 2048-byte frame limit and heartbeat pings that pong only between requests.
 */

export type DpowMode =
  /** Workers answer after `latency` ms with work at the served difficulty. */
  | 'valid'
  /** No worker ever answers: every on-demand request times out. */
  | 'never'
  /** Answers `{"work": "0"}` at once (the pending-marker quirk, forced). */
  | 'zero'
  /** Workers answer with work below the served difficulty. */
  | 'wrong'
  /** An on-demand request hits a server-side exception (Redis down...): the generic "Unknown error" answer. */
  | 'fail'
  /**
   * The real server's late-result timing: the workers' result lands `lateMs`
   * after the `lateAfter`-th timeout reply for the hash (just after the client
   * was told `timeout`), and the server keeps it, so the next ask gets it at once.
   */
  | 'late';

export interface DpowFakeOptions {
  /** Service name -> api key. */
  readonly services?: Readonly<Record<string, string>>;
  /** What the workers generate at, whatever is asked (real DPoW: fffffff800000000). */
  readonly difficulty?: bigint;
  /** Precomputed work by upper-case hash, for difficulties too high to search here. */
  readonly works?: ReadonlyMap<string, bigint>;
  /** How long one of the server's `timeout` seconds lasts, in ms (tests shrink it). */
  readonly secondMs?: number;
  /** Heartbeat: a ping this long after the handler's last read (ms); a socket whose pong is not counted within heartbeatTimeout is dropped. */
  readonly heartbeat?: number;
  readonly heartbeatTimeout?: number;
  /** Requests admitted per second per service (0: no throttle; the real server: 1). */
  readonly throttle?: number;
}

export interface DpowCall {
  readonly transport: 'ws' | 'post';
  /** Which websocket connection (numbered from 1), for ws calls. */
  readonly socket?: number;
  readonly body: Record<string, unknown>;
  readonly at: number;
}

type Reply = Record<string, unknown>;

interface Waiter {
  wake(): void;
}

const BAD_JSON = 'Bad request (not json)';
const TIMEOUT_ERROR = 'Timeout must be an integer between 1 and 30';

export class FakeDpow {
  readonly calls: DpowCall[] = [];
  /** Frames a client sent while an earlier request on the same socket was still being handled. */
  pipelined = 0;
  /** Largest text frame received. */
  maxFrame = 0;
  /** Websocket connections accepted so far. */
  connections = 0;
  /** Sockets the fake dropped for a missing pong. */
  heartbeatDrops = 0;
  mode: DpowMode = 'valid';
  /** Worker latency, ms. */
  latency = 0;
  /** 'late' mode: how many timeout replies a hash gets before its result lands, and how long after the last. */
  lateAfter = 1;
  lateMs = 20;
  /** Timeout replies sent, by upper-case hash. */
  readonly timeouts = new Map<string, number>();
  /** Refuse websocket upgrades (HTTP 503), e.g. to force POST. */
  refuseWebsockets = false;
  /** Ignore client pings, as a half-dead connection would. */
  ignorePings = false;
  /** Answer websocket requests with an `id` that is not theirs. */
  corruptIds = false;
  url = '';
  wsUrl = '';
  postUrl = '';

  readonly #services: Record<string, string>;
  readonly #difficulty: bigint;
  readonly #works: ReadonlyMap<string, bigint>;
  readonly #secondMs: number;
  readonly #heartbeat: number;
  readonly #heartbeatTimeout: number;
  readonly #throttle: number;
  /** `block:{HASH}`: "0" while pending, then the work. */
  readonly #blocks = new Map<string, string>();
  /** Hashes broadcast to workers whose result has not come back. */
  readonly #working = new Set<string>();
  /** The shared in-memory wait per hash: every waiter for it. */
  readonly #waits = new Map<string, Set<Waiter>>();
  readonly #admitted = new Map<string, number[]>();
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #sockets = new Set<WebSocket>();
  readonly #server: http.Server;
  readonly #wss: WebSocketServer;

  constructor(options: DpowFakeOptions = {}) {
    this.#services = { ...(options.services ?? { svc: 'key' }) };
    this.#difficulty = options.difficulty ?? 0xfffffff800000000n;
    this.#works = options.works ?? new Map();
    this.#secondMs = options.secondMs ?? 1000;
    this.#heartbeat = options.heartbeat ?? 20_000;
    this.#heartbeatTimeout = options.heartbeatTimeout ?? 10_000;
    this.#throttle = options.throttle ?? 0;
    this.#server = http.createServer((req, res) => void this.#http(req, res));
    // aiohttp: max_msg_size 2048, and the handler answers pings itself, between requests.
    this.#wss = new WebSocketServer({ noServer: true, maxPayload: 2048, autoPong: false });
    this.#server.on('upgrade', (req, socket: Socket, head) => {
      socket.on('error', () => {});
      if (new URL(req.url ?? '/', 'http://x').pathname !== '/service_ws/' || this.refuseWebsockets) {
        socket.end('HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      this.#wss.handleUpgrade(req, socket, head, (ws) => this.#serveSocket(ws));
    });
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    const port = (this.#server.address() as AddressInfo).port;
    this.url = `http://127.0.0.1:${port}`;
    this.wsUrl = `ws://127.0.0.1:${port}/service_ws/`;
    this.postUrl = `http://127.0.0.1:${port}/service/`;
    return this;
  }

  behave(mode: DpowMode, latency = this.latency): this {
    this.mode = mode;
    this.latency = latency;
    return this;
  }

  /** Open websocket connections. */
  get openSockets(): number {
    return this.#sockets.size;
  }

  /** Calls that asked for `hash` (any case). */
  callsFor(hash: string): DpowCall[] {
    return this.calls.filter((c) => String(c.body.hash).toUpperCase() === hash.toUpperCase());
  }

  /** Stores work for `hash` as a late worker result would. */
  cacheWork(hash: string, work: bigint): void {
    this.#blocks.set(hash.toUpperCase(), formatWorkHex(work));
  }

  /** Drops every websocket abruptly (no close frame), as a crashed proxy would. */
  dropSockets(): void {
    for (const ws of this.#sockets) ws.terminate();
  }

  async waitFor(check: () => boolean, ms = 5000): Promise<void> {
    const until = Date.now() + ms;
    while (!check()) {
      if (Date.now() > until) throw new Error('fake dpow: condition not met in time');
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  async close(): Promise<void> {
    for (const timer of this.#timers) clearTimeout(timer);
    for (const waiters of this.#waits.values()) for (const w of waiters) w.wake();
    for (const ws of this.#sockets) ws.terminate();
    this.#wss.close();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #http(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (req.method === 'GET' && path === '/upcheck/') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('up');
      return;
    }
    // aiohttp's normalize_path_middleware: the path without its slash is redirected, never served.
    if (path === '/service' || path === '/upcheck') {
      res.writeHead(308, { location: `${path}/` }).end();
      return;
    }
    if (req.method !== 'POST' || path !== '/service/') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('404: Not Found');
      return;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    let body: unknown;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      body = undefined;
    }
    const reply = isObject(body) ? await this.#handle(body, 'post') : { error: BAD_JSON };
    if (res.destroyed) return;
    const text = JSON.stringify(reply);
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
  }

  #serveSocket(ws: WebSocket): void {
    const socketId = ++this.connections;
    this.#sockets.add(ws);
    const queue: string[] = [];
    let busy = false;
    let pongPending = false;
    let pingTimer: NodeJS.Timeout | undefined;
    let deadTimer: NodeJS.Timeout | undefined;
    let clientPing: Buffer | undefined;

    // The handler "reads" when it takes the next frame; the heartbeat counts from there,
    // and a pong that arrived meanwhile is only seen at that read.
    const handlerRead = (): void => {
      if (pongPending) {
        pongPending = false;
        clearTimeout(deadTimer);
        deadTimer = undefined;
      }
      clearTimeout(pingTimer);
      pingTimer = setTimeout(() => {
        ws.ping();
        clearTimeout(deadTimer);
        deadTimer = setTimeout(() => {
          this.heartbeatDrops++;
          ws.terminate();
        }, this.#heartbeatTimeout);
      }, this.#heartbeat);
    };
    const idle = (): void => {
      handlerRead();
      if (clientPing !== undefined) {
        ws.pong(clientPing);
        clientPing = undefined;
      }
    };

    const pump = async (): Promise<void> => {
      if (busy) return;
      busy = true;
      while (queue.length > 0 && ws.readyState === ws.OPEN) {
        const frame = queue.shift() as string;
        handlerRead();
        let body: unknown;
        let reply: Reply;
        try {
          body = JSON.parse(frame);
          reply = isObject(body) ? await this.#handle(body, 'ws', socketId) : { error: BAD_JSON };
        } catch {
          reply = { error: unknownError() };
        }
        if (this.corruptIds && typeof reply.id === 'number') reply = { ...reply, id: reply.id + 1000 };
        if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(reply));
      }
      busy = false;
      idle();
    };

    ws.on('message', (data, isBinary) => {
      if (isBinary) return;
      const frame = data.toString();
      this.maxFrame = Math.max(this.maxFrame, Buffer.byteLength(frame));
      if (busy) this.pipelined++;
      queue.push(frame);
      void pump();
    });
    ws.on('ping', (data: Buffer) => {
      if (this.ignorePings) return;
      if (busy) clientPing = data;
      else ws.pong(data);
    });
    ws.on('pong', () => {
      if (busy) pongPending = true;
      else {
        clearTimeout(deadTimer);
        deadTimer = undefined;
      }
    });
    ws.on('close', () => {
      this.#sockets.delete(ws);
      clearTimeout(pingTimer);
      clearTimeout(deadTimer);
    });
    ws.on('error', () => {});
    idle();
  }

  /** One request, in the server's validation order (spec 1.3). */
  async #handle(body: Record<string, unknown>, transport: 'ws' | 'post', socket?: number): Promise<Reply> {
    this.calls.push({ transport, ...(socket === undefined ? {} : { socket }), body, at: Date.now() });
    const id = body.id;
    const reply = (r: Reply): Reply => (truthy(id) ? { ...r, id } : r);
    try {
      if (!('hash' in body) || !('user' in body) || !('api_key' in body)) {
        return reply({ error: 'Incorrect submission. Required information: user, api_key, hash' });
      }
      if (typeof body.api_key !== 'string') throw new Unmapped();
      const key = Object.hasOwn(this.#services, String(body.user)) ? this.#services[String(body.user)] : undefined;
      if (key === undefined || key !== body.api_key) return reply({ error: 'Invalid credentials' });
      await this.#throttled(String(body.user));
      if (truthy(body.multiplier)) {
        const m = pythonFloat(body.multiplier);
        if (m === undefined) return reply({ error: 'Multiplier must be a float' });
        if (m < 0) {
          // A bare ValueError outside the mapped block: each transport's generic handler answers.
          return transport === 'post' ? { error: BAD_JSON } : { error: unknownError() };
        }
      }
      if (typeof body.hash !== 'string') throw new Unmapped();
      if (!/^[0-9a-fA-F]{64}$/.test(body.hash)) return reply({ error: 'Invalid hash' });
      const hash = body.hash.toUpperCase();
      if (truthy(body.account)) {
        if (typeof body.account !== 'string') throw new Unmapped();
        if (decodeAccount(body.account.replace(/^xrb_/, 'nano_'), ['nano_']) === undefined) return reply({ error: 'Invalid account' });
      }
      if ('difficulty' in body && body.difficulty !== null) {
        if (typeof body.difficulty !== 'string') throw new Unmapped();
        // nanolib raises InvalidDifficulty for the format, which the server maps to this text.
        if (!/^[0-9a-fA-F]{16}$/.test(body.difficulty)) return reply({ error: 'Difficulty too low' });
      }
      if (this.mode === 'zero') return reply({ work: '0', hash });
      if (this.mode === 'fail') throw new Unmapped();
      const stored = this.#blocks.get(hash);
      if (stored !== undefined && stored !== '0') return reply({ work: stored, hash });
      // On demand: broadcast first, then check the timeout (an invalid one leaves the broadcast running).
      this.#broadcast(hash);
      const timeout = pythonInt(body.timeout ?? 5);
      if (timeout === undefined || timeout < 1 || timeout > 30) return reply({ error: TIMEOUT_ERROR });
      const found = await this.#waitForWork(hash, timeout * this.#secondMs);
      if (!found) {
        this.#timedOut(hash);
        return reply({ error: 'Timeout reached without work', timeout: true });
      }
      return reply({ work: this.#blocks.get(hash) ?? '0', hash });
    } catch (err) {
      if (err instanceof Unmapped) return reply({ error: unknownError() });
      throw err;
    }
  }

  /** Counts a timeout reply; in 'late' mode the result lands shortly after the `lateAfter`-th. */
  #timedOut(hash: string): void {
    const count = (this.timeouts.get(hash) ?? 0) + 1;
    this.timeouts.set(hash, count);
    if (this.mode !== 'late' || count !== this.lateAfter) return;
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      this.#working.delete(hash);
      this.#blocks.set(hash, formatWorkHex(this.#works.get(hash) ?? findWork(hash, this.#difficulty)));
      for (const waiter of this.#waits.get(hash) ?? []) waiter.wake();
    }, this.lateMs);
    this.#timers.add(timer);
  }

  #broadcast(hash: string): void {
    if (this.#working.has(hash)) return;
    this.#working.add(hash);
    this.#blocks.set(hash, '0');
    if (this.mode === 'never' || this.mode === 'late') return;
    const wrong = this.mode === 'wrong';
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      this.#working.delete(hash);
      // Late results land in the store whether or not anyone still waits.
      const work = wrong ? findWork(hash, this.#difficulty, true) : (this.#works.get(hash) ?? findWork(hash, this.#difficulty));
      this.#blocks.set(hash, formatWorkHex(work));
      for (const waiter of this.#waits.get(hash) ?? []) waiter.wake();
    }, this.latency);
    this.#timers.add(timer);
  }

  /**
   * Waits on the hash's shared wait. The first waiter to time out cancels it
   * for everyone: the others then read the store, which may still hold the
   * pending marker "0" (and answer it as work).
   */
  #waitForWork(hash: string, ms: number): Promise<boolean> {
    return new Promise<boolean>((resolve) => {
      let waiters = this.#waits.get(hash);
      if (waiters === undefined) this.#waits.set(hash, (waiters = new Set()));
      const shared = waiters;
      const done = (found: boolean): void => {
        clearTimeout(timer);
        this.#timers.delete(timer);
        shared.delete(waiter);
        if (shared.size === 0 && this.#waits.get(hash) === shared) this.#waits.delete(hash);
        resolve(found);
      };
      const waiter: Waiter = { wake: () => done(true) };
      const timer = setTimeout(() => {
        done(false);
        if (this.#waits.get(hash) === shared) this.#waits.delete(hash);
        for (const other of [...shared]) other.wake();
      }, ms);
      this.#timers.add(timer);
      shared.add(waiter);
    });
  }

  /** asyncio-throttle: a sliding one-second window per service; excess requests wait, none is refused. */
  async #throttled(user: string): Promise<void> {
    if (this.#throttle <= 0) return;
    let times = this.#admitted.get(user);
    if (times === undefined) this.#admitted.set(user, (times = []));
    for (;;) {
      const now = Date.now();
      while (times.length > 0 && now - (times[0] as number) >= 1000) times.shift();
      if (times.length < this.#throttle) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    times.push(Date.now());
  }
}

/** An exception the server's mapped-error block does not catch. */
class Unmapped extends Error {}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Python truthiness of a JSON value. */
function truthy(value: unknown): boolean {
  if (value === undefined || value === null || value === false || value === 0 || value === '') return false;
  if (Array.isArray(value)) return value.length > 0;
  if (isObject(value)) return Object.keys(value).length > 0;
  return true;
}

function pythonFloat(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (/^[+-]?(inf|infinity)$/i.test(text)) return text.startsWith('-') ? -Infinity : Infinity;
  if (/^[+-]?nan$/i.test(text)) return Number.NaN;
  return /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(text) ? Number(text) : undefined;
}

function pythonInt(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? Math.trunc(value) : undefined;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'string' && /^\s*[+-]?\d+\s*$/.test(value)) return Number(value.trim());
  return undefined;
}

/** The generic handler's answer: Python's `str(datetime.now())`. */
function unknownError(): string {
  const d = new Date();
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  const stamp = `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds() * 1000, 6)}`;
  return `Unknown error, please report the following timestamp to the maintainers: ${stamp}`;
}
