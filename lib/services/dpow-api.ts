import type { WorkCache } from '../cache/index.js';
import type { WorkResult, WorkService } from '../engine/service.js';
import { DpowError, Message, PowgateError } from '../errors.js';
import { decodeAccount, formatWorkHex, hexToBytes, type NetworkParams, workValue } from '../pow/index.js';
import type { ServiceDirectory } from './directory.js';
import { pyDumps } from './dpow-json.js';
import { refusalMessage } from './refusals.js';

/** How a request came: the two differ only in how an unparsable one is answered. */
export type DpowTransport = 'post' | 'ws';

export interface DpowApiOptions {
  readonly directory: ServiceDirectory;
  readonly service: Pick<WorkService, 'generate'>;
  /** Read directly only for a request whose `timeout` is bad: cached work still answers it (spec 1.3, step 10). */
  readonly cache: Pick<WorkCache, 'getEntry'>;
  readonly network: NetworkParams;
  /** Errors that are no client's fault (bugs): logged by the caller, never shown. */
  readonly onUnexpected?: (err: unknown) => void;
  /** False once shutdown has begun: new requests are refused, on both transports. */
  readonly accepting?: () => boolean;
  /** Told of every answered request, for the `rpc` telemetry (action `dpow`). */
  readonly onAnswer?: (outcome: 'ok' | 'error' | 'timeout' | 'refused', seconds: number, source?: string) => void;
}

/** One DPoW request's text in, its answer's text out (always an object, as the server's HTTP 200 body or a text frame). */
export type DpowApi = (text: string, transport: DpowTransport) => Promise<string>;

/** An exception outside the server's mapped-error block: its generic "Unknown error" answer. */
class Unmapped extends Error {}

const DEFAULT_TIMEOUT = 5;

/**
 * DPoW's service API (spec distributed-pow.md §1) served by powgate's own
 * engine: each request goes through the cache, the in-flight jobs and the
 * backend chain like a work_generate. The server's checks run in its order
 * with its strings; credentials are a service's name (`user`) and key
 * (`api_key`); the server's throttle is the service's rate limit, quota and
 * credits. Work is made at the network's send threshold whatever is asked
 * (the server's FORCE_ONLY_BASE_DIFFICULTY, spec 1.4): it also serves receive.
 * A request whose `timeout` passes is answered `"timeout": true` while its job
 * goes on (to work.deadline), so the work it finds lands in the cache and an
 * immediate retry of the hash gets it at once, as DPoW keeps late results.
 */
