import { expect } from 'chai';
import { BackendUnavailableError } from '../../lib/errors.js';
import { type CpuGenerator, createCpuGenerator, killWorkerForTesting } from '../../lib/generator/pool.js';
import { DEV_BASE, DEV_RECEIVE, IMPOSSIBLE, oracleMeets, randomRoot, rejectionOf, sleep } from './helpers.js';

/** About 2^20 hashes on average: tens of milliseconds, long enough to overlap. */
const MEDIUM = 0xfffff00000000000n;

const never = (): AbortSignal => new AbortController().signal;

/** Resolves once the counter has stayed put for `quietMs` (threads idle), or fails after `maxMs`. */
async function hashesSettle(gen: CpuGenerator, quietMs: number, maxMs: number): Promise<void> {
  const deadline = performance.now() + maxMs;
  let last = gen.hashes();
  let stableSince = performance.now();
  while (performance.now() < deadline) {
    await sleep(5);
    const now = gen.hashes();
    if (now !== last) {
      last = now;
      stableSince = performance.now();
    } else if (performance.now() - stableSince >= quietMs) {
      return;
    }
  }
  throw new Error(`threads still hashing after ${maxMs} ms`);
}

describe('generator/pool: CPU generator on worker threads', function () {
  this.timeout(30_000);
  let gen: CpuGenerator;

  beforeEach(() => {
    gen = createCpuGenerator({ threads: 2 });
  });
  afterEach(async () => {
    await gen.close();
  });

  it('searches only the CPU half of the nonce space (bit 63 clear; the GPU has the other half)', async () => {
    for (let i = 0; i < 16; i++) {
      const nonce = await gen.generate(randomRoot(), DEV_BASE, new AbortController().signal);
      expect(nonce >> 63n, `nonce ${nonce.toString(16)} is in the GPU's half`).to.equal(0n);
    }
  });

  it('finds valid work at the nano-dev base and receive thresholds', async () => {
    expect(gen.threads).to.equal(2);
    for (const target of [DEV_BASE, DEV_RECEIVE]) {
      for (let i = 0; i < 10; i++) {
        const root = randomRoot();
        const work = await gen.generate(root, target, never());
        expect(typeof work).to.equal('bigint');
        expect(work >= 0n && work < 1n << 64n).to.equal(true);
        expect(oracleMeets(root, work, target), `work ${work.toString(16)} misses ${target.toString(16)}`).to.equal(true);
      }
    }
    expect(gen.hashes() > 0).to.equal(true);
  });

  it('completes 8 concurrent jobs on 2 threads, each with valid work for its own root', async () => {
    const jobs = Array.from({ length: 8 }, (_, i) => ({ root: randomRoot(), target: i % 2 ? MEDIUM : DEV_BASE }));
    const works = await Promise.all(jobs.map((j) => gen.generate(j.root, j.target, never())));
    works.forEach((work, i) => expect(oracleMeets(jobs[i]!.root, work, jobs[i]!.target)).to.equal(true));
  });

  it('keeps serving a feasible job while impossible ones occupy the threads (no starvation)', async () => {
    const ac = new AbortController();
    const hogs = Array.from({ length: 6 }, () => rejectionOf(gen.generate(randomRoot(), IMPOSSIBLE, ac.signal)));
    try {
      await sleep(50);
      const root = randomRoot();
      const work = await gen.generate(root, MEDIUM, never());
      expect(oracleMeets(root, work, MEDIUM)).to.equal(true);
    } finally {
      ac.abort();
      await Promise.all(hogs);
    }
  });

  it('rejects promptly on abort, stops hashing, then serves the next job', async () => {
    const ac = new AbortController();
    const pending = gen.generate(randomRoot(), IMPOSSIBLE, ac.signal);
    // Until the threads search (their start-up is slower on a crowded machine), then abort mid-search.
    const started = performance.now();
    while (gen.hashes() === 0 && performance.now() - started < 5_000) await sleep(10);
    expect(gen.hashes() > 0, 'the threads were searching').to.equal(true);
    const t0 = performance.now();
    ac.abort();
    const err = await rejectionOf(pending);
    const latency = performance.now() - t0;
    expect((err as Error).name).to.equal('AbortError');
    // An impossible job never ends by itself: a rejection at all is the abort's. The bound only
    // says it did not wait for anything slow (a thread's slice is milliseconds); a crowded CI
    // machine can delay the main thread by a few hundred.
    expect(latency < 1_000, `rejected after ${latency.toFixed(1)} ms`).to.equal(true);
    // The threads finish at most their current slice (milliseconds), then go idle.
    await hashesSettle(gen, 100, 2_000);
    const root = randomRoot();
    const work = await gen.generate(root, DEV_BASE, never());
    expect(oracleMeets(root, work, DEV_BASE)).to.equal(true);
  });

  it('rejects at once when the signal is already aborted, with the signal reason', async () => {
    const err = await rejectionOf(gen.generate(randomRoot(), DEV_BASE, AbortSignal.abort()));
    expect((err as Error).name).to.equal('AbortError');
    const reason = new Error('job won elsewhere');
    const ac = new AbortController();
    ac.abort(reason);
    expect(await rejectionOf(gen.generate(randomRoot(), DEV_BASE, ac.signal))).to.equal(reason);
  });

  it('rejects pending jobs on close, and any job after close', async () => {
    const pending = [1, 2].map(() => rejectionOf(gen.generate(randomRoot(), IMPOSSIBLE, never())));
    await sleep(20);
    await gen.close();
    for (const err of await Promise.all(pending)) expect(err instanceof BackendUnavailableError).to.equal(true);
    expect((await rejectionOf(gen.generate(randomRoot(), DEV_BASE, never()))) instanceof BackendUnavailableError).to.equal(true);
    await gen.close(); // idempotent
  });

  it('keeps the event loop responsive during a long search', async () => {
    const ac = new AbortController();
    const pending = gen.generate(randomRoot(), IMPOSSIBLE, ac.signal);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 10);
    await sleep(500);
    clearInterval(timer);
    ac.abort();
    await rejectionOf(pending);
    expect(ticks >= 20, `only ${ticks} ticks of a 10 ms interval in 500 ms`).to.equal(true);
  });

  it('replaces a worker that dies, and its job carries on', async () => {
    const ac = new AbortController();
    const longJob = gen.generate(randomRoot(), IMPOSSIBLE, ac.signal);
    await sleep(50);
    await killWorkerForTesting(gen, 0);
    await killWorkerForTesting(gen, 1);
    await sleep(100);
    const h1 = gen.hashes();
    await sleep(100);
    expect(gen.hashes() > h1, 'replacement workers resumed the running job').to.equal(true);
    const root = randomRoot();
    const medium = gen.generate(root, MEDIUM, never());
    await killWorkerForTesting(gen, 1);
    expect(oracleMeets(root, await medium, MEDIUM)).to.equal(true);
    ac.abort();
    await rejectionOf(longJob);
  });

  it('starts each job at a random nonce, so two generators do not repeat each other', async () => {
    const other = createCpuGenerator({ threads: 1 });
    try {
      const root = randomRoot();
      const a = await gen.generate(root, DEV_RECEIVE, never());
      const b = await other.generate(root, DEV_RECEIVE, never());
      const c = await gen.generate(root, DEV_RECEIVE, never());
      expect(new Set([a, b, c]).size).to.equal(3);
    } finally {
      await other.close();
    }
  });

  it('queues jobs beyond maxConcurrentJobs and still finishes them all', async () => {
    const small = createCpuGenerator({ threads: 1, maxConcurrentJobs: 2 });
    try {
      const ac = new AbortController();
      const queued = rejectionOf(small.generate(randomRoot(), IMPOSSIBLE, ac.signal));
      const roots = Array.from({ length: 6 }, randomRoot);
      const works = Promise.all(roots.map((r) => small.generate(r, DEV_BASE, never())));
      ac.abort();
      expect(((await queued) as Error).name).to.equal('AbortError');
      (await works).forEach((w, i) => expect(oracleMeets(roots[i]!, w, DEV_BASE)).to.equal(true));
    } finally {
      await small.close();
    }
  });

  it('rejects queued jobs on close too', async () => {
    const small = createCpuGenerator({ threads: 1, maxConcurrentJobs: 1 });
    const pending = [1, 2, 3].map(() => rejectionOf(small.generate(randomRoot(), IMPOSSIBLE, never())));
    await small.close();
    for (const err of await Promise.all(pending)) expect(err instanceof BackendUnavailableError).to.equal(true);
  });

  it('gives up with BackendUnavailableError when workers keep dying at start', async () => {
    const fragile = createCpuGenerator({ threads: 1 });
    try {
      const pending = rejectionOf(fragile.generate(randomRoot(), IMPOSSIBLE, never()));
      for (let i = 0; i < 6; i++) await killWorkerForTesting(fragile, 0);
      expect((await pending) instanceof BackendUnavailableError).to.equal(true);
      expect((await rejectionOf(fragile.generate(randomRoot(), DEV_BASE, never()))) instanceof BackendUnavailableError).to.equal(true);
    } finally {
      await fragile.close();
    }
  });

  it('refuses bad arguments', async () => {
    expect(() => createCpuGenerator({ threads: 0 })).to.throw(RangeError);
    expect((await rejectionOf(gen.generate(new Uint8Array(31), DEV_BASE, never()))) instanceof RangeError).to.equal(true);
    expect((await rejectionOf(gen.generate(randomRoot(), 1n << 64n, never()))) instanceof RangeError).to.equal(true);
    expect((await rejectionOf(gen.generate(randomRoot(), -1n, never()))) instanceof RangeError).to.equal(true);
  });
});
