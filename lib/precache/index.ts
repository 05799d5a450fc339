import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { WorkCache } from '../cache/index.js';
import { closeRedis, connectRedis, describe, withTimeout } from '../cache/redis.js';
import type { Config } from '../config/types.js';
import type { WorkService } from '../engine/service.js';
import { CacheError } from '../errors.js';
import { NETWORKS } from '../pow/index.js';
import type { PrecacheState } from '../status/types.js';
import type { Telemetry } from '../telemetry/events.js';
import { TrackedAccounts } from './accounts.js';
import { type Confirmation, fromCallback, fromWebsocket } from './confirmation.js';
import { callbackForwarder } from './forward.js';
import { confirmationHandler } from './handler.js';
import { NO_LOCK } from './lock.js';
import { nodeLookup } from './node.js';
import { redisAccounts, redisLock } from './redis.js';
import { PrecacheScheduler } from './scheduler.js';
import { NodeSocket } from './websocket.js';

export interface PrecacheDeps {
  readonly config: Config;
  readonly service: WorkService;
  readonly cache: WorkCache;
  readonly logger: Logger;
  /** The telemetry stream: precache emits its events there and learns accounts from the engine's requests. */
  readonly events: Telemetry;
  /** Redis trouble of the account store and lock, reported like the cache's own. */
  readonly onStoreError: (err: CacheError) => void;
}

/** `not_json` / `not_block`: why a callback body was refused. */
export type CallbackAnswer = { readonly ok: true } | { readonly ok: false; readonly refused: 'not_json' | 'not_block' };

export interface Precache {
  /** Its state for the dashboard and /api/status; the counts beside it come from the telemetry figures. */
  status(): PrecacheState;
  /**
   * The node's HTTP callback: a block callback is forwarded as is and is a
   * precache trigger. Unless `trusted` (a configured secret or allow-list
   * vouched for the sender), precache acts on the node's own record of the
   * block, never on what the body claims.
   */
  callback(raw: string, trusted: boolean): CallbackAnswer;
  close(): Promise<void>;
}

/** How long start-up waits for the tracked accounts in Redis before subscribing without them. */
const LOAD_TIMEOUT = 5000;
/** Untrusted callbacks being checked with the node at once, at most; more are dropped. */
const MAX_VERIFYING = 8;

/**
 * Precache: the next block's work for tracked accounts, made when their last
 * block confirms, so work_generate finds it in the cache. Wires the triggers
 * (node websocket, HTTP callback), the tracked accounts (learned from client
 * requests), the confirmation handler and the scheduler that runs the work
 * through the engine below client requests.
 */
