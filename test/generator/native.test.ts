import { availableParallelism } from 'node:os';
import { expect } from 'chai';
import { ISAS, type Isa, isaIndex, loadNative } from '../../lib/generator/native.js';
import { type CpuGenerator, createCpuGenerator } from '../../lib/generator/pool.js';
import { Searcher } from '../../lib/generator/wasm.js';
import { workValue } from '../../lib/pow/index.js';
import { IMPOSSIBLE, oracleMeets, sleep, VECTORS } from './helpers.js';

const hexBytes = (hex: string): Uint8Array => new Uint8Array(Buffer.from(hex, 'hex'));
const U64 = 1n << 64n;

const load = loadNative();
const native = load.ok ? load.native : undefined;
const skipWhy = (isa: Isa): string | undefined =>
  !native ? `no native addon: ${load.ok ? '' : load.reason}` : native.isas.includes(isa) ? undefined : `this CPU lacks ${isa}`;

/** Fixed roots; low thresholds so each search takes a few hundred to a few thousand nonces. */
const ROOTS = [
  '000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F',
  'FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF',
  '718CC2121C3E641059BC1C2CFC45666C99E8AE922F7A807B7D07B62C995D79E2',
];
const THRESHOLDS = [0xff00000000000000n, 0xfff0000000000000n, 0xfffc000000000000n];
/** Starts that exercise vector tails and the wrap from 2^64 - 1 to 0. */
const STARTS = [0n, 7n, 123_456_789n, U64 - 5n, U64 - 3000n];
const COUNT = 1 << 20;

/** The JS reference: the first nonce from start (mod 2^64) whose lib/pow workValue meets threshold. */
function referenceFirst(root: Uint8Array, threshold: bigint, start: bigint, count: number): bigint | null {
  for (let i = 0n; i < BigInt(count); i++) {
    const nonce = (start + i) % U64;
    if (workValue(root, nonce) >= threshold) return nonce;
  }
  return null;
}

describe('generator/native: the C kernels', function () {
  this.timeout(60_000);

  it(`loads, or says why not (${load.ok ? `runs ${load.native.isas.join(', ')}` : load.reason})`, () => {
    if (!load.ok) expect(load.reason).to.match(/\S/);
    else expect(load.native.best).to.equal(load.native.isas[load.native.isas.length - 1]);
  });

  for (const isa of ISAS) {
    const why = skipWhy(isa);
    const title = (what: string): string => `${isa}: ${what}${why ? ` (skipped: ${why})` : ''}`;

    it(title('computes every spec §6 vector through its single-value path, in every lane'), function () {
      if (why || !native) return this.skip();
      for (const [rootHex, work, value] of VECTORS) {
        const root = hexBytes(rootHex);
        const values = native.addon.values(root, work, isaIndex(isa));
        expect(values[0], `root ${rootHex} work ${work.toString(16)}`).to.equal(value);
        values.forEach((v, lane) => expect(v, `lane ${lane}`).to.equal(workValue(root, (work + BigInt(lane)) % U64)));
      }
    });

    it(title('finds the same first nonce as the JS reference and the WASM kernel, from fixed starts'), function () {
      if (why || !native) return this.skip();
      const wasm = new Searcher();
      for (const rootHex of ROOTS) {
        const root = hexBytes(rootHex);
        wasm.setRoot(root);
        for (const threshold of THRESHOLDS) {
          for (const start of STARTS) {
            const expected = referenceFirst(root, threshold, start, COUNT);
            const got = native.addon.search(root, threshold, start, COUNT, isaIndex(isa));
            const w = wasm.search(threshold, start, COUNT);
            const where = `root ${rootHex.slice(0, 8)} threshold ${threshold.toString(16)} start ${start}`;
            expect(got, where).to.equal(expected);
            expect(w.found ? BigInt.asUintN(64, w.nonce) : null, `WASM, ${where}`).to.equal(expected);
            expect(expected !== null && oracleMeets(root, expected, threshold), where).to.equal(true);
          }
        }
      }
    });

    it(title('stops after count nonces, tail included, and finds nothing that is not there'), function () {
      if (why || !native) return this.skip();
      const root = hexBytes(ROOTS[0]!);
      const first = referenceFirst(root, 0xfff0000000000000n, 0n, COUNT)!;
      for (const count of [0, 1, 9, 17, Number(first), Number(first) + 1, Number(first) + 8, Number(first) + 17]) {
        const got = native.addon.search(root, 0xfff0000000000000n, 0n, count, isaIndex(isa));
        expect(got, `count ${count}`).to.equal(count > Number(first) ? first : null);
      }
      expect(native.addon.search(root, IMPOSSIBLE, 0n, 4099, isaIndex(isa))).to.equal(null);
      expect(native.addon.search(root, 0n, 42n, 8, isaIndex(isa)), 'threshold 0: the start itself').to.equal(42n);
    });

    it(title('generates valid work on the worker pool'), async function () {
      if (why) return this.skip();
      const gen = createCpuGenerator({ threads: 2, impl: 'native', isa });
      try {
        expect(gen.implementation).to.equal(`native ${isa}`);
        for (const rootHex of ROOTS) {
          const root = hexBytes(rootHex);
          const work = await gen.generate(root, 0xfffff00000000000n, new AbortController().signal);
          expect(oracleMeets(root, work, 0xfffff00000000000n)).to.equal(true);
        }
      } finally {
        await gen.close();
      }
    });
  }

  it('the benchmark baseline (plain C BLAKE2b) agrees with the specialised kernels', function () {
    if (!native) return this.skip();
    const root = hexBytes(ROOTS[2]!);
    const threshold = 0xff00000000000000n;
    let met = 0;
    for (let n = 0n; n < 5000n; n++) met += workValue(root, n) >= threshold ? 1 : 0;
    expect(native.addon.baseline(root, threshold, 0n, 5000)).to.equal(met);
  });
});

