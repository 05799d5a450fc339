import assert from 'node:assert/strict';
import { BackendUnavailableError } from '../../lib/errors.js';
import { createGenerator, type WorkGenerator } from '../../lib/generator/index.js';
import { race } from '../../lib/generator/race.js';
import { DEV_BASE, DEV_RECEIVE, IMPOSSIBLE, oracleMeets, randomRoot, rejectionOf, sleep } from './helpers.js';

const never = (): AbortSignal => new AbortController().signal;

describe('generator: the one interface (create, start, generate, close)', function () {
  this.timeout(30_000);
  let gen: WorkGenerator;

  afterEach(async () => {
    await gen.close();
  });

  it('with gpu off: start() says so, jobs run on the CPU threads, hashes count', async () => {
    gen = createGenerator({ threads: 2 });
    assert.equal(gen.threads, 2);
    assert.match(gen.implementation, /^(native (scalar|avx2|avx512)|wasm)$/);
    assert.deepEqual(await gen.start(), { mode: 'off' });
    assert.equal(gen.start(), gen.start(), 'start() answers the first call again');
    for (const target of [DEV_BASE, DEV_RECEIVE]) {
      const root = randomRoot();
      assert.ok(oracleMeets(root, await gen.generate(root, target, never()), target));
    }
    assert.ok(gen.hashes() > 0);
    assert.equal(gen.hashes('cpu'), gen.hashes());
    assert.equal(gen.hashes('gpu'), 0);
  });

  it('serves jobs before start() has finished (the CPU alone)', async () => {
    gen = createGenerator({ threads: 1, gpu: 'auto' });
    const root = randomRoot();
    const work = await gen.generate(root, DEV_BASE, never());
    assert.ok(oracleMeets(root, work, DEV_BASE));
    const state = await gen.start();
    assert.equal(state.mode, 'auto');
  });

  it('with gpu on and no such adapter: start() rejects with the reason, the CPU still serves', async () => {
    gen = createGenerator({ threads: 1, gpu: 'on', gpuAdapter: 'no adapter has this name', gpuTimeoutMs: 15_000 });
    const err = await rejectionOf(gen.start());
    assert.ok(err instanceof BackendUnavailableError);
    assert.match((err as Error).message, /^gpu is on but no GPU could be used: /);
    const root = randomRoot();
    assert.ok(oracleMeets(root, await gen.generate(root, DEV_BASE, never()), DEV_BASE));
  });

  it('rejects on abort with the signal reason, and everything once closed', async () => {
    gen = createGenerator({ threads: 1 });
    const ac = new AbortController();
    const pending = rejectionOf(gen.generate(randomRoot(), IMPOSSIBLE, ac.signal));
    await sleep(20);
    const reason = new Error('won elsewhere');
    ac.abort(reason);
    assert.equal(await pending, reason);
    const stuck = rejectionOf(gen.generate(randomRoot(), IMPOSSIBLE, never()));
    await gen.close();
    assert.ok((await stuck) instanceof BackendUnavailableError);
    assert.ok((await rejectionOf(gen.generate(randomRoot(), DEV_BASE, never()))) instanceof BackendUnavailableError);
  });
});

describe('generator/race: CPU and GPU on one job', () => {
  /** A side that answers (or fails with `error`) after `ms`, unless aborted first. */
  const after =
    (ms: number, nonce: bigint, error?: Error) =>
    (_root: Uint8Array, _target: bigint, signal: AbortSignal): Promise<bigint> =>
      new Promise<bigint>((resolve, reject) => {
        const timer = setTimeout(() => (error ? reject(error) : resolve(nonce)), ms);
        signal.addEventListener('abort', () => {
          clearTimeout(timer);
          reject(signal.reason);
        });
      });
  const root = new Uint8Array(32);

  it('takes the first nonce and aborts the other side', async () => {
    let slowSignal: AbortSignal | undefined;
    const slow = (r: Uint8Array, t: bigint, signal: AbortSignal): Promise<bigint> => {
      slowSignal = signal;
      return after(10_000, 2n)(r, t, signal);
    };
    assert.equal(await race(after(5, 1n), slow, root, 0n, never()), 1n);
    assert.equal(slowSignal?.aborted, true);
  });

  it('a failing side leaves the job to the other; both failing rejects with the CPU error', async () => {
    const cpuErr = new Error('cpu broke');
    const gpuErr = new Error('gpu lost');
    assert.equal(await race(after(5, 0n, cpuErr), after(20, 7n), root, 0n, never()), 7n);
    assert.equal(await race(after(20, 8n), after(5, 0n, gpuErr), root, 0n, never()), 8n);
    assert.equal(await rejectionOf(race(after(20, 0n, cpuErr), after(5, 0n, gpuErr), root, 0n, never())), cpuErr);
  });

  it("passes the caller's abort to both sides", async () => {
    const ac = new AbortController();
    const pending = rejectionOf(race(after(10_000, 1n), after(10_000, 2n), root, 0n, ac.signal));
    const reason = new Error('deadline');
    ac.abort(reason);
    assert.equal(await pending, reason);
  });
});
