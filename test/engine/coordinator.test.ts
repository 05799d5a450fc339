import type { ChildProcess } from 'node:child_process';
import { expect } from 'chai';
import type { Backend, WorkJob } from '../../lib/backends/types.js';
import { createWorkCache, type WorkCache } from '../../lib/cache/index.js';
import { type JobCoordinator, SOLO } from '../../lib/cache/job-coordinator.js';
import { redisCoordinator } from '../../lib/cache/redis-coordinator.js';
import { INSTANCE, WorkService } from '../../lib/engine/service.js';
import { hexToBytes, workValue } from '../../lib/pow/index.js';
import { randomRoot } from '../helpers/powgate.js';
import { startPrivateRedis } from '../helpers/private-redis.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const DEV = 0xf000000000000000n;
const HIGHER = 0xfc00000000000000n;

/** Finds real work for `root` at `target` (nano-dev thresholds: microseconds). */
function solve(root: string, target: bigint, from = 0n): bigint {
  const bytes = hexToBytes(root);
  let nonce = from;
  while (workValue(bytes, nonce) < target) nonce++;
  return nonce;
}

/** One upstream work source shared by every instance: counts calls, answers when told. */
class Upstream {
  calls: Array<{ root: string; target: bigint }> = [];
  #gates: Array<() => void> = [];
  hold = false;

  backend(name: string): Backend {
    return {
      name,
      type: 'test',
      supports: () => true,
      generate: (job: WorkJob) => {
        this.calls.push({ root: job.root, target: job.target });
        return new Promise<bigint>((resolve, reject) => {
          const answer = (): void => resolve(solve(job.root, job.target, BigInt(this.calls.length) << 40n));
          if (this.hold) this.#gates.push(answer);
          else setTimeout(answer, 20);
          job.signal.addEventListener('abort', () => reject(job.signal.reason), { once: true });
        });
      },
      close: async () => {},
    };
  }

