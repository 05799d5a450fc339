import { expect } from 'chai';
import { createLocalBackend, type LocalBackend } from '../../lib/backends/local.js';
import { isAbortError } from '../../lib/errors.js';
import { probeGpu } from '../../lib/generator/gpu/device.js';
import { type GpuGenerator, openGpuGenerator } from '../../lib/generator/gpu/threaded.js';
import { buildKernelSource, rootFrontier } from '../../lib/generator/gpu/wgsl.js';
import { inHalf, randomStart, rangeStart } from '../../lib/generator/nonce-space.js';
import { workValue } from '../../lib/pow/index.js';
import { workJob } from '../helpers/work-job.js';
import { DEV_BASE, DEV_RECEIVE, IMPOSSIBLE, oracleMeets, randomRoot, rejectionOf, rootHex, sleep, VECTORS } from './helpers.js';

const hexBytes = (hex: string): Uint8Array => new Uint8Array(Buffer.from(hex, 'hex'));
const U64 = (1n << 64n) - 1n;

/** Fixed roots: the same cases on every run. */
const FIXED_ROOTS = [
  '0000000000000000000000000000000000000000000000000000000000000000',
  'FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF',
  '718CC2121C3E641059BC1C2CFC45666C99E8AE922F7A807B7D07B62C995D79E2',
  '2514452A978F08D1CF76BB40B6AD064183CF275D3CC5D3E0515DC96E2112AD4E',
].map(hexBytes);

/** The CPU reference: the first nonce in [base, base + count) whose value reaches target. */
function referenceScan(root: Uint8Array, target: bigint, base: bigint, count: number): bigint | undefined {
  for (let i = 0; i < count; i++) {
    const nonce = (base + BigInt(i)) & U64;
    if (workValue(root, nonce) >= target) return nonce;
  }
  return undefined;
}

/** .ci/run sets REQUIRE_GPU_TESTS=1 (npm test's pretest installs Mesa): there a missing adapter is a failure, not a skip. */
const REQUIRED = process.env.REQUIRE_GPU_TESTS === '1';

describe('generator/nonce-space', () => {
  it('keeps the GPU on bit 63 set and the CPU on bit 63 clear', () => {
    for (let i = 0; i < 100; i++) {
      expect(inHalf('gpu', randomStart('gpu'))).to.equal(true);
      expect(inHalf('cpu', randomStart('cpu'))).to.equal(true);
    }
    expect(rangeStart('gpu', 0x8000000000001000n, 10)).to.equal(0x8000000000001000n);
    expect(rangeStart('gpu', 0x1000n, 10), 'a base in the CPU half moves to the GPU half').to.equal(1n << 63n);
    expect(rangeStart('gpu', U64 - 5n, 10), 'a range that would wrap into the CPU half restarts').to.equal(1n << 63n);
    expect(rangeStart('gpu', U64 - 9n, 10), 'a range ending exactly at 2^64 fits').to.equal(U64 - 9n);
    expect(rangeStart('cpu', (1n << 63n) - 5n, 10)).to.equal(0n);
  });
});

describe('generator/gpu: the WGSL kernel source', () => {
  it('folds the root-only values into a small per-job frontier', () => {
    const source = buildKernelSource();
    expect(source.frontier.length > 0 && source.frontier.length <= 32, `${source.frontier.length} frontier values`).to.equal(true);
    expect(source.code).to.match(/atomicMin/);
    expect(rootFrontier(source, new Uint8Array(32)).length * 4 + 32 <= source.paramBytes).to.equal(true);
  });
});

