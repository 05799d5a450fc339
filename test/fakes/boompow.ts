import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { BOOMPOW_BASE, boompowThreshold } from '../../lib/backends/boompow-multiplier.js';
import { formatWorkHex } from '../../lib/pow/index.js';
import { findWork } from './rpc-peer.js';

/**
 * A BoomPoW v2 GraphQL server (BananoCoin/boompow, spec distributed-pow.md §3)
 * on loopback: `POST /graphql` with its auth middleware (403 text/plain for an
 * unknown token, `access denied` for an unauthenticated or unprivileged
 * caller), the per-IP rate limit that spares service tokens, variable type
 * checks (422), silent clamping of the multiplier to 1..64, the 30 s
 * `timeout`, and a result cache that answers without checking difficulty.
 */

export type BoompowMode =
  /** Workers answer after `delay` ms at the clamped multiplier. */
  | 'valid'
  /** No worker: `timeout` after the server's wait. */
  | 'timeout'
  /** Never answers (until the client gives up or the fake closes). */
  | 'hang';

/** One-off answers consumed by the next requests, before `mode` applies. */
export type BoompowOnce = 'timeout' | 'ratelimit' | 'bad_request';

export interface BoompowFakeOptions {
  /** Service tokens the middleware knows (env BPOW_SERVICE_TOKENS and Redis). */
  readonly tokens?: readonly string[];
  /** Known tokens whose user is banned or may not request work: the request goes on unauthenticated. */
  readonly denied?: readonly string[];
  /** Multiplier base (live: fffffe0000000000; tests scale it down). */
  readonly base?: bigint;
  /** Precomputed work by upper-case hash, for difficulties too high to search here. */
  readonly works?: ReadonlyMap<string, bigint>;
  /** The server's WORK_TIMEOUT_S, in ms. */
  readonly timeoutMs?: number;
  /** Unauthenticated requests allowed per minute per IP. */
  readonly rateLimit?: number;
}

export interface BoompowCall {
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Record<string, unknown>;
  /** The workGenerate input as resolved (before clamping). */
  readonly input?: { hash: unknown; difficultyMultiplier: unknown; blockAward: unknown };
  /** The multiplier the server used, after clamping. */
  readonly multiplier?: number;
}

type Json = Record<string, unknown>;

const MAX_MULTIPLIER = 64;

export class FakeBoompow {
  readonly calls: BoompowCall[] = [];
  mode: BoompowMode = 'valid';
  delay = 0;
  readonly once: BoompowOnce[] = [];
  url = '';

  readonly #tokens: Set<string>;
  readonly #denied: Set<string>;
  readonly #base: bigint;
  readonly #works: ReadonlyMap<string, bigint>;
  readonly #timeoutMs: number;
  readonly #rateLimit: number;
  /** Redis `cache:{hash}`: case-preserving keys, no difficulty kept. */
  readonly #cache = new Map<string, string>();
  readonly #hits: number[] = [];
  readonly #wakers = new Set<() => void>();
  readonly #server = http.createServer((req, res) => void this.#handle(req, res));