export function createPrecache(deps: PrecacheDeps): Precache {
  const { config, service, cache, logger, events } = deps;
  const options = config.precache;
  const network = NETWORKS[config.network];
  const forward = options.callbackForward.length > 0 ? callbackForwarder(options.callbackForward, options.callbackTimeout, events) : undefined;
  if (forward !== undefined && options.callbackSecret === undefined && options.callbackAllow.length === 0) {
    logger.warn('anyone who can reach POST /callback can send to precache.callback_forward: set precache.callback_secret or precache.callback_allow');
  }

  const enabled = options.enabled && options.backends.length > 0;
  if (options.enabled && !enabled) logger.warn('precache is off: no backend may serve it (set precache.backends)');
  if (!enabled) {
    return {
      status: () => ({ enabled: false, websocket: 'off', trackedAccounts: 0, queueDepth: 0 }),
      callback: (raw) => readCallback(raw, forward).answer,
      close: async () => {},
    };
  }

  const redis = config.cache.url === 'memory' ? undefined : connectRedis(config.cache.url, deps.onStoreError);
  const storeError = (err: unknown): void => deps.onStoreError(new CacheError(`precache store: ${describe(err)}`, { cause: err }));
  const accounts = new TrackedAccounts({
    configured: options.accounts,
    ttl: options.accountTtl,
    max: options.maxAccounts,
    prefixes: network.prefixes,
    ...(redis === undefined ? {} : { persistence: redisAccounts(redis.client, storeError) }),
  });
  const node = config.node.rpc === undefined ? undefined : nodeLookup(new URL(config.node.rpc), config.node.timeout);
  const scheduler = new PrecacheScheduler({
    service,
    events,
    lock: redis === undefined ? NO_LOCK : redisLock(redis.client, randomUUID(), storeError),
    lockMs: config.work.deadline,
    maxQueue: options.maxQueue,
    concurrency: options.concurrency,
    // A destination's next root: its head block, or its key while it is unopened.
    frontierOf: async (account, signal) => {
      if (node === undefined) return accounts.get(account)?.frontier;
      const info = await node.accountInfo(account, signal);
      return info === undefined ? accounts.key(account) : info.frontier;
    },
  });

  const handle = confirmationHandler({
    accounts,
    scheduler,
    cache,
    events,
    ...(node === undefined ? {} : { node }),
    thresholds: { next: network.sendThreshold, receive: network.receiveThreshold },
    remember: Math.max(10_000, options.maxQueue * 4),
  });

  /**
   * A callback nobody vouched for may be forged: one that names a tracked
   * account would evict cached work and queue precache, so the block is looked
   * up on the node and precache acts on the node's record of it (confirmed,
   * with its real account, previous and destination). Without node.rpc it is
   * dropped. Untracked claims are not even remembered, so a forged hash
   * cannot shadow the real confirmation later.
   */
  let verifying = 0;
  const unverified = (): void => {
    events.emit('confirmation', { trigger: 'callback', outcome: 'unverified' });
  };
  const verifyThenHandle = (claimed: Confirmation): void => {
    if (!accounts.has(claimed.account) && (claimed.destination === undefined || !accounts.has(claimed.destination))) {
      events.emit('confirmation', { trigger: 'callback', outcome: 'ignored' });
      return;
    }
    if (node === undefined || verifying >= MAX_VERIFYING) {
      unverified();
      return;
    }
    verifying++;
    node
      .blockInfo(claimed.hash)
      .then(
        (info) => {
          const conf = info?.confirmed === true ? fromCallback(info.body) : undefined;
          if (conf === undefined) return unverified();
          // As a callback, without the height: a block that is not the chain's next is checked against the confirmed head.
          handle(conf, 'callback');
        },
        () => unverified(),
      )
      .finally(() => verifying--);
  };

  const socket =
    config.node.websocket === undefined
      ? undefined
      : new NodeSocket({
          url: config.node.websocket,
          accounts: () => accounts.list(),
          onConfirmation: (message) => {
            const conf = fromWebsocket(message);
            if (conf === undefined) events.emit('malformed', { trigger: 'websocket' });
            else handle(conf, 'websocket');
          },
          reconnectDelay: options.reconnectDelay,
          maxReconnectDelay: options.maxReconnectDelay,
          pingInterval: options.pingInterval,
          events,
        });
  accounts.onChange = (added, removed) => socket?.accountsChanged(added, removed);

  // Accounts are learned from the requests the engine sees.
  const onRequest = (e: { root: string; account?: string }): void => {
    if (e.account !== undefined) accounts.learn(e.account, e.root);
  };
  events.on('request', onRequest);

  const sweep = setInterval(() => accounts.sweep(), Math.min(options.accountTtl / 10, 3_600_000));
  sweep.unref();

  let closed = false;
  void (async () => {
    try {
      if (redis !== undefined) await withTimeout(redis.connected, LOAD_TIMEOUT);
      await withTimeout(accounts.load(), LOAD_TIMEOUT);
    } catch (err) {
      logger.warn({ err: describe(err) }, 'tracked accounts not loaded from the store; starting with the configured ones');
    }
    if (!closed) socket?.start();
  })();

  return {
    status: () => ({
      enabled: true,
      websocket: socket?.state ?? 'off',
      trackedAccounts: accounts.size,
      queueDepth: scheduler.depth,
    }),
    callback(raw, trusted) {
      const { answer, confirmation } = readCallback(raw, forward);
      if (confirmation !== undefined) {
        if (trusted) handle(confirmation, 'callback');
        else verifyThenHandle(confirmation);
      } else if (!answer.ok && answer.refused === 'not_block') {
        events.emit('malformed', { trigger: 'callback' });
      }
      return answer;
    },
    async close() {
      closed = true;
      clearInterval(sweep);
      events.off('request', onRequest);
      socket?.close();
      scheduler.close();
      if (redis !== undefined) await closeRedis(redis.client);
    },
  };
}

/** Parses a callback body; only a readable block callback is forwarded, unchanged. */
function readCallback(raw: string, forward: ((raw: string) => void) | undefined): { answer: CallbackAnswer; confirmation?: Confirmation } {
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    return { answer: { ok: false, refused: 'not_json' } };
  }
  const confirmation = fromCallback(body);
  if (confirmation === undefined) return { answer: { ok: false, refused: 'not_block' } };
  forward?.(raw);
  return { answer: { ok: true }, confirmation };
}
