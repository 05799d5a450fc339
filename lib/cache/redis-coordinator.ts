import { randomUUID } from 'node:crypto';
import { formatWorkHex, parseWorkHex } from '../pow/index.js';
import type { Claim, FollowResult, JobCoordinator, LeadClaim } from './job-coordinator.js';
import { closeRedis, connectRedis, type RedisClient } from './redis.js';

export interface RedisCoordinatorOptions {
  /** Names this instance in leases (default: a random id per process). */
  readonly instance?: string;
  /** A lease not renewed for this long is dead: a follower takes over (ms). */
  readonly leaseMs?: number;
  /** How often a follower checks the lease, in case it missed a message (ms). */
  readonly pollMs?: number;
  /** Bound on one Redis round trip on the claim path; slower reads as "lead" (ms). */
  readonly operationTimeout?: number;
  readonly onError: (err: unknown) => void;
}

const LEASE = 'powgate:lease:';
/** `ROOT,work,value` when a leader won; `ROOT,-` when it gave up (followers take over at once). */
const DONE = 'powgate:job:done';
/** `ROOT,target`: a follower needs more than the leader runs at. */
const RAISE = 'powgate:job:raise';

// Renew or release only our own lease: after an expiry another instance may hold the key.
const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

interface Follower {
  readonly target: () => bigint;
  readonly done: (result: FollowResult) => void;
}

/**
 * Leases in Redis (SET NX PX per root, renewed while the leader works) and two
 * pub/sub channels: results and give-ups to followers, raises to leaders.
 * Followers also poll the lease, so a lost message or a dead leader costs at
 * most a lease period, never a request. Redis away means every instance leads.
 */
export function redisCoordinator(url: string, options: RedisCoordinatorOptions): JobCoordinator {
  const instance = options.instance ?? randomUUID();
  const leaseMs = options.leaseMs ?? 3000;
  const pollMs = options.pollMs ?? 250;
  const timeout = options.operationTimeout ?? 250;
  const { client } = connectRedis(url, options.onError);
  const subscriber: RedisClient = client.duplicate();
  subscriber.on('error', () => {}); // the main client reports Redis trouble; one line per outage is enough
  const followers = new Map<string, Set<Follower>>();
  const leaders = new Map<string, { target: bigint; listeners: Array<(target: bigint) => void> }>();
  let closed = false;

  const subscribed = subscriber
    .connect()
    .then(() =>
      Promise.all([subscriber.subscribe(DONE, (message) => onDone(String(message))), subscriber.subscribe(RAISE, (message) => onRaise(String(message)))]),
    )
    .then(
      () => true,
      () => false,
    );

  function onDone(message: string): void {
    const [root, work, value] = message.split(',');
    const waiting = root === undefined ? undefined : followers.get(root);
    if (waiting === undefined) return;
    if (work === '-') {
      for (const f of waiting) f.done('takeover');
      return;
    }
    const w = work === undefined ? undefined : parseWorkHex(work);
    const v = value === undefined ? undefined : parseWorkHex(value);
    if (w === undefined || v === undefined) return;
    // A result below a follower's target (it raised after the leader won) sends it to claim again.
    for (const f of waiting) f.done(v >= f.target() ? { work: w, value: v } : 'takeover');
  }

  function onRaise(message: string): void {
    const [root, target] = message.split(',');
    const leader = root === undefined ? undefined : leaders.get(root);
    const t = target === undefined ? undefined : parseWorkHex(target);
    if (leader === undefined || t === undefined || t <= leader.target) return;
    leader.target = t;
    for (const listener of leader.listeners) listener(t);
  }

  const bounded = <T>(p: Promise<T>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`Redis did not answer within ${timeout} ms`)), timeout);
      p.then(
        (v) => {
          clearTimeout(timer);
          resolve(v);
        },
        (err: unknown) => {
          clearTimeout(timer);
          reject(err);
        },
      );
    });

  const publish = (channel: string, message: string): void => {
    if (client.isReady) client.publish(channel, message).catch(options.onError);
  };

  function lead(root: string, target: bigint): LeadClaim {
    const key = `${LEASE}${root}`;
    const entry = { target, listeners: [] as Array<(target: bigint) => void> };
    leaders.set(root, entry);
    const renew = setInterval(
      () => {
        if (client.isReady) client.eval(RENEW, { keys: [key], arguments: [instance, String(leaseMs)] }).catch(options.onError);
      },
      Math.max(50, Math.floor(leaseMs / 3)),
    );
    renew.unref();
    let ended = false;
    const end = async (message: string): Promise<void> => {
      if (ended) return;
      ended = true;
      clearInterval(renew);
      if (leaders.get(root) === entry) leaders.delete(root);
      if (!client.isReady) return;
      try {
        // Released before the message: a follower that takes over on it must find the root free.
        await bounded(client.eval(RELEASE, { keys: [key], arguments: [instance] }));
      } catch (err) {
        options.onError(err);
      }
      publish(DONE, message);
    };
    return {
      role: 'lead',
      onRaise: (listener) => entry.listeners.push(listener),
      raised: (t) => {
        if (t > entry.target) entry.target = t;
      },
      publish: (work, value) => end(`${root},${formatWorkHex(work)},${formatWorkHex(value)}`),
      release: () => void end(`${root},-`),
    };
  }

  function follow(root: string): Claim {
    const key = `${LEASE}${root}`;
    return {
      role: 'follow',
      raise: (target) => publish(RAISE, `${root},${formatWorkHex(target)}`),
      wait: (target, signal) =>
        new Promise<FollowResult>((resolve) => {
          let set = followers.get(root);
          if (set === undefined) followers.set(root, (set = new Set()));
          const follower: Follower = { target, done: (result) => finish(result) };
          set.add(follower);
          const poll = setInterval(() => {
            // The lease is gone without a message we saw (dead leader, lost message): claim again.
            if (!client.isReady) return finish('takeover');
            bounded(client.exists(key)).then(
              (n) => {
                if (n === 0) finish('takeover');
              },
              () => finish('takeover'),
            );
          }, pollMs);
          const onAbort = (): void => finish('takeover');
          signal.addEventListener('abort', onAbort, { once: true });
          let settled = false;
          function finish(result: FollowResult): void {
            if (settled) return;
            settled = true;
            clearInterval(poll);
            signal.removeEventListener('abort', onAbort);
            set?.delete(follower);
            if (set?.size === 0) followers.delete(root);
            resolve(result);
          }
        }),
    };
  }

  return {
    async claim(root, target) {
      if (closed || !client.isReady) return lead(root, target);
      try {
        // Followers must be listening before they can miss a result: wait for the subscription once.
        if (!(await bounded(subscribed))) return lead(root, target);
        const set = await bounded(client.set(`${LEASE}${root}`, instance, { condition: 'NX', expiration: { type: 'PX', value: leaseMs } }));
        return set === 'OK' ? lead(root, target) : follow(root);
      } catch (err) {
        // Duplicate work on two instances beats a failed request.
        options.onError(err);
        return lead(root, target);
      }
    },
    async close() {
      closed = true;
      for (const set of followers.values()) for (const f of set) f.done('takeover');
      await Promise.all([closeRedis(subscriber), closeRedis(client)]);
    },
  };
}
