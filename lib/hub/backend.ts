/**
 * The `hub` backend: each job is published to MQTT workers in DPoW's worker
 * protocol, and the first result the engine's gate accepts (`job.accepts`) is
 * handed back; the engine judges it again as it does every backend's work.
 * Results that are malformed, below target, late or repeated never fail a
 * job; they are counted against their worker.
 */

import type { Backend, BackendStatus, StartLogger, WorkJob } from '../backends/types.js';
import { BackendTimeoutError, BackendUnavailableError } from '../errors.js';
import { abortError } from '../net/error-text.js';
import { decodeAccount, type NetworkParams } from '../pow/index.js';
import type { HubResultEvent } from './events.js';
import {
  type ClientCounts,
  formatClientStats,
  formatStatistics,
  formatWorkRequest,
  invalidAccountMessage,
  parsePresence,
  parseResultBytes,
  type StatisticsServices,
  TOPICS,
  typeOfTopic,
  type WorkType,
} from './protocol.js';
import { WorkerRoster, type WorkerView } from './roster.js';
import type { HubTransport } from './transport.js';

export interface HubBackendOptions {
  readonly transport: HubTransport;
  readonly network: NetworkParams;
  /** How long a worker counts as present after it was last heard from (ms). */
  readonly workerTtl: number;
  /** Most workers remembered. */
  readonly maxWorkers: number;
  readonly heartbeatInterval: number;
  readonly statisticsInterval: number;
  /** powgate's services for the `statistics` message; unset: powgate counts as one private service. */
  readonly serviceStatistics?: () => StatisticsServices;
  /** Per-job limit (ms); unset: the job's own deadline. */
  readonly timeout?: number | undefined;
  /** How long start-up waits for an external broker before going on without it (ms). */
  readonly connectWait?: number;
  readonly now?: () => number;
}

export interface HubStatus {
  readonly name: string;
  readonly broker: 'embedded' | 'external';
  /** scheme://host:port where workers connect. */
  readonly url: string;
  readonly websocketUrl?: string;
  readonly connected: boolean;
  /** Worker connections (embedded broker); null through an external broker. */
  readonly workersConnected: number | null;
  /** Workers heard from within workerTtl. */
  readonly workersSeen: number;
  readonly workerTtlSeconds: number;
  readonly jobsPending: number;
  /** Top workers by accepted results. */
  readonly workers: readonly WorkerView[];
}

export interface HubBackend extends Backend {
  readonly type: 'hub';
  readonly transport: HubTransport;
  readonly roster: WorkerRoster;
  /** Resolves when the broker listens (embedded) or answered or `connectWait` passed (external). */
  start(logger?: StartLogger): Promise<void>;
  hubStatus(top?: number): HubStatus;
  /**
   * One call per counted result, synchronously, in the order results arrive.
   * The composition root puts them on the telemetry stream (`hubResult`),
   * where every view reads them. Returns the unsubscribe.
   */
  onResult(listener: (event: HubResultEvent) => void): () => void;
  /**
   * Where `client/{account}` takes a worker's counts from: the ledger's durable
   * ones (lib/ledger/recorder.ts), which survive a restart. Asked right after the
   * result's `onResult` listeners ran, so they include it. Unset: the roster's,
   * counted since start.
   */
  useClientCounts(counts: (account: string) => ClientCounts | undefined): void;
}

interface Pending {
  readonly root: string;
  /** The engine's gate for this job: the hub only asks it whether a result wins. */
  readonly accepts: (work: bigint) => boolean;
  readonly type: WorkType;
  readonly target: bigint;
  readonly published: number;
  readonly resolve: (work: bigint) => void;
  readonly reject: (err: unknown) => void;
}

interface Slot {
  readonly jobs: Set<Pending>;
  /** Accounts that already sent a usable result for the root: a second one is a duplicate. */
  readonly submitted: Set<string>;
  /** The highest target asked for the root. */
  target: bigint;
}

interface Finished {
  /** The job's own root string: late results' events carry it, not a string of their own. */
  readonly root: string;
  readonly type: WorkType;
  readonly submitted: Set<string>;
  readonly target: bigint;
}