describe('generator/gpu: the kernel on an adapter (Mesa llvmpipe on a machine without a GPU)', function () {
  this.timeout(60_000);
  let gen: GpuGenerator | undefined;

  before(async function () {
    // `on` semantics: any adapter, software included (that is how CI runs the GPU path).
    const opened = await openGpuGenerator({ backend: 'auto', dispatchMs: 10 });
    if ('unavailable' in opened) {
      if (REQUIRED) throw new Error(`REQUIRE_GPU_TESTS=1 but ${opened.unavailable}`);
      console.log(`      (skipped: ${opened.unavailable})`);
      this.skip();
    }
    gen = opened;
    console.log(`      adapter: ${gen.describe().name} (${gen.describe().backend})`);
  });
  after(async () => {
    await gen?.close();
  });

  it('finds the same first nonce from a base as a CPU scan, for fixed roots at low thresholds', async () => {
    const bases = [
      0x8000000000000000n,
      0x80000000fffff000n, // the low word carries into the high word inside the range
      0xfffffffffffff000n, // the range wraps past 2^64
      0x0123456789abcdefn,
    ];
    const targets = [0xff00000000000000n, 0xfff0000000000000n, 0xfffe000000000000n];
    for (const root of FIXED_ROOTS) {
      for (const [i, base] of bases.entries()) {
        const target = targets[i % targets.length]!;
        const count = 8192;
        const expected = referenceScan(root, target, base, count);
        const got = await gen!.searchRange(root, target, base, count);
        expect(got, `root ${rootHex(root)} base ${base.toString(16)} target ${target.toString(16)}`).to.equal(expected);
      }
    }
  });

  it('reports no nonce when none in the range reaches the target', async () => {
    const root = FIXED_ROOTS[2]!;
    const base = 0x8000000000000000n;
    const first = referenceScan(root, 0xfff0000000000000n, base, 8192);
    if (first === undefined) expect.fail('the reference scan found no nonce in 8192');
    const count = Number(first - base); // stops just before the first hit
    if (count > 0) expect(await gen!.searchRange(root, 0xfff0000000000000n, base, count)).to.equal(undefined);
    expect(await gen!.searchRange(root, IMPOSSIBLE, base, 65_536)).to.equal(undefined);
  });

  it('validates every spec vector with an exact 64-bit >= (value passes, value + 1 does not)', async () => {
    for (const [rootText, work, value] of VECTORS) {
      const root = hexBytes(rootText);
      expect(await gen!.searchRange(root, value, work, 1), `${rootText} meets its own value`).to.equal(work);
      if (value < U64) expect(await gen!.searchRange(root, value + 1n, work, 1), `${rootText} misses value + 1`).to.equal(undefined);
      // Equal high words, low word one below / above: the comparison must not look at the high word alone.
      const hiOnly = value & 0xffffffff00000000n;
      expect(await gen!.searchRange(root, hiOnly, work, 1), `${rootText} meets its high word with a zero low word`).to.equal(work);
    }
  });

  it('covers a dispatch larger than one grid row (2D grid, rows of 65,535 workgroups)', async () => {
    // V8's nonce placed 4.5 M nonces into a 5 M range: beyond the first row of 4,194,240 invocations.
    const [rootText, work, value] = VECTORS[5]!;
    const root = hexBytes(rootText);
    const found = await gen!.searchRange(root, value, work - 4_500_000n, 5_000_000);
    expect(found).to.equal(work);
  });

  it('generates work that validates, from the GPU half of the nonce space', async () => {
    for (const target of [DEV_BASE, DEV_RECEIVE, DEV_BASE]) {
      const root = randomRoot();
      const nonce = await gen!.generate(root, target, new AbortController().signal);
      expect(oracleMeets(root, nonce, target), 'independent oracle').to.equal(true);
      expect(inHalf('gpu', nonce), `nonce ${nonce.toString(16)} has bit 63 set`).to.equal(true);
    }
    expect(gen!.hashes() > 0).to.equal(true);
  });

  it('serves concurrent jobs', async () => {
    const roots = Array.from({ length: 4 }, randomRoot);
    const nonces = await Promise.all(roots.map((r) => gen!.generate(r, DEV_BASE, new AbortController().signal)));
    nonces.forEach((n, i) => expect(oracleMeets(roots[i]!, n, DEV_BASE)).to.equal(true));
  });

  it('stops soon after an abort: the device is free again within a few dispatches', async () => {
    const ac = new AbortController();
    const pending = rejectionOf(gen!.generate(randomRoot(), IMPOSSIBLE, ac.signal));
    await sleep(500); // batch size adapted to ~10 ms dispatches
    const before = gen!.hashes();
    const t0 = performance.now();
    ac.abort();
    expect(isAbortError(await pending)).to.equal(true);
    // searchRange needs a free lane: it waits for the dispatches in flight.
    await gen!.searchRange(FIXED_ROOTS[0]!, IMPOSSIBLE, 1n << 63n, 64);
    const ms = performance.now() - t0;
    expect(gen!.hashes() > before, 'it was searching').to.equal(true);
    expect(ms < 500, `device busy for ${ms.toFixed(0)} ms after the abort (dispatch size ${gen!.batch})`).to.equal(true);
  });
});

describe('backends/local with a GPU', function () {
  this.timeout(60_000);
  let backend: LocalBackend | undefined;

  afterEach(async () => {
    await backend?.close();
    backend = undefined;
  });

  it('with gpu: on, CPU and GPU race on each job and the work validates', async function () {
    backend = createLocalBackend('local', { cpuThreads: 1, gpu: 'on' });
    // With gpu: on, start() rejects when there is no GPU (the server stops start-up).
    const state = await backend.generator.start().catch((err: Error) => ({ unavailable: err.message }));
    if (!('info' in state)) {
      if (REQUIRED) throw new Error(`REQUIRE_GPU_TESTS=1 but ${'unavailable' in state ? state.unavailable : 'gpu off'}`);
      this.skip();
    }
    for (const target of [DEV_BASE, DEV_RECEIVE, DEV_RECEIVE]) {
      const rootBytes = randomRoot();
      const work = await backend.generate(workJob({ root: rootBytes, target }));
      expect(oracleMeets(rootBytes, work, target)).to.equal(true);
    }
    // Dev thresholds take microseconds: a job long enough for GPU dispatches to complete (mean 2^22 nonces).
    const rootBytes0 = randomRoot();
    const hard = 0xfffffc0000000000n;
    const work = await backend.generate(workJob({ root: rootBytes0, target: hard }));
    expect(oracleMeets(rootBytes0, work, hard)).to.equal(true);
    await sleep(150); // the worker publishes its count every 50 ms
    expect(backend.generator.hashes() > backend.generator.hashes('cpu'), 'the GPU searched too').to.equal(true);
    const ac = new AbortController();
    const rootBytes = randomRoot();
    const pending = rejectionOf(backend.generate(workJob({ root: rootBytes, target: IMPOSSIBLE, signal: ac.signal })));
    setTimeout(() => ac.abort(), 50);
    expect(isAbortError(await pending)).to.equal(true);
  });

  it('with gpu: auto, a software adapter is not used (CPU only, with the reason)', async function () {
    const probed = await probeGpu({});
    if (!('software' in probed) || !probed.software) this.skip();
    backend = createLocalBackend('local', { cpuThreads: 1, gpu: 'auto' });
    const state = await backend.generator.start();
    expect('unavailable' in state && /software/.test(state.unavailable), JSON.stringify(state)).to.equal(true);
  });
});
