import type { DpowBackendConfig } from '../config/types.js';
import { BackendConfigError, BackendTimeoutError, BackendUnavailableError, BadUpstreamReplyError } from '../errors.js';
import type { SignalLike } from '../net/abort.js';
import { type BackoffOptions, backoffDelay } from '../net/backoff.js';
import { abortError, errorText } from '../net/error-text.js';
import { postJson } from '../net/post-json.js';
import type { NetworkName } from '../pow/index.js';
import { scrubText, urlLabel, urlSecrets } from '../secrets.js';
import { withDeadline } from './deadline.js';
import { readDpowReply } from './dpow-reply.js';
import { dpowServes } from './dpow-serves.js';
import { type DpowReply, DpowSocket, SocketLostError } from './dpow-socket.js';
import type { Backend, BackendStatus, WorkJob } from './types.js';

/** The config entry (lib/config/types.ts) plus what the factory adds. */
export interface DpowBackendOptions extends Omit<DpowBackendConfig, 'type'> {
  readonly network: NetworkName;
  /** Keepalive and reconnect tuning; the defaults suit the real service. */
  readonly pingInterval?: number;
  readonly pongTimeout?: number;
  readonly reconnect?: BackoffOptions;
  /** Pause before asking again after `{"timeout": true}`; the defaults suit the real service. */
  readonly timeoutRetry?: BackoffOptions;
}

/** What a DPoW backend counts, read by the metrics at scrape time. */
export interface DpowStats {
  /** Requests sent, by the transport that carried them. */
  readonly websocket: number;
  readonly post: number;
  /** Websocket reconnect attempts, all sockets together. */
  readonly reconnects: number;
  /** Asks repeated after the server answered `{"timeout": true}`. */
  readonly timeoutRetries: number;
}

export interface DpowBackend extends Backend {
  readonly type: 'dpow';
  stats(): DpowStats;
}

export function isDpowBackend(backend: Backend): backend is DpowBackend {
  return backend.type === 'dpow' && typeof (backend as Partial<DpowBackend>).stats === 'function';
}

const DEFAULTS = {
  pingInterval: 30_000,
  pongTimeout: 10_000,
  reconnect: { base: 500, max: 30_000 },
  // Short: a late result lands in the server's store within moments of a timeout reply.
  timeoutRetry: { base: 250, max: 2000 },
} as const;

/** How long past `timeout` a reply may take (server throttling queues requests) before the socket is presumed dead. */
const REPLY_GRACE_MS = 30_000;

/**
 * DPoW (nano-dpow service API): a pool of persistent websockets, each carrying
 * one request at a time because the server answers each socket serially, and
 * POST for whatever finds every socket busy or down. DPoW serves the Nano
 * send base only; what it answers is handed back, and the engine checks it.
 */