  constructor(options: BoompowFakeOptions = {}) {
    this.#tokens = new Set(options.tokens ?? []);
    this.#denied = new Set(options.denied ?? []);
    this.#base = options.base ?? BOOMPOW_BASE;
    this.#works = options.works ?? new Map();
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#rateLimit = options.rateLimit ?? 20;
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/graphql`;
    return this;
  }

  behave(mode: BoompowMode, delay = this.delay): this {
    this.mode = mode;
    this.delay = delay;
    return this;
  }

  /** Puts work in the result cache, as an earlier request for `hash` (exact case) would have. */
  cacheWork(hash: string, work: bigint): void {
    this.#cache.set(hash, formatWorkHex(work));
  }

  /** `query { stats { … } }` answered (idle probes), kept apart from `calls`. */
  statsQueries = 0;

  async close(): Promise<void> {
    for (const wake of this.#wakers) wake();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const send = (status: number, body: unknown, type = 'application/json'): void => {
      if (res.destroyed) return;
      const out = typeof body === 'string' ? body : JSON.stringify(body);
      res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(out) }).end(out);
    };
    if (new URL(req.url ?? '/', 'http://x').pathname !== '/graphql') return send(404, '404 page not found\n', 'text/plain; charset=utf-8');

    // Auth middleware first: it runs before everything, rate limiting included.
    const auth = req.headers.authorization;
    let authenticated = false;
    if (auth !== undefined) {
      if (!auth.startsWith('service:') || !this.#tokens.has(auth)) {
        this.calls.push({ headers: req.headers, body: {} });
        return send(403, '{"errors":[{"message":"Invalid token"}],"data":null}\n', 'text/plain; charset=utf-8');
      }
      authenticated = !this.#denied.has(auth);
    }
    const once = this.once.shift();
    if (once === 'ratelimit' || (!authenticated && this.#limited())) {
      this.calls.push({ headers: req.headers, body: {} });
      return send(429, 'Too Many Requests\n', 'text/plain; charset=utf-8');
    }

    if (req.method === 'GET') return send(406, gqlError('GET requests only allow query operations'));
    if (req.method !== 'POST' || !(req.headers['content-type'] ?? '').startsWith('application/json')) {
      return send(400, '{"errors":[{"message":"transport not supported"}],"data":null}', 'text/plain; charset=utf-8');
    }
    let body: Json;
    try {
      body = JSON.parse(text) as Json;
    } catch {
      return send(400, gqlError('json request body could not be decoded'));
    }
    // The unauthenticated stats query (spec 3.6: connectedWorkers reads -1 at HEAD, its cron being off).
    if (/^\s*(query\b[^{]*)?\{\s*stats\s*\{/.test(String(body.query ?? ''))) {
      this.statsQueries++;
      return send(200, { data: { stats: { connectedWorkers: -1 } } });
    }
    const parsed = readWorkGenerate(String(body.query ?? ''), (body.variables ?? {}) as Json);
    if ('status' in parsed) {
      this.calls.push({ headers: req.headers, body });
      return send(parsed.status, parsed.body);
    }
    const input = parsed;
    const requested = input.difficultyMultiplier as number;
    const multiplier = Math.min(MAX_MULTIPLIER, Math.max(1, requested));
    this.calls.push({ headers: req.headers, body, input, multiplier });
    const fail = (message: string): void => send(200, { errors: [{ message, path: ['workGenerate'] }], data: null });

    if (!authenticated) return fail('access denied');
    const hash = input.hash;
    if (typeof hash !== 'string' || !/^[0-9a-fA-F]{64}$/.test(hash) || once === 'bad_request') return fail('bad_request:invalid hash');
    const cached = this.#cache.get(hash);
    if (cached !== undefined) return send(200, { data: { workGenerate: cached } });
    if (once === 'timeout' || this.mode === 'timeout') {
      await this.#sleep(this.#timeoutMs, res);
      return fail('timeout');
    }
    if (this.mode === 'hang') {
      await this.#sleep(Infinity, res);
      return;
    }
    await this.#sleep(this.delay, res);
    const threshold = boompowThreshold(multiplier, this.#base);
    const work = formatWorkHex(this.#works.get(hash.toUpperCase()) ?? findWork(hash.toUpperCase(), threshold));
    this.#cache.set(hash, work);
    send(200, { data: { workGenerate: work } });
  }

  /** httprate: a one-minute window per client IP. */
  #limited(): boolean {
    const now = Date.now();
    while (this.#hits.length > 0 && now - (this.#hits[0] as number) >= 60_000) this.#hits.shift();
    if (this.#hits.length >= this.#rateLimit) return true;
    this.#hits.push(now);
    return false;
  }

  /** Waits `ms`, cut short when the client hangs up (the real server goes on; nobody would hear it). */
  #sleep(ms: number, res: http.ServerResponse): Promise<void> {
    if (ms === 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#wakers.delete(done);
        res.off('close', done);
        resolve();
      };
      const timer = Number.isFinite(ms) ? setTimeout(done, ms) : undefined;
      this.#wakers.add(done);
      res.once('close', done);
    });
  }
}

function gqlError(message: string, extra: Json = {}): Json {
  return { errors: [{ message, ...extra }], data: null };
}

const ARG = /(hash|difficultyMultiplier|blockAward)\s*:\s*(\$\w+|"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?|true|false|null)/g;

/**
 * The workGenerate input from a mutation, through variables or inline
 * literals (both are in use), with gqlparser's type checks on variables.
 */
function readWorkGenerate(
  query: string,
  variables: Json,
): { hash: unknown; difficultyMultiplier: unknown; blockAward: unknown } | { status: number; body: Json } {
  if (!/^\s*mutation\b/.test(query) || !query.includes('workGenerate')) {
    return { status: 422, body: gqlError('this fake knows only the workGenerate mutation', { extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }) };
  }
  const declared = new Map<string, string>();
  for (const m of query.matchAll(/\$(\w+)\s*:\s*([\w!]+)/g)) declared.set(m[1] as string, m[2] as string);
  const input: Record<string, unknown> = { hash: undefined, difficultyMultiplier: undefined, blockAward: null };
  const inputPart = query.slice(query.indexOf('workGenerate'));
  for (const m of inputPart.matchAll(ARG)) {
    const field = m[1] as string;
    const raw = m[2] as string;
    if (raw.startsWith('$')) {
      const name = raw.slice(1);
      const value = variables[name];
      const type = declared.get(name) ?? '';
      if (type.startsWith('Int') && value !== undefined && value !== null && !Number.isInteger(value)) {
        return {
          status: 422,
          body: gqlError(`cannot use value ${JSON.stringify(value)} as Int`, {
            path: ['variable', name],
            extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
          }),
        };
      }
      input[field] = value;
    } else {
      input[field] = JSON.parse(raw) as unknown;
    }
  }
  if (input.difficultyMultiplier !== undefined && !Number.isInteger(input.difficultyMultiplier)) {
    const shown = JSON.stringify(input.difficultyMultiplier);
    return { status: 422, body: gqlError(`Int cannot represent non-integer value: ${shown}`, { extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }) };
  }
  if (input.hash === undefined || input.difficultyMultiplier === undefined) {
    return { status: 422, body: gqlError('missing workGenerate input field', { extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }) };
  }
  return input as { hash: unknown; difficultyMultiplier: unknown; blockAward: unknown };
}
