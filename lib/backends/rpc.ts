import { setMaxListeners } from 'node:events';
import { BackendTimeoutError, BackendUnavailableError, BadUpstreamReplyError, CancelledError, isAbortError, PowgateError } from '../errors.js';
import { type SignalLike, toAbortSignal } from '../net/abort.js';
import { abortError, errorText } from '../net/error-text.js';
import { KeepAliveTarget } from '../net/keep-alive.js';
import { postJson } from '../net/post-json.js';
import { formatWorkHex, parseWorkHex } from '../pow/index.js';
import { scrubText, urlLabel, urlSecrets } from '../secrets.js';
import type { Backend, BackendStatus, WorkJob } from './types.js';

export interface RpcBackendOptions {
  readonly urls: readonly string[];
  /** Per-request timeout in ms; unset means the job's own deadline. */
  readonly timeout?: number;
  /** Relay the client's `account` to the peers. */
  readonly sendAccount: boolean;
}

interface Peer {
  readonly url: URL;
  /** The URL without credentials, path or query: safe for errors and logs. */
  readonly label: string;
  /** What the URL carries that a peer's echo must not repeat (password, its Basic header, query values). */
  readonly secrets: readonly string[];
  /** Requests in flight by root: a peer gets work_cancel only when none still needs the root. */
  readonly active: Map<string, number>;
  /** POSTs a body: the lean keep-alive client for http peers, node:https for https ones. */
  readonly post: (body: string, options: { signal?: SignalLike; maxBytes: number }) => Promise<{ status: number; body: string }>;
}

const CANCEL_TIMEOUT_MS = 2000;
/** spec node-rpc.md §6, V7 (nano-docs sample block): work 64277ffb135de20c on this root has value fffffffa780aff94. */
const PROBE_BODY = JSON.stringify({
  action: 'work_validate',
  hash: 'C05B995C518530876CF8AB876FD93577955A51D05971A19CDE243514B5A25F47',
  work: '64277ffb135de20c',
});
const PROBE_VALUE = 'fffffffa780aff94';
/** Abort reason for peers that lost the race; shared, as it carries no per-request detail. */
const LOST = new CancelledError('Cancelled: another peer answered');

/** A peer's answer the engine's gate would refuse: it does not end the race, but is handed back if nothing better comes. */
class Unaccepted {
  constructor(readonly work: bigint) {}
}

/**
 * Node-RPC work peers: nano-work-server, a node with control enabled, another
 * powgate. All URLs race; the first work the engine's gate accepts
 * (`job.accepts`) wins, and every peer still working on the root is sent
 * `work_cancel`, as a node does. Work is never judged here: when no peer's
 * passes, one of them is handed back for the engine to count.
 */
