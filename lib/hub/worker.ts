/**
 * `powgate worker`: the local generator (native SIMD CPU threads, GPU) working
 * for a hub that speaks DPoW's worker protocol (spec §1.8): a powgate hub or
 * any DPoW-protocol hub. Subscribes as DPoW's reference worker does, waits for
 * the hub's heartbeat, takes on-demand work before precache, drops a job the
 * moment it is cancelled, and reconnects with backoff and jitter.
 */
import { randomBytes } from 'node:crypto';
import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import type { WorkGenerator } from '../generator/index.js';
import { backoffDelay } from '../net/backoff.js';
import { hexToBytes } from '../pow/index.js';
import { noDelay } from './external.js';
import { formatPresence, formatResult, parseWorkRequest, TOPICS, typeOfTopic, type WorkType } from './protocol.js';

/** What the worker needs from a generator: lib/generator's standalone interface. */
export type WorkerGenerator = Pick<WorkGenerator, 'generate' | 'hashes' | 'close'>;

export interface WorkerOptions {
  /** mqtt://user:pass@host:port (or mqtts://, ws://, wss://). */
  readonly hub: string;
  readonly payout: string;
  readonly work: 'ondemand' | 'precache' | 'any';
  readonly generator: WorkerGenerator;
  /** One status line this often (ms). */
  readonly statusInterval: number;
  /** Warn when no heartbeat came for this long (ms); DPoW's worker says 10 s. */
  readonly heartbeatWarn?: number;
  /** First reconnect delay (ms); doubles, with jitter, up to maxReconnectDelay. */
  readonly reconnectDelay?: number;
  readonly maxReconnectDelay?: number;
  /** Most queued hashes per work type; the oldest is dropped first. */
  readonly maxQueue?: number;
  /** One line for the operator (status, warnings). */
  readonly log: (line: string) => void;
}

export interface WorkerStats {
  readonly connected: boolean;
  readonly heartbeat: boolean;
  readonly done: { readonly ondemand: number; readonly precache: number };
  readonly rewarded: number;
  readonly cancelled: number;
  readonly queued: number;
  /** The hash being worked on, when any. */
  readonly current?: string;
}

export interface Worker {
  /** Resolves once connected and subscribed the first time. */
  readonly connected: Promise<void>;
  stats(): WorkerStats;
  /** Says goodbye (presence), disconnects, stops the generator. */
  stop(): Promise<void>;
  /** Rejects when the worker cannot go on (the hub refused its login). */
  readonly failed: Promise<never>;
}

interface Item {
  readonly hash: string;
  readonly target: bigint;
  readonly type: WorkType;
}