export function createDpowApi(options: DpowApiOptions): DpowApi {
  const { directory, service, network } = options;
  const target = network.sendThreshold;
  const report = options.onAnswer ?? (() => {});

  return async (text, transport) => {
    const started = performance.now();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      report('error', (performance.now() - started) / 1000);
      // POST maps a parse failure to its own string; a websocket frame falls into the generic handler.
      return pyDumps({ error: transport === 'post' ? DpowError.BadRequest : DpowError.unknown(pythonNow()) });
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      report('error', (performance.now() - started) / 1000);
      return pyDumps({ error: DpowError.BadRequest });
    }
    const request = body as Record<string, unknown>;
    // Read now, so every later answer carries it; echoed only when truthy, as Python tests it.
    const id = request.id;
    const echo = truthy(id);
    const answer = (reply: Record<string, unknown>, outcome: 'ok' | 'error' | 'timeout' | 'refused', source?: string): string => {
      report(outcome, (performance.now() - started) / 1000, source);
      return pyDumps(echo ? { ...reply, id } : reply);
    };
    if (options.accepting?.() === false) return answer({ error: Message.shuttingDown }, 'refused');
    let ticket: { done(source?: string, precached?: boolean): void } | undefined;
    try {
      if (!Object.hasOwn(request, 'hash') || !Object.hasOwn(request, 'user') || !Object.hasOwn(request, 'api_key')) {
        return answer({ error: DpowError.Incomplete }, 'error');
      }
      if (typeof request.api_key !== 'string') throw new Unmapped();
      const entry = typeof request.user === 'string' ? directory.verify(request.user, request.api_key) : undefined;
      if (entry === undefined) return answer({ error: DpowError.InvalidCredentials }, 'refused');
      const admission = directory.admit(entry, 'work_generate', true);
      if (!admission.ok) return answer({ error: refusalMessage(admission.refusal, 'work_generate') }, 'refused');
      ticket = admission.ticket;
      if (admission.wait > 0) await sleep(admission.wait);

      if (truthy(request.multiplier)) {
        const multiplier = pythonFloat(request.multiplier);
        if (multiplier === undefined) return answer({ error: DpowError.MultiplierNotFloat }, 'error');
        // A bare ValueError outside the mapped block: each transport's generic handler answers, without id.
        if (multiplier < 0) {
          report('error', (performance.now() - started) / 1000);
          return pyDumps({ error: transport === 'post' ? DpowError.BadRequest : DpowError.unknown(pythonNow()) });
        }
      }
      if (typeof request.hash !== 'string') throw new Unmapped();
      if (!/^[0-9a-fA-F]{64}$/.test(request.hash)) return answer({ error: DpowError.InvalidHash }, 'error');
      const root = request.hash.toUpperCase();
      let account: string | undefined;
      if (truthy(request.account)) {
        if (typeof request.account !== 'string') throw new Unmapped();
        account = request.account.startsWith('xrb_') && network.prefixes.includes('nano_') ? `nano_${request.account.slice(4)}` : request.account;
        if (decodeAccount(account, network.prefixes) === undefined) return answer({ error: DpowError.InvalidAccount }, 'error');
      }
      if (Object.hasOwn(request, 'difficulty') && request.difficulty !== null) {
        if (typeof request.difficulty !== 'string') throw new Unmapped();
        // Checked for its form only, then ignored (spec 1.4); nanolib's format error reads "too low".
        if (!/^[0-9a-fA-F]{16}$/.test(request.difficulty)) return answer({ error: DpowError.DifficultyTooLow }, 'error');
      }

      const timeout = pythonInt(request.timeout ?? DEFAULT_TIMEOUT);
      if (timeout === undefined || timeout < 1 || timeout > 30) {
        // The server answers cached work before it reads `timeout`; otherwise it broadcasts, then refuses.
        const cached = await options.cache.getEntry(root);
        if (cached !== undefined && workValue(hexToBytes(root), cached.work) >= target) {
          ticket.done('cache', cached.precached);
          return answer({ work: formatWorkHex(cached.work), hash: root }, 'ok', 'cache');
        }
        const held = ticket;
        service.generate({ root, target, ...(account === undefined ? {} : { account }) }).then(
          (result) => held.done(result.source, result.precached === true),
          () => held.done(),
        );
        ticket = undefined;
        return answer({ error: DpowError.BadTimeout }, 'error');
      }

      const held = ticket;
      ticket = undefined;
      const outcome = await within(
        service.generate({ root, target, ...(account === undefined ? {} : { account }) }),
        timeout * 1000,
        // Settled whenever the job ends, after a timeout answer too: a late work is still charged and counted.
        (result) => held.done(result?.source, result?.precached === true),
      );
      if (outcome === 'timeout') return answer({ error: DpowError.TimeoutReached, timeout: true }, 'timeout');
      return answer({ work: formatWorkHex(outcome.work), hash: root }, 'ok', outcome.source);
    } catch (err) {
      if (err instanceof Unmapped) return answer({ error: DpowError.unknown(pythonNow()) }, 'error');
      // powgate's own deadline (work.deadline) passing first is, to a DPoW client, the server's timeout.
      if (err instanceof PowgateError && err.code === 'TIMEOUT') return answer({ error: DpowError.TimeoutReached, timeout: true }, 'timeout');
      if (err instanceof PowgateError) return answer({ error: err.message }, 'error');
      options.onUnexpected?.(err);
      return answer({ error: Message.internal }, 'error');
    } finally {
      // Still held: the request ended before any work was asked for.
      ticket?.done();
    }
  };
}

/**
 * The job's result, or 'timeout' when `ms` pass first (the job goes on);
 * `settled` is told once the job has ended either way (undefined: no work).
 */
function within(job: Promise<WorkResult>, ms: number, settled: (result: WorkResult | undefined) => void): Promise<WorkResult | 'timeout'> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => resolve('timeout'), ms);
    job.then(
      (result) => {
        clearTimeout(timer);
        settled(result);
        resolve(result);
      },
      (err: unknown) => {
        clearTimeout(timer);
        settled(undefined);
        reject(err);
      },
    );
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Python truthiness of a JSON value. */
function truthy(value: unknown): boolean {
  if (value === undefined || value === null || value === false || value === 0 || value === '') return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.keys(value).length > 0;
  return true;
}

/** Python's `float()` of a JSON value: numbers, bools, numeric text (spaces, inf and nan included). */
function pythonFloat(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (/^[+-]?(inf|infinity)$/i.test(text)) return text.startsWith('-') ? -Infinity : Infinity;
  if (/^[+-]?nan$/i.test(text)) return Number.NaN;
  return /^[+-]?(\d(_?\d)*\.?(\d(_?\d)*)?|\.\d(_?\d)*)(e[+-]?\d(_?\d)*)?$/i.test(text) ? Number(text.replaceAll('_', '')) : undefined;
}

/** Python's `int()` of a JSON value: floats truncate, text must be a whole number. */
function pythonInt(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? Math.trunc(value) : undefined;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'string' && /^\s*[+-]?\d(_?\d)*\s*$/.test(value)) return Number(value.trim().replaceAll('_', ''));
  return undefined;
}

/** Python's `str(datetime.now())`: local time, microseconds unless they are zero. */
function pythonNow(): string {
  const d = new Date();
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  const base = `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
  return d.getMilliseconds() === 0 ? base : `${base}.${p(d.getMilliseconds() * 1000, 6)}`;
}