/** Roots remembered after their job ends, to tell late and duplicate results from unrequested ones. */
const RECENT_ROOTS = 4096;
/** Accounts remembered per root. */
const SUBMITTERS = 64;
/** Account checks remembered. */
const ACCOUNT_VERDICTS = 4096;

export function createHubBackend(name: string, options: HubBackendOptions): HubBackend {
  const { transport, network } = options;
  const now = options.now ?? Date.now;
  const roster = new WorkerRoster({ maxWorkers: options.maxWorkers, now });
  const pending = new Map<string, Slot>();
  const recent = new Map<string, Finished>();
  let listeners: ReadonlyArray<(event: HubResultEvent) => void> = [];
  const won = { ondemand: 0, precache: 0 };
  let timers: NodeJS.Timeout[] = [];
  let durableCounts: ((account: string) => ClientCounts | undefined) | undefined;
  let closed = false;
  let started: Promise<void> | undefined;

  // Every result names an account, and with N workers N results come per job: the checksum (a
  // blake2b) was a fifth of the hub's CPU. Workers are few and repeat, so the verdict is remembered,
  // with the account's text as first seen: what the hub keeps and tells (submitted sets, events,
  // the roster) is that one string, not a new one per result. The memo is bounded (cleared when
  // full), since accounts are worker-chosen text.
  const verdicts = new Map<string, { readonly text: string; readonly valid: boolean }>();
  const knownAccount = (account: string): { readonly text: string; readonly valid: boolean } => {
    let known = verdicts.get(account);
    if (known === undefined) {
      known = { text: account, valid: decodeAccount(account, network.prefixes) !== undefined };
      if (verdicts.size >= ACCOUNT_VERDICTS) verdicts.clear();
      verdicts.set(account, known);
    }
    return known;
  };
  const validAccount = (account: string): boolean => knownAccount(account).valid;

  /** Counts one result against its worker (a valid account only) and tells the listeners. */
  const tell = (event: HubResultEvent, ms?: number) => {
    const counts = event.accountValid && event.account !== undefined ? roster.result(event.account, event.type, event.outcome, ms) : undefined;
    for (const l of listeners) l(event);
    return counts;
  };

  /** What an invalid result was, beside its reason: the fields of its event. */
  interface Refused {
    readonly account?: string | undefined;
    readonly root?: string;
    readonly difficulty?: bigint | undefined;
    readonly work?: bigint;
  }

  /** An invalid result (rare: the optional fields are filled one by one). */
  const refuse = (type: WorkType, reason: string, refused: Refused): void => {
    const { account } = refused;
    const event: { -readonly [K in keyof HubResultEvent]: HubResultEvent[K] } = {
      backend: name,
      type,
      outcome: 'invalid',
      accountValid: account !== undefined && validAccount(account),
      at: now(),
    };
    if (account !== undefined) event.account = account;
    if (refused.root !== undefined) event.root = refused.root;
    if (refused.difficulty !== undefined) event.difficulty = refused.difficulty;
    if (refused.work !== undefined) event.work = refused.work;
    event.reason = reason;
    tell(event);
  };

  const remember = (root: string, finished: Finished): void => {
    recent.delete(root);
    recent.set(root, finished);
    if (recent.size > RECENT_ROOTS) {
      const oldest = recent.keys().next().value;
      if (oldest !== undefined) recent.delete(oldest);
    }
  };

  /** Takes one job off the books; the last one for a root cancels it on the workers. */
  const settle = (job: Pending): void => {
    const entry = pending.get(job.root);
    if (entry === undefined || !entry.jobs.delete(job)) return;
    if (entry.jobs.size > 0) return;
    pending.delete(job.root);
    remember(job.root, { root: job.root, type: job.type, submitted: entry.submitted, target: entry.target });
    transport.publish(TOPICS.cancel(job.type), job.root, 0);
  };

  // Late, duplicate and accepted results (N per job with N workers) build their event in one
  // literal, every field set: one shape, no property added afterwards.
  const repeated = (
    type: WorkType,
    outcome: 'late' | 'duplicate',
    who: { readonly text: string; readonly valid: boolean },
    root: string,
    difficulty: bigint,
    work: bigint,
  ): HubResultEvent => ({ backend: name, type, outcome, accountValid: who.valid, at: now(), account: who.text, root, difficulty, work });

  const onResult = (topicType: WorkType, payload: Buffer): void => {
    const parsed = parseResultBytes(payload);
    if (!parsed.ok) {
      refuse(topicType, parsed.reason, { account: parsed.account });
      return;
    }
    const { hash, work } = parsed;
    const who = knownAccount(parsed.account);
    const account = who.text;
    const entry = pending.get(hash);
    if (entry === undefined) {
      const finished = recent.get(hash);
      if (finished === undefined) {
        refuse(topicType, 'no job for this root', { account, root: hash, work });
        return;
      }
      // The work type comes from the job, not from the topic the worker chose.
      const repeat = finished.submitted.has(account);
      if (!repeat && finished.submitted.size < SUBMITTERS) finished.submitted.add(account);
      tell(repeated(finished.type, repeat ? 'duplicate' : 'late', who, finished.root, finished.target, work));
      return;
    }
    const first = entry.jobs.values().next().value as Pending;
    if (entry.submitted.has(account)) {
      tell(repeated(first.type, 'duplicate', who, first.root, entry.target, work));
      return;
    }
    // The engine's gate decides (job.accepts); the hub only learns whether this result wins.
    const met = [...entry.jobs].filter((job) => job.accepts(work));
    if (met.length === 0) {
      refuse(first.type, 'below the target', { account, root: hash, difficulty: entry.target, work });
      return;
    }
    // Only a usable result makes a later one from the same account a duplicate.
    if (entry.submitted.size < SUBMITTERS) entry.submitted.add(account);
    const type = met.some((job) => job.type === 'ondemand') ? 'ondemand' : 'precache';
    const ms = now() - Math.min(...met.map((job) => job.published));
    const difficulty = met.reduce((max, job) => (job.target > max ? job.target : max), 0n);
    for (const job of met) {
      settle(job);
      job.resolve(work);
    }
    won[type]++;
    const counts = tell(
      { backend: name, type, outcome: 'accepted', accountValid: who.valid, at: now(), account, root: first.root, difficulty, work, seconds: ms / 1000 },
      ms,
    );
    // Usable work, but nobody to credit: DPoW answers with this text.
    if (counts === undefined) transport.publish(TOPICS.client(account), invalidAccountMessage(account), 0);
    else transport.publish(TOPICS.client(account), formatClientStats(durableCounts?.(account) ?? counts, first.root), 0);
  };

  const onPresence = (account: string, payload: string): void => {
    if (!validAccount(account)) return;
    const presence = parsePresence(payload);
    if (presence !== undefined) roster.presence(account, presence.online);
  };

  transport.onMessage((topic, payload) => {
    if (closed) return;
    const type = typeOfTopic(topic, 'result');
    if (type !== undefined) return onResult(type, payload);
    if (topic.startsWith('presence/')) onPresence(topic.slice('presence/'.length), payload.toString('utf8'));
  });
  transport.onDown(() => {
    // Nothing published before the loss can be answered through this connection: the next tier takes over now.
    const lost = new BackendUnavailableError(`${name}: connection to the broker ${transport.label} lost`);
    for (const entry of [...pending.values()]) {
      for (const job of [...entry.jobs]) {
        settle(job);
        job.reject(lost);
      }
    }
  });

  const startTimers = (): void => {
    const heartbeat = setInterval(() => transport.publish(TOPICS.heartbeat, '', 0), options.heartbeatInterval);
    const statistics = setInterval(
      () => transport.publish(TOPICS.statistics, formatStatistics(won, options.serviceStatistics?.()), 0),
      options.statisticsInterval,
    );
    heartbeat.unref();
    statistics.unref();
    timers = [heartbeat, statistics];
  };

  return {
    name,
    type: 'hub',
    transport,
    roster,
    start(logger?: StartLogger) {
      started ??= (async () => {
        await transport.start(options.connectWait ?? 2000, logger);
        if (closed) return;
        startTimers();
        transport.publish(TOPICS.heartbeat, '', 0);
      })();
      return started;
    },
    // With the embedded broker and no worker connected there is nobody to ask: skipped, not failed.
    // Through an external broker the hub cannot see DPoW clients (they announce nothing), so it always asks.
    supports: () => !closed && transport.workers() !== 0,
    generate(job: WorkJob): Promise<bigint> {
      if (job.signal.aborted) return Promise.reject(abortError(job.signal));
      if (closed) return Promise.reject(new BackendUnavailableError(`${name}: backend is closed`));
      if (!transport.connected()) {
        return Promise.reject(new BackendUnavailableError(`${name}: not connected to the broker ${transport.label}`));
      }
      const type: WorkType = job.priority === 'precache' ? 'precache' : 'ondemand';
      return new Promise<bigint>((resolve, reject) => {
        let timer: NodeJS.Timeout | undefined;
        const done = (): void => {
          clearTimeout(timer);
          job.signal.removeEventListener('abort', onAbort);
        };
        const entry: Pending = {
          root: job.root,
          accepts: job.accepts,
          type,
          target: job.target,
          published: now(),
          resolve: (work) => {
            done();
            resolve(work);
          },
          reject: (err) => {
            done();
            reject(err);
          },
        };
        const onAbort = (): void => {
          settle(entry);
          entry.reject(abortError(job.signal));
        };
        job.signal.addEventListener('abort', onAbort, { once: true });
        if (options.timeout !== undefined) {
          timer = setTimeout(() => {
            settle(entry);
            entry.reject(new BackendTimeoutError(`${name}: no valid result within ${options.timeout} ms`));
          }, options.timeout);
        }
        let slot = pending.get(job.root);
        if (slot === undefined) {
          slot = { jobs: new Set(), submitted: recent.get(job.root)?.submitted ?? new Set(), target: job.target };
          pending.set(job.root, slot);
        } else if (job.target > slot.target) {
          slot.target = job.target;
        }
        slot.jobs.add(entry);
        transport.publish(TOPICS.work(type), formatWorkRequest(job.root, job.target), 0);
      });
    },
    status(): BackendStatus {
      if (!transport.connected()) {
        const problem = transport.problem?.();
        return { state: 'down', detail: problem ?? `not connected to the broker ${transport.label}` };
      }
      const connected = transport.workers();
      if (connected === 0) return { state: 'degraded', detail: 'no worker connected' };
      return { state: 'ok', detail: connected === undefined ? `${roster.seen(options.workerTtl)} workers seen` : `${connected} workers connected` };
    },
    hubStatus(top = 20): HubStatus {
      const websocketUrl = 'websocketUrl' in transport ? (transport as { websocketUrl(): string | undefined }).websocketUrl() : undefined;
      return {
        name,
        broker: transport.kind,
        url: transport.label,
        ...(websocketUrl === undefined ? {} : { websocketUrl }),
        connected: transport.connected(),
        workersConnected: transport.workers() ?? null,
        workersSeen: roster.seen(options.workerTtl),
        workerTtlSeconds: options.workerTtl / 1000,
        jobsPending: pending.size,
        workers: roster.top(top),
      };
    },
    useClientCounts(counts) {
      durableCounts = counts;
    },
    onResult(listener) {
      // Copy on write: a result being told walks the list it started with.
      listeners = [...listeners, listener];
      return () => {
        listeners = listeners.filter((l) => l !== listener);
      };
    },
    async close() {
      closed = true;
      for (const t of timers) clearInterval(t);
      timers = [];
      const gone = new BackendUnavailableError(`${name}: backend is closed`);
      for (const entry of [...pending.values()]) {
        for (const job of [...entry.jobs]) {
          settle(job);
          job.reject(gone);
        }
      }
      await transport.close();
    },
  };
}

export function isHubBackend(backend: Backend): backend is HubBackend {
  return backend.type === 'hub' && 'hubStatus' in backend;
}