export function startWorker(options: WorkerOptions): Worker {
  const url = new URL(options.hub);
  const username = url.username === '' ? undefined : decodeURIComponent(url.username);
  const password = url.password === '' ? undefined : decodeURIComponent(url.password);
  url.username = '';
  url.password = '';
  const where = `${url.protocol}//${url.host}`;
  const log = options.log;
  const heartbeatWarn = options.heartbeatWarn ?? 10_000;
  const baseDelay = options.reconnectDelay ?? 1000;
  const maxDelay = options.maxReconnectDelay ?? 60_000;
  const maxQueue = options.maxQueue ?? 1000;
  const clientId = `powgate-worker-${randomBytes(6).toString('hex')}`;
  const types: WorkType[] = options.work === 'any' ? ['ondemand', 'precache'] : [options.work];

  const queues: Record<WorkType, Map<string, Item>> = { ondemand: new Map(), precache: new Map() };
  const done = { ondemand: 0, precache: 0 };
  let rewarded = 0;
  let cancelled = 0;
  let current: { item: Item; controller: AbortController } | undefined;
  let lastHeartbeat: number | undefined;
  let heartbeatMissing = false;
  let presence = true;
  let attempt = 0;
  let stopping = false;
  let client: MqttClient | undefined;
  let reconnectTimer: NodeJS.Timeout | undefined;
  let lastErrorText: string | undefined;
  let lastHashes = options.generator.hashes();
  let lastTick = Date.now();

  let markConnected: () => void = () => {};
  const connected = new Promise<void>((resolve) => (markConnected = resolve));
  let fail: (err: Error) => void = () => {};
  const failed = new Promise<never>((_resolve, reject) => (fail = reject));
  failed.catch(() => {});

  const pick = (): Item | undefined => {
    for (const type of ['ondemand', 'precache'] as const) {
      const queue = queues[type];
      if (queue.size === 0) continue;
      // Random, as DPoW's worker picks: many workers then spread over a backlog instead of all taking the oldest.
      const index = Math.floor(Math.random() * queue.size);
      let i = 0;
      for (const item of queue.values()) {
        if (i++ === index) {
          queue.delete(item.hash);
          return item;
        }
      }
    }
    return undefined;
  };

  const run = (): void => {
    if (current !== undefined || stopping || lastHeartbeat === undefined || client?.connected !== true) return;
    const item = pick();
    if (item === undefined) return;
    const controller = new AbortController();
    current = { item, controller };
    options.generator.generate(hexToBytes(item.hash), item.target, controller.signal).then(
      (work) => {
        if (current?.controller === controller) current = undefined;
        if (controller.signal.aborted) return;
        done[item.type]++;
        // The hash goes back exactly as the hub sent it: DPoW looks it up as received.
        client?.publish(TOPICS.result(item.type), formatResult(item.hash, work, options.payout), { qos: 0 });
        run();
      },
      (err: unknown) => {
        if (current?.controller === controller) current = undefined;
        if (!controller.signal.aborted)
          log(`powgate worker: generator failed on ${item.hash.slice(0, 8)}…: ${err instanceof Error ? err.message : String(err)}`);
        run();
      },
    );
  };

  const onWork = (type: WorkType, payload: string): void => {
    const request = parseWorkRequest(payload);
    if (request === undefined) return;
    if (current?.item.hash === request.hash || queues.ondemand.has(request.hash) || queues.precache.has(request.hash)) return;
    const queue = queues[type];
    if (queue.size >= maxQueue) {
      const oldest = queue.keys().next().value;
      if (oldest !== undefined) queue.delete(oldest);
    }
    queue.set(request.hash, { hash: request.hash, target: request.difficulty, type });
    // On-demand work comes first: a precache job in progress steps aside (and goes back in its queue).
    if (type === 'ondemand' && current?.item.type === 'precache') {
      const preempted = current;
      current = undefined;
      preempted.controller.abort();
      queues.precache.set(preempted.item.hash, preempted.item);
    }
    run();
  };

  const onCancel = (payload: string): void => {
    const hash = payload.trim();
    let hit = queues.ondemand.delete(hash) || queues.precache.delete(hash);
    if (current !== undefined && current.item.hash === hash) {
      current.controller.abort();
      current = undefined;
      hit = true;
    }
    if (hit) cancelled++;
    run();
  };

  const onClient = (payload: string): void => {
    let message: unknown;
    try {
      message = JSON.parse(payload);
    } catch {
      return;
    }
    if (typeof message !== 'object' || message === null) return;
    const { block_rewarded: block, error } = message as { block_rewarded?: unknown; error?: unknown };
    if (typeof block === 'string') rewarded++;
    if (typeof error === 'string' && error !== lastErrorText) {
      lastErrorText = error;
      log(`powgate worker: the hub says: ${error.slice(0, 200)}`);
    }
  };

  const subscriptions = (): Record<string, { qos: 0 | 1 }> => {
    const subs: Record<string, { qos: 0 | 1 }> = { heartbeat: { qos: 0 } };
    for (const type of types) subs[TOPICS.work(type)] = { qos: 0 };
    subs[TOPICS.cancel('ondemand')] = { qos: 1 };
    subs[TOPICS.cancel('precache')] = { qos: 1 };
    subs[TOPICS.client(options.payout)] = { qos: 1 };
    return subs;
  };

  const scheduleReconnect = (): void => {
    if (stopping || reconnectTimer !== undefined) return;
    // Equal jitter (lib/net/backoff.ts): workers dropped together do not all come back in the same instant.
    const delay = Math.round(backoffDelay(attempt, { base: baseDelay, max: maxDelay }));
    attempt++;
    reconnectTimer = setTimeout(() => {
      reconnectTimer = undefined;
      open();
    }, delay);
  };

  const open = (): void => {
    if (stopping) return;
    const mqttOptions: IClientOptions = {
      clientId,
      // As DPoW's reference worker: a persistent session, keepalive 60 s.
      clean: false,
      keepalive: 60,
      connectTimeout: 10_000,
      reconnectPeriod: 0,
      queueQoSZero: false,
      ...(username === undefined ? {} : { username }),
      ...(password === undefined ? {} : { password }),
      ...(presence ? { will: { topic: TOPICS.presence(options.payout), payload: Buffer.from(formatPresence({ online: false })), qos: 0, retain: false } } : {}),
    };
    const c = connect(url.toString(), mqttOptions);
    client = c;
    let refusedCode: number | undefined;
    c.on('connect', () => {
      noDelay(c);
      attempt = 0;
      c.subscribe(subscriptions(), (err) => {
        if (err) {
          log(`powgate worker: subscribing at ${where} failed: ${err.message}`);
          return;
        }
        if (presence) c.publish(TOPICS.presence(options.payout), formatPresence({ online: true, work: options.work }), { qos: 0 });
        log(`powgate worker: connected to ${where}, working for ${options.payout} (${options.work} work)`);
        markConnected();
        run();
      });
    });
    c.on('message', (topic, payload) => {
      const text = payload.toString('utf8');
      if (topic === TOPICS.heartbeat) {
        if (heartbeatMissing) log('powgate worker: heartbeats are back');
        heartbeatMissing = false;
        const first = lastHeartbeat === undefined;
        lastHeartbeat = Date.now();
        if (first) run();
        return;
      }
      const workType = typeOfTopic(topic, 'work');
      if (workType !== undefined) return onWork(workType, text);
      if (typeOfTopic(topic, 'cancel') !== undefined) return onCancel(text);
      if (topic === TOPICS.client(options.payout)) onClient(text);
    });
    c.on('error', (err: Error & { code?: unknown }) => {
      if (typeof err.code === 'number') refusedCode = err.code;
    });
    c.on('close', () => {
      if (client !== c) return;
      c.removeAllListeners('message');
      // The job in progress stays: its result is published if the connection is back in time.
      if (stopping) return;
      if (refusedCode === 5 || refusedCode === 135) {
        if (presence) {
          // A plain DPoW hub's ACL refuses our presence topic (as a last will): work without it.
          presence = false;
          log(`powgate worker: ${where} does not allow the presence topic; going on as a plain DPoW worker`);
          c.end(true);
          open();
          return;
        }
        fail(new Error(`${where} refused the login: not authorized`));
        return;
      }
      if (refusedCode === 4 || refusedCode === 134) {
        fail(new Error(`${where} refused the login: bad user name or password`));
        return;
      }
      c.end(true);
      scheduleReconnect();
    });
  };

  const ticker = setInterval(() => {
    const now = Date.now();
    if (lastHeartbeat !== undefined && !heartbeatMissing && now - lastHeartbeat > heartbeatWarn) {
      heartbeatMissing = true;
      log(`powgate worker: no heartbeat from the hub for ${Math.round((now - lastHeartbeat) / 1000)} s`);
    }
  }, 1000);
  ticker.unref();
  const statusTimer = setInterval(() => {
    const now = Date.now();
    const hashes = options.generator.hashes();
    const rate = ((hashes - lastHashes) / Math.max(1, now - lastTick)) * 1000;
    lastHashes = hashes;
    lastTick = now;
    const state = client?.connected === true ? (lastHeartbeat === undefined ? 'waiting for a heartbeat' : 'connected') : 'reconnecting';
    log(
      `powgate worker: ${(rate / 1e6).toFixed(1)} MH/s, ${done.ondemand + done.precache} jobs done (${done.ondemand} on-demand, ${done.precache} precache), ` +
        `${rewarded} rewarded, ${queues.ondemand.size + queues.precache.size} queued, ${state}`,
    );
  }, options.statusInterval);
  statusTimer.unref();

  open();

  return {
    connected,
    failed,
    stats: () => ({
      connected: client?.connected === true,
      heartbeat: lastHeartbeat !== undefined,
      done: { ...done },
      rewarded,
      cancelled,
      queued: queues.ondemand.size + queues.precache.size,
      ...(current === undefined ? {} : { current: current.item.hash }),
    }),
    async stop() {
      stopping = true;
      clearInterval(ticker);
      clearInterval(statusTimer);
      clearTimeout(reconnectTimer);
      current?.controller.abort();
      current = undefined;
      const c = client;
      if (c !== undefined) {
        // A clean disconnect sends no last will: say goodbye ourselves.
        if (c.connected && presence) c.publish(TOPICS.presence(options.payout), formatPresence({ online: false }), { qos: 0 });
        await c.endAsync(false).catch(() => {});
      }
      await options.generator.close();
    },
  };
}