  release(): void {
    for (const g of this.#gates.splice(0)) g();
  }
}

interface Instance {
  readonly service: WorkService;
  readonly cache: WorkCache;
  readonly coordinator: JobCoordinator;
}

function instance(upstream: Upstream, name: string, url = REDIS_URL, options: { leaseMs?: number; cache?: WorkCache } = {}): Instance {
  const cache = options.cache ?? createWorkCache({ url, maxEntries: 1000, ttl: 60_000 }, () => {});
  const coordinator = redisCoordinator(url, { instance: name, leaseMs: options.leaseMs ?? 1000, pollMs: 50, onError: () => {} });
  const service = new WorkService({
    tiers: [{ backends: [upstream.backend(name)] }],
    cache,
    timeout: 10_000,
    breaker: { failures: 100, cooldown: 1000, maxCooldown: 1000 },
    coordinator,
  });
  return { service, cache, coordinator };
}

async function stop(...all: Instance[]): Promise<void> {
  for (const i of all) i.service.close();
  await Promise.all(all.flatMap((i) => [i.coordinator.close(), i.cache.close()]));
}

async function until(what: string, check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`${what} within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('engine: one job per root across instances (Redis leases)', function () {
  this.timeout(30_000);

  it('100 identical concurrent requests spread over three instances make exactly one upstream call', async () => {
    const upstream = new Upstream();
    const all = [instance(upstream, 'a'), instance(upstream, 'b'), instance(upstream, 'c')];
    try {
      await Promise.all(all.map((i) => i.cache.ready(2000)));
      const root = randomRoot();
      const answers = await Promise.all(Array.from({ length: 100 }, (_, n) => (all[n % 3] as Instance).service.generate({ root, target: DEV })));
      expect(upstream.calls).to.have.length(1);
      expect(new Set(answers.map((a) => a.work)).size).to.equal(1);
      expect(answers.filter((a) => a.source === INSTANCE).length, 'answers from the other instances').to.be.at.least(66);
    } finally {
      await stop(...all);
    }
  });

  it("a follower asking for a higher target raises the leader's job: still one job, the higher work for all", async () => {
    const upstream = new Upstream();
    upstream.hold = true;
    const [a, b] = [instance(upstream, 'a'), instance(upstream, 'b')] as [Instance, Instance];
    try {
      await Promise.all([a.cache.ready(2000), b.cache.ready(2000)]);
      const root = randomRoot();
      const low = a.service.generate({ root, target: DEV });
      await until('the leader called upstream', () => upstream.calls.length === 1);
      const high = b.service.generate({ root, target: HIGHER });
      await until('the raise reached the leader', () => upstream.calls.length === 2);
      expect(upstream.calls[1]?.target).to.equal(HIGHER);
      upstream.release();
      const [l, h] = await Promise.all([low, high]);
      expect(h.value >= HIGHER).to.equal(true);
      expect(l.work).to.equal(h.work);
      expect(upstream.calls).to.have.length(2); // the first attempt, then the raised one: both on the leader
    } finally {
      await stop(a, b);
    }
  });

  it('a follower takes over when the leader stops renewing its lease (process gone)', async () => {
    const upstream = new Upstream();
    upstream.hold = true;
    const [a, b] = [instance(upstream, 'a', REDIS_URL, { leaseMs: 300 }), instance(upstream, 'b', REDIS_URL, { leaseMs: 300 })] as [Instance, Instance];
    try {
      await Promise.all([a.cache.ready(2000), b.cache.ready(2000)]);
      const root = randomRoot();
      void a.service.generate({ root, target: DEV }).catch(() => {});
      await until('the leader called upstream', () => upstream.calls.length === 1);
      const follower = b.service.generate({ root, target: DEV });
      // The leader's Redis connection dies with its process: no renewal, no release, no message.
      await a.coordinator.close();
      upstream.hold = false;
      const answer = await follower;
      expect(answer.source).to.equal('b');
      expect(upstream.calls).to.have.length(2);
    } finally {
      upstream.release();
      await stop(a, b);
    }
  });

  it("a request that reaches another instance mid-job waits for the leader's result", async () => {
    const upstream = new Upstream();
    const [a, b] = [instance(upstream, 'a'), instance(upstream, 'b')] as [Instance, Instance];
    try {
      await Promise.all([a.cache.ready(2000), b.cache.ready(2000)]);
      const root = randomRoot();
      upstream.hold = true;
      const first = a.service.generate({ root, target: DEV });
      await until('the leader called upstream', () => upstream.calls.length === 1);
      const second = b.service.generate({ root, target: DEV });
      upstream.release();
      const [x, y] = await Promise.all([first, second]);
      expect(y.work).to.equal(x.work);
      expect(upstream.calls).to.have.length(1);
    } finally {
      await stop(a, b);
    }
  });

  it('without a shared store (SOLO) every instance leads: the single-instance path is unchanged', async () => {
    const upstream = new Upstream();
    const cache = createWorkCache({ url: 'memory', maxEntries: 10, ttl: 60_000 }, () => {});
    const service = new WorkService({
      tiers: [{ backends: [upstream.backend('x')] }],
      cache,
      timeout: 5000,
      breaker: { failures: 3, cooldown: 1000, maxCooldown: 1000 },
      coordinator: SOLO,
    });
    const root = randomRoot();
    const answers = await Promise.all(Array.from({ length: 10 }, () => service.generate({ root, target: DEV })));
    expect(upstream.calls).to.have.length(1);
    expect(answers.every((a) => a.source === 'x')).to.equal(true);
    service.close();
  });
});

describe('engine: the cache write window', () => {
  it('a request that arrives while the winning work is still being written is answered from the job, not a second job', async () => {
    const upstream = new Upstream();
    const memory = createWorkCache({ url: 'memory', maxEntries: 10, ttl: 60_000 }, () => {});
    let writing: (() => void) | undefined;
    // A cache whose write takes as long as we say (a slow Redis).
    const slow: WorkCache = {
      ...memory,
      set: (root, work, value, precached) =>
        new Promise<void>((resolve) => {
          writing = () => void memory.set(root, work, value, precached).then(resolve);
        }),
    };
    const service = new WorkService({
      tiers: [{ backends: [upstream.backend('x')] }],
      cache: slow,
      timeout: 5000,
      breaker: { failures: 3, cooldown: 1000, maxCooldown: 1000 },
    });
    const root = randomRoot();
    const first = await service.generate({ root, target: DEV });
    expect(writing, 'the cache write is still running').to.not.equal(undefined);
    const second = await service.generate({ root, target: DEV });
    expect(second.work).to.equal(first.work);
    expect(upstream.calls).to.have.length(1);
    writing?.();
    service.close();
  });
});

// ---- Redis stopped mid-test: every request still answered (each instance on its own).

describe('engine: leases when Redis goes away', function () {
  this.timeout(30_000);
  let redis: ChildProcess | undefined;
  let url = '';

  before(async function () {
    const own = await startPrivateRedis();
    if (own === undefined) return this.skip();
    redis = own.process;
    url = own.url;
  });

  after(() => {
    redis?.kill('SIGKILL');
  });

  it('answers every request, before, during and after the outage', async () => {
    const upstream = new Upstream();
    const all = [instance(upstream, 'a', url), instance(upstream, 'b', url), instance(upstream, 'c', url)];
    try {
      await Promise.all(all.map((i) => i.cache.ready(5000)));
      const burst = async (): Promise<void> => {
        const root = randomRoot();
        const answers = await Promise.all(Array.from({ length: 30 }, (_, n) => (all[n % 3] as Instance).service.generate({ root, target: DEV })));
        for (const a of answers) expect(a.value >= DEV).to.equal(true);
      };
      await burst();
      const before = upstream.calls.length;
      expect(before).to.equal(1);
      redis?.kill('SIGKILL');
      await new Promise((r) => redis?.once('exit', r));
      await burst();
      // On its own, each instance makes at most its own one call.
      expect(upstream.calls.length - before).to.be.within(1, 3);
    } finally {
      await stop(...all);
    }
  });
});