describe('generator/pool: kernel choice', () => {
  it('auto picks the best native kernel, or WASM with a reason when the addon is missing', async () => {
    const gen = createCpuGenerator({ threads: 1 });
    try {
      if (native) {
        expect(gen.implementation).to.equal(`native ${native.best}`);
        expect(gen.fallbackReason).to.equal(undefined);
      } else {
        expect(gen.implementation).to.equal('wasm');
        expect(gen.fallbackReason ?? '').to.match(/\S/);
      }
    } finally {
      await gen.close();
    }
  });

  it('impl wasm runs the WASM kernel, with no fallback reason', async () => {
    const gen = createCpuGenerator({ threads: 1, impl: 'wasm' });
    try {
      expect(gen.implementation).to.equal('wasm');
      expect(gen.fallbackReason).to.equal(undefined);
      const root = hexBytes(ROOTS[0]!);
      expect(oracleMeets(root, await gen.generate(root, 0xfff0000000000000n, new AbortController().signal), 0xfff0000000000000n)).to.equal(true);
    } finally {
      await gen.close();
    }
  });

  it('impl native fails at creation when the addon is missing (else runs it)', async () => {
    if (native) {
      const gen = createCpuGenerator({ threads: 1, impl: 'native' });
      expect(gen.implementation).to.equal(`native ${native.best}`);
      await gen.close();
    } else {
      expect(() => createCpuGenerator({ threads: 1, impl: 'native' })).to.throw(/native CPU kernels unavailable/);
    }
  });
});

/** Resolves once hashes() has not moved for quietMs; returns when it last moved. */
async function lastMove(gen: CpuGenerator, quietMs: number): Promise<number> {
  let last = gen.hashes();
  let movedAt = performance.now();
  while (performance.now() - movedAt < quietMs) {
    await sleep(1);
    const now = gen.hashes();
    if (now !== last) {
      last = now;
      movedAt = performance.now();
    }
  }
  return movedAt;
}

describe(`generator/pool: responsiveness with every thread searching (${availableParallelism()} threads)`, function () {
  this.timeout(30_000);
  for (const impl of ['auto', 'wasm'] as const) {
    it(`${impl}: a cancel stops every thread well within 50 ms (median of 5)`, async () => {
      const gen = createCpuGenerator({ threads: availableParallelism(), impl });
      try {
        const latencies: number[] = [];
        for (let round = 0; round < 5; round++) {
          const ac = new AbortController();
          const job = gen.generate(hexBytes(ROOTS[round % 3]!), IMPOSSIBLE, ac.signal).catch((err: unknown) => err);
          await sleep(150);
          const t0 = performance.now();
          ac.abort();
          expect(((await job) as Error).name).to.equal('AbortError');
          latencies.push((await lastMove(gen, 100)) - t0);
        }
        const sorted = [...latencies].sort((a, b) => a - b);
        const median = sorted[2] as number;
        const worst = sorted[4] as number;
        console.log(`      ${gen.implementation}: threads stopped ${latencies.map((l) => Math.max(0, l).toFixed(1)).join(', ')} ms after abort`);
        // The median holds the bound; one round may lose the CPU to another process on a
        // loaded machine (seen: 61 ms once with a benchmark beside it), which says nothing of
        // the kernel's cancel check. A thread that missed its cancel would search on for ever.
        expect(median < 50, `median ${median.toFixed(1)} ms`).to.equal(true);
        expect(worst < 500, `worst ${worst.toFixed(1)} ms`).to.equal(true);
      } finally {
        await gen.close();
      }
    });

    it(`${impl}: the event loop keeps its timers (drift of a 10 ms interval)`, async () => {
      const gen = createCpuGenerator({ threads: availableParallelism(), impl });
      const ac = new AbortController();
      const job = gen.generate(hexBytes(ROOTS[0]!), IMPOSSIBLE, ac.signal).catch(() => undefined);
      try {
        await sleep(100);
        const h0 = gen.hashes();
        const late: number[] = [];
        await new Promise<void>((resolve) => {
          let expected = performance.now() + 10;
          const timer = setInterval(() => {
            const now = performance.now();
            late.push(now - expected);
            expected = now + 10;
            if (late.length === 100) {
              clearInterval(timer);
              resolve();
            }
          }, 10);
        });
        late.sort((a, b) => a - b);
        const p50 = late[50]!;
        const worst = late[late.length - 1]!;
        console.log(
          `      ${gen.implementation}: timer lateness p50 ${p50.toFixed(1)} ms, max ${worst.toFixed(1)} ms, while hashing ${((gen.hashes() - h0) / 1e6).toFixed(0)} M nonces`,
        );
        expect(gen.hashes() > h0, 'the threads were searching').to.equal(true);
        // The median says whether hashing ever holds the main thread (a slice on it would show as
        // p50 ≈ the slice); the worst only that nothing holds it for long, with room for a crowded
        // machine's scheduler (a single 246 ms delay was seen under a parallel benchmark).
        expect(p50 < 25, `median lateness ${p50.toFixed(1)} ms`).to.equal(true);
        expect(worst < 1_000, `worst lateness ${worst.toFixed(1)} ms`).to.equal(true);
      } finally {
        ac.abort();
        await job;
        await gen.close();
      }
    });
  }
});