export function createDpowBackend(name: string, options: DpowBackendOptions): DpowBackend {
  const seconds = Math.max(1, Math.floor(options.timeout / 1000));
  const replyWithin = seconds * 1000 + REPLY_GRACE_MS;
  const postUrl = new URL(options.postUrl);
  const postLabel = urlLabel(postUrl);
  const secrets = [options.apiKey, ...urlSecrets(postUrl), ...urlSecrets(new URL(options.url))];
  const credentialsKey = `backends.${name}.api_key`;
  let nextId = 0;
  let closed = false;
  let configError: string | undefined;
  let postFailing = false;
  const counts = { websocket: 0, post: 0, timeoutRetries: 0 };
  const timeoutRetry = options.timeoutRetry ?? DEFAULTS.timeoutRetry;

  const sockets = Array.from(
    { length: options.sockets },
    () =>
      new DpowSocket({
        url: options.url,
        reconnect: options.reconnect ?? DEFAULTS.reconnect,
        pingInterval: options.pingInterval ?? DEFAULTS.pingInterval,
        pongTimeout: options.pongTimeout ?? DEFAULTS.pongTimeout,
      }),
  );

  const post = async (frame: string, signal: SignalLike): Promise<DpowReply> => {
    const deadline = withDeadline(signal, replyWithin);
    let res;
    try {
      res = await postJson(postUrl, frame, { signal: deadline.signal, maxBytes: 64 * 1024 });
    } catch (err) {
      if (signal.aborted) throw abortError(signal);
      postFailing = true;
      if (deadline.expired()) throw new BackendTimeoutError(`DPoW POST gave no answer within ${replyWithin / 1000}s`);
      throw new BackendUnavailableError(`DPoW POST ${postLabel}: ${scrubText(errorText(err), { secrets })}`, { cause: err });
    } finally {
      deadline.dispose();
    }
    postFailing = false;
    if (res.status !== 200) {
      // The server answers 200 even for errors; anything else is a proxy or a URL without its trailing slash.
      throw new BackendUnavailableError(`DPoW POST ${postLabel} answered HTTP ${res.status}`);
    }
    let reply: unknown;
    try {
      reply = JSON.parse(res.body);
    } catch {
      throw new BadUpstreamReplyError(`DPoW POST reply is not JSON`);
    }
    if (typeof reply !== 'object' || reply === null || Array.isArray(reply)) {
      throw new BadUpstreamReplyError(`DPoW POST reply is not an object`);
    }
    return reply as DpowReply;
  };

  /** One request: an idle socket if there is one, else POST; a socket lost mid-request hands it to POST. */
  const ask = async (job: WorkJob): Promise<DpowReply> => {
    if (closed) throw new BackendUnavailableError(`backend is closed`);
    const id = ++nextId;
    const frame = JSON.stringify({
      user: options.user,
      api_key: options.apiKey,
      hash: job.root.toUpperCase(),
      ...(options.sendAccount && job.account !== undefined ? { account: job.account } : {}),
      id,
      timeout: seconds,
    });
    const socket = sockets.find((s) => s.idle);
    if (socket !== undefined) {
      counts.websocket++;
      try {
        const reply = await socket.request(id, frame, job.signal, replyWithin);
        // The server answers: whatever a POST did earlier says nothing about it now. Without
        // this, identical instances reported different states in an outage, by their history.
        postFailing = false;
        return reply;
      } catch (err) {
        if (!(err instanceof SocketLostError)) throw err;
        if (closed) throw new BackendUnavailableError(`backend is closed`);
      }
    }
    counts.post++;
    return post(frame, job.signal);
  };

  /**
   * A request the server refuses before anything is broadcast: real credentials and a hash that is
   * not one. The server checks credentials first (spec 1.3), so `Invalid hash` proves them good and
   * `Invalid credentials` finds a bad key at start-up, before any client asks.
   */
  const probe = async (signal: AbortSignal): Promise<void> => {
    if (closed) throw new BackendUnavailableError(`${name}: backend is closed`);
    const id = ++nextId;
    const frame = JSON.stringify({ user: options.user, api_key: options.apiKey, hash: 'probe', id });
    const socket = sockets.find((s) => s.idle);
    let reply: DpowReply | undefined;
    if (socket !== undefined) {
      try {
        reply = await socket.request(id, frame, signal, replyWithin);
        postFailing = false;
      } catch (err) {
        if (!(err instanceof SocketLostError)) throw err;
      }
    }
    reply ??= await post(frame, signal);
    const verdict = readDpowReply(reply);
    if (verdict.kind === 'credentials') {
      configError = `DPoW rejected the credentials: check backends.${name}.user and ${credentialsKey}`;
      throw new BackendConfigError(`${name}: ${configError}`, credentialsKey);
    }
    if (verdict.kind === 'error' && verdict.message === 'Invalid hash') {
      configError = undefined;
      return;
    }
    throw new BadUpstreamReplyError(`${name}: DPoW probe: unexpected answer to an invalid hash (${verdict.kind})`);
  };

  const status = (): BackendStatus => {
    if (configError !== undefined) return { state: 'config_error', detail: configError };
    const lost = sockets.filter((s) => s.state === 'reconnecting').length;
    if (sockets.length > 0 && lost === sockets.length) {
      return postFailing
        ? { state: 'down', detail: `all ${sockets.length} websockets down and POST failing` }
        : { state: 'degraded', detail: `all ${sockets.length} websockets down; requests go by POST` };
    }
    if (postFailing && sockets.length === 0) return { state: 'down', detail: 'POST failing' };
    if (lost > 0) return { state: 'degraded', detail: `${lost} of ${sockets.length} websockets reconnecting` };
    return { state: 'ok' };
  };

  return {
    name,
    type: 'dpow' as const,
    supports: (target) => dpowServes(target, options.network),
    async generate(job: WorkJob): Promise<bigint> {
      if (job.signal.aborted) throw abortError(job.signal);
      // While the server says timeout, ask again after a short pause until the
      // request's deadline (job.signal) ends it: the server keeps results that
      // arrive late, so a later ask finds the work a worker finished meanwhile.
      for (let attempt = 0; ; attempt++) {
        const verdict = readDpowReply(await ask(job));
        if (verdict.kind === 'credentials') {
          configError = `DPoW rejected the credentials: check backends.${name}.user and ${credentialsKey}`;
          throw new BackendConfigError(`${configError}`, credentialsKey);
        }
        // Anything else was answered past the credential check.
        configError = undefined;
        switch (verdict.kind) {
          case 'work':
            return verdict.work;
          case 'pending':
            // "0" is what the server stores while work is pending; it is real
            // work only by chance, and the engine's gate tells which.
            return 0n;
          case 'timeout':
            counts.timeoutRetries++;
            await pause(backoffDelay(attempt, timeoutRetry), job.signal);
            continue;
          case 'error':
            throw new BadUpstreamReplyError(`DPoW error: ${scrubText(verdict.message, { secrets })}`);
        }
      }
    },
    probe,
    status,
    stats: () => ({ ...counts, reconnects: sockets.reduce((sum, s) => sum + s.reconnects, 0) }),
    async close(): Promise<void> {
      closed = true;
      for (const socket of sockets) socket.close();
    },
  };
}

/** Waits `ms`, or rejects with the abort reason when `signal` aborts first. */
function pause(ms: number, signal: SignalLike): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(abortError(signal));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortError(signal));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