export function createRpcBackend(name: string, options: RpcBackendOptions): Backend {
  const peers: Peer[] = options.urls.map((raw) => {
    const url = new URL(raw);
    // Every cache miss is a POST to a peer: the lean client's CPU per request is a fraction of node:http's (issue 12).
    const target = url.protocol === 'http:' ? new KeepAliveTarget(url) : undefined;
    return {
      url,
      label: urlLabel(url),
      secrets: urlSecrets(url),
      active: new Map(),
      post: target !== undefined ? (body, o) => target.post(body, o) : (body, o) => postJson(url, body, o),
    };
  });
  const { sendAccount } = options;
  let lastProbe: string | undefined;

  /** work_validate of a fixed vector: spends nobody's work, and proves the peer hashes right. */
  const probePeer = async (peer: Peer, signal: AbortSignal): Promise<void> => {
    let res;
    try {
      res = await peer.post(PROBE_BODY, { signal, maxBytes: 4096 });
    } catch (err) {
      throw new BackendUnavailableError(`${peer.label}: ${errorText(err)}`, { cause: err });
    }
    let reply: unknown;
    try {
      reply = JSON.parse(res.body);
    } catch {
      throw new BadUpstreamReplyError(`${peer.label}: work_validate reply is not JSON (HTTP ${res.status})`);
    }
    const difficulty = typeof reply === 'object' && reply !== null ? (reply as { difficulty?: unknown }).difficulty : undefined;
    if (typeof difficulty !== 'string' || difficulty.toLowerCase() !== PROBE_VALUE) {
      throw new BadUpstreamReplyError(`${peer.label}: work_validate of the probe vector did not give its value ${PROBE_VALUE}`);
    }
  };

  const release = (peer: Peer, root: string): number => {
    const left = (peer.active.get(root) ?? 1) - 1;
    if (left <= 0) peer.active.delete(root);
    else peer.active.set(root, left);
    return left;
  };

  /** Cancels on their way: close() lets them arrive (each is bounded) before the process drops its sockets. */
  const cancelling = new Set<Promise<void>>();
  const sendCancel = (peer: Peer, root: string): void => {
    const body = JSON.stringify({ action: 'work_cancel', hash: root });
    // Fire and forget, like the node: the answer is never needed.
    const sent = peer.post(body, { signal: AbortSignal.timeout(CANCEL_TIMEOUT_MS), maxBytes: 4096 }).then(
      () => {},
      () => {},
    );
    cancelling.add(sent);
    void sent.finally(() => cancelling.delete(sent));
  };

  /**
   * Each URL's request listens once on the signal the backend shares among its
   * URLs, and stops listening when it ends: one listener per configured URL,
   * bounded by the config. Past Node's default of 10 (a pool of 100 GPU boxes)
   * that is no leak, so the limit of this signal (the backend's own, never the
   * job's) is the URL count.
   */
  const forEveryPeer = (signal: AbortSignal): AbortSignal => {
    if (peers.length >= 10) setMaxListeners(peers.length + 1, signal);
    return signal;
  };

  /**
   * One POST of `body` to `peer`, its answer read as work. `alone`: this is the
   * backend's only request for the job (one peer, no timeout of its own), so
   * its failure is the backend's: once the job is aborted, whatever failed
   * reads as the job's abort. Promise
   * callbacks rather than async functions: on the miss path each await is a
   * microtask hop and a suspended frame per request (issue 12).
   */
  const askPeer = (peer: Peer, job: WorkJob, body: string, signal: SignalLike, alone: boolean): Promise<bigint> => {
    peer.active.set(job.root, (peer.active.get(job.root) ?? 0) + 1);
    const done = (answered: boolean): void => {
      const left = release(peer, job.root);
      // A peer that already answered needs no cancel; one still working does,
      // unless another request of ours still wants this root from it.
      if (!answered && signal.aborted && left === 0) sendCancel(peer, job.root);
    };
    let sent: Promise<{ status: number; body: string }>;
    try {
      sent = peer.post(body, { signal, maxBytes: 64 * 1024 });
    } catch (err) {
      sent = Promise.reject(err);
    }
    return sent.then(
      (res) => {
        done(true);
        try {
          return parseReply(peer, res.body);
        } catch (err) {
          if (alone && signal.aborted) throw abortError(signal);
          throw err;
        }
      },
      (err: unknown) => {
        done(false);
        // Alone, any failure of an aborted job is the abort; in a race a peer's own error stays its own.
        if (signal.aborted && (alone || !(err instanceof PowgateError))) throw abortError(signal);
        if (err instanceof PowgateError) throw err;
        // An abort that is not the job's (the request's own): alone, it is the backend failing.
        if (isAbortError(err)) throw alone ? new BackendUnavailableError(abortError(signal).message) : abortError(signal);
        throw new BackendUnavailableError(`${peer.label}: ${scrubText(errorText(err), { secrets: peer.secrets })}`, { cause: err });
      },
    );
  };

  /** Every URL at once: the first work the engine accepts wins, and the others are stopped. */
  const race = async (job: WorkJob, body: string): Promise<bigint> => {
    // Only what is needed: one peer and no timeout share the job's own signal.
    const losers = peers.length > 1 ? new AbortController() : undefined;
    const deadline = options.timeout === undefined ? undefined : AbortSignal.timeout(options.timeout);
    const parts = [toAbortSignal(job.signal)];
    if (losers !== undefined) parts.push(losers.signal);
    if (deadline !== undefined) parts.push(deadline);
    const signal: SignalLike = parts.length === 1 ? job.signal : forEveryPeer(AbortSignal.any(parts));
    let pending = peers.length;
    const ask = (peer: Peer): Promise<bigint> =>
      askPeer(peer, job, body, signal, false)
        .then((work) => (job.accepts(work) ? work : Promise.reject(new Unaccepted(work))))
        .finally(() => pending--);
    try {
      return await Promise.any(peers.map(ask));
    } catch (err) {
      if (job.signal.aborted) throw abortError(job.signal);
      const errors = err instanceof AggregateError ? (err.errors as unknown[]) : [err];
      const got = errors.find((e): e is Unaccepted => e instanceof Unaccepted);
      if (got !== undefined) return got.work;
      // The engine names this backend; these name the peer (its label) at most.
      if (deadline?.aborted) throw new BackendTimeoutError(`no answer within ${options.timeout} ms`);
      const [only] = errors;
      if (errors.length === 1 && only instanceof PowgateError) throw only;
      throw new BackendUnavailableError(errors.map((e) => (e instanceof Error ? e.message : String(e))).join('; '));
    } finally {
      // Losing peers in this backend are stopped (and sent work_cancel).
      if (pending > 0) losers?.abort(LOST);
    }
  };

  return {
    name,
    type: 'rpc',
    supports: () => peers.length > 0,
    generate(job: WorkJob): Promise<bigint> {
      if (job.signal.aborted) return Promise.reject(job.signal.reason);
      let body: string;
      try {
        // JSON.stringify's bytes for { action, hash, difficulty, account? }: the root and difficulty are hex digits.
        const account = sendAccount && job.account !== undefined ? `,"account":${JSON.stringify(job.account)}` : '';
        body = `{"action":"work_generate","hash":"${job.root}","difficulty":"${formatWorkHex(job.target)}"${account}}`;
      } catch (err) {
        return Promise.reject(err);
      }
      const only = peers.length === 1 ? peers[0] : undefined;
      // One peer and no timeout of our own: what the race comes to, without its promises.
      // Its work is handed back whether or not the engine will accept it: the engine judges.
      if (only !== undefined && options.timeout === undefined) return askPeer(only, job, body, job.signal, true);
      return race(job, body);
    },
    async probe(signal: AbortSignal): Promise<void> {
      // Any one URL answering the fixed vector right is enough: the backend races them all.
      try {
        const shared = peers.length > 1 ? forEveryPeer(AbortSignal.any([signal])) : signal;
        await Promise.any(peers.map((peer) => probePeer(peer, shared)));
        lastProbe = undefined;
      } catch (err) {
        const errors = err instanceof AggregateError ? (err.errors as unknown[]) : [err];
        lastProbe = errors.map(errorText).join('; ');
        throw new BackendUnavailableError(`${name}: probe failed: ${lastProbe}`);
      }
    },
    status(): BackendStatus {
      return lastProbe === undefined ? { state: 'ok' } : { state: 'degraded', detail: `last probe failed: ${lastProbe}` };
    },
    async close() {
      // Jobs aborted at shutdown send their work_cancel just before this; a
      // peer left searching would burn its GPU on work nobody will collect.
      await Promise.all(cancelling);
    },
  };
}

function parseReply({ label, secrets }: Peer, text: string): bigint {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new BadUpstreamReplyError(`${label}: reply is not JSON`);
  }
  if (typeof body !== 'object' || body === null) throw new BadUpstreamReplyError(`${label}: reply is not an object`);
  const { work, error } = body as { work?: unknown; error?: unknown };
  if (typeof work === 'string') {
    const value = parseWorkHex(work);
    if (value === undefined) throw new BadUpstreamReplyError(`${label}: malformed work`);
    return value;
  }
  // The peer's own words, relayed to clients and logs: a peer may echo our Authorization header or query.
  if (typeof error === 'string') throw new BadUpstreamReplyError(`${label}: ${scrubText(error, { secrets })}`);
  throw new BadUpstreamReplyError(`${label}: reply has no work`);
}
