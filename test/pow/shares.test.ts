import { expect } from 'chai';
import { feeOf, formatAmount, parseAmount, parseFeeRate, proportionalShares, type Weighted } from '../../lib/pow/index.js';

/** A small seeded PRNG (mulberry32), so a failing case can be replayed from its seed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomBig(next: () => number, digits: number): bigint {
  let s = '';
  const n = 1 + Math.floor(next() * digits);
  for (let i = 0; i < n; i++) s += Math.floor(next() * 10).toString();
  return BigInt(s);
}

function randomCase(seed: number): { workers: Weighted[]; distributable: bigint } {
  const next = rng(seed);
  const n = 1 + Math.floor(next() * 40);
  const workers: Weighted[] = [];
  for (let i = 0; i < n; i++) {
    // Some equal weights, some zero, some huge.
    const kind = next();
    const weight = kind < 0.1 ? 0n : kind < 0.3 ? 64_000_000n : randomBig(next, 18);
    workers.push({ account: `nano_${i.toString(36).padStart(4, '0')}${Math.floor(next() * 1e6)}`, weight });
  }
  return { workers, distributable: randomBig(next, 36) };
}

function shuffle<T>(items: readonly T[], next: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

const CASES = 400;

describe('proportionalShares (property tests, seeded)', () => {
  it('shares add up to the distributable exactly', () => {
    for (let seed = 1; seed <= CASES; seed++) {
      const { workers, distributable } = randomCase(seed);
      const shares = proportionalShares(workers, distributable);
      const total = workers.reduce((s, w) => s + w.weight, 0n);
      const sum = shares.reduce((s, r) => s + r.share, 0n);
      expect(sum, `seed ${seed}`).to.equal(total === 0n ? 0n : distributable);
    }
  });

  it('does not depend on the order of the workers', () => {
    for (let seed = 1; seed <= CASES; seed++) {
      const { workers, distributable } = randomCase(seed);
      const a = proportionalShares(workers, distributable);
      const b = proportionalShares(shuffle(workers, rng(seed * 7919)), distributable);
      expect(b, `seed ${seed}`).to.deep.equal(a);
    }
  });

  it('gives a heavier worker at least what a lighter one gets, and each within one raw of its exact share', () => {
    for (let seed = 1; seed <= CASES; seed++) {
      const { workers, distributable } = randomCase(seed);
      const shares = proportionalShares(workers, distributable);
      const total = workers.reduce((s, w) => s + w.weight, 0n);
      if (total === 0n) continue;
      const byWeight = [...shares].sort((x, y) => (x.weight < y.weight ? -1 : x.weight > y.weight ? 1 : 0));
      for (let i = 1; i < byWeight.length; i++) {
        const lighter = byWeight[i - 1] as (typeof shares)[number];
        const heavier = byWeight[i] as (typeof shares)[number];
        if (heavier.weight > lighter.weight) expect(heavier.share >= lighter.share, `seed ${seed}`).to.equal(true);
      }
      for (const s of shares) {
        const floor = (distributable * s.weight) / total;
        expect(s.share === floor || s.share === floor + 1n, `seed ${seed}`).to.equal(true);
      }
    }
  });

  it("grows a worker's share when only its weight grows", () => {
    for (let seed = 1; seed <= CASES; seed++) {
      const { workers, distributable } = randomCase(seed);
      const [first] = workers;
      if (first === undefined) continue;
      const before = proportionalShares(workers, distributable).find((s) => s.account === first.account)?.share ?? 0n;
      const heavier = [{ ...first, weight: first.weight * 2n + 1n }, ...workers.slice(1)];
      const after = proportionalShares(heavier, distributable).find((s) => s.account === first.account)?.share ?? 0n;
      expect(after >= before, `seed ${seed}`).to.equal(true);
    }
  });

  it('hands the leftover raw to the largest remainders, ties to the first account', () => {
    // 10 raw over three equal weights: 3 each, one left, to the first account.
    const equal = proportionalShares(
      [
        { account: 'nano_c', weight: 1n },
        { account: 'nano_a', weight: 1n },
        { account: 'nano_b', weight: 1n },
      ],
      10n,
    );
    expect(equal.map((s) => [s.account, s.share])).to.deep.equal([
      ['nano_a', 4n],
      ['nano_b', 3n],
      ['nano_c', 3n],
    ]);
    // 10 raw over 1:2: exact 3.33 and 6.67: the larger remainder (6.67) takes the raw.
    expect(
      proportionalShares(
        [
          { account: 'nano_a', weight: 1n },
          { account: 'nano_b', weight: 2n },
        ],
        10n,
      ).map((s) => s.share),
    ).to.deep.equal([3n, 7n]);
  });

  it('refuses a negative weight or an account twice', () => {
    expect(() => proportionalShares([{ account: 'a', weight: -1n }], 1n)).to.throw(RangeError);
    expect(() =>
      proportionalShares(
        [
          { account: 'a', weight: 1n },
          { account: 'a', weight: 1n },
        ],
        1n,
      ),
    ).to.throw(RangeError);
  });
});

describe('payout amounts and fees in integers', () => {
  const XNO = 10n ** 30n;
  it('parses amounts in the unit to raw exactly', () => {
    expect(parseAmount('10', XNO)).to.equal(10n * XNO);
    expect(parseAmount('0.000000000000000000000000000001', XNO)).to.equal(1n);
    expect(parseAmount('1.5', 10n ** 29n)).to.equal(15n * 10n ** 28n);
    expect(parseAmount('0.0000000000000000000000000000001', XNO)).to.equal(undefined);
    expect(parseAmount('1e3', XNO)).to.equal(undefined);
    expect(parseAmount('-1', XNO)).to.equal(undefined);
    expect(formatAmount(10n * XNO + 5n * 10n ** 29n, XNO)).to.equal('10.5');
    expect(formatAmount(1n, XNO)).to.equal('0.000000000000000000000000000001');
  });

  it('parses fee rates exactly and floors the fee', () => {
    expect(parseFeeRate('1%')).to.deep.equal({ numerator: 1n, denominator: 100n });
    expect(parseFeeRate('2.5 %')).to.deep.equal({ numerator: 1n, denominator: 40n });
    expect(parseFeeRate('0.01')).to.deep.equal({ numerator: 1n, denominator: 100n });
    expect(parseFeeRate('0')).to.deep.equal({ numerator: 0n, denominator: 1n });
    expect(parseFeeRate('101%')).to.equal(undefined);
    expect(parseFeeRate('abc')).to.equal(undefined);
    expect(feeOf(10n * XNO, { numerator: 1n, denominator: 100n })).to.equal(XNO / 10n);
    expect(feeOf(199n, { numerator: 1n, denominator: 100n })).to.equal(1n);
  });
});
