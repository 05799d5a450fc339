import { expect } from 'chai';
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
    expect(gen.threads).to.equal(2);
    expect(gen.implementation).to.match(/^(native (scalar|avx2|avx512)|wasm)$/);
    expect(await gen.start()).to.deep.equal({ mode: 'off' });
    expect(gen.start(), 'start() answers the first call again').to.equal(gen.start());
    for (const target of [DEV_BASE, DEV_RECEIVE]) {
      const root = randomRoot();
      expect(oracleMeets(root, await gen.generate(root, target, never()), target)).to.equal(true);
    }
    expect(gen.hashes() > 0).to.equal(true);
    expect(gen.hashes('cpu')).to.equal(gen.hashes());
    expect(gen.hashes('gpu')).to.equal(0);
  });

  it('serves jobs before start() has finished (the CPU alone)', async () => {
    gen = createGenerator({ threads: 1, gpu: 'auto' });
    const root = randomRoot();
    const work = await gen.generate(root, DEV_BASE, never());
    expect(oracleMeets(root, work, DEV_BASE)).to.equal(true);
    const state = await gen.start();
    expect(state.mode).to.equal('auto');
  });

  it('with gpu on and no such adapter: start() rejects with the reason, the CPU still serves', async () => {
    gen = createGenerator({ threads: 1, gpu: 'on', gpuAdapter: 'no adapter has this name', gpuTimeoutMs: 15_000 });
    const err = await rejectionOf(gen.start());
    expect(err instanceof BackendUnavailableError).to.equal(true);
    expect((err as Error).message).to.match(/^gpu is on but no GPU could be used: /);
    const root = randomRoot();
    expect(oracleMeets(root, await gen.generate(root, DEV_BASE, never()), DEV_BASE)).to.equal(true);
  });

  it('rejects on abort with the signal reason, and everything once closed', async () => {
    gen = createGenerator({ threads: 1 });
    const ac = new AbortController();
    const pending = rejectionOf(gen.generate(randomRoot(), IMPOSSIBLE, ac.signal));
    await sleep(20);
    const reason = new Error('won elsewhere');
    ac.abort(reason);
    expect(await pending).to.equal(reason);
    const stuck = rejectionOf(gen.generate(randomRoot(), IMPOSSIBLE, never()));
    await gen.close();
    expect((await stuck) instanceof BackendUnavailableError).to.equal(true);
    expect((await rejectionOf(gen.generate(randomRoot(), DEV_BASE, never()))) instanceof BackendUnavailableError).to.equal(true);
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
    expect(await race(after(5, 1n), slow, root, 0n, never())).to.equal(1n);
    expect(slowSignal?.aborted).to.equal(true);
  });

  it('a failing side leaves the job to the other; both failing rejects with the CPU error', async () => {
    const cpuErr = new Error('cpu broke');
    const gpuErr = new Error('gpu lost');
    expect(await race(after(5, 0n, cpuErr), after(20, 7n), root, 0n, never())).to.equal(7n);
    expect(await race(after(20, 8n), after(5, 0n, gpuErr), root, 0n, never())).to.equal(8n);
    expect(await rejectionOf(race(after(20, 0n, cpuErr), after(5, 0n, gpuErr), root, 0n, never()))).to.equal(cpuErr);
  });

  it("passes the caller's abort to both sides", async () => {
    const ac = new AbortController();
    const pending = rejectionOf(race(after(10_000, 1n), after(10_000, 2n), root, 0n, ac.signal));
    const reason = new Error('deadline');
    ac.abort(reason);
    expect(await pending).to.equal(reason);
  });
});
