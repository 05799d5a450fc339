import { expect } from 'chai';
import { formatMultiplier, formatMultiplierExact, fromMultiplier, toMultiplier } from '../../lib/pow/multiplier.js';
import { Rng } from './helpers.js';

describe('pow/multiplier', () => {
  // nano-node core_test/difficulty.cpp, TEST (difficulty, multipliers)
  const vectors: [base: bigint, difficulty: bigint, multiplier: number][] = [
    [0xff00000000000000n, 0xfff27e7a57c285cdn, 18.95461493377003],
    [0xffffffc000000000n, 0xfffffe0000000000n, 0.125],
    [0xffffffffffffffffn, 0xffffffffffffff00n, 0.00390625],
    [0x8000000000000000n, 0xf000000000000000n, 8.0],
  ];

  for (const [base, difficulty, multiplier] of vectors) {
    it(`base ${base.toString(16)}: ${difficulty.toString(16)} <-> ${multiplier}`, () => {
      expect(toMultiplier(difficulty, base)).to.be.closeTo(multiplier, 1e-10);
      expect(fromMultiplier(multiplier, base)).to.equal(difficulty);
    });
  }

  // TEST (difficulty, overflow)
  it('does not wrap a multiplier above 1 round to an easy difficulty', () => {
    expect(fromMultiplier(1.001, 0xffffffffffffffffn)).to.equal(0xffffffffffffffffn);
  });

  it('gives 0 when a multiplier below 1 would go under 0', () => {
    expect(fromMultiplier(0.999, 1n)).to.equal(0n);
  });

  it('maps the Nano live range limits', () => {
    const base = 0xfffffff800000000n;
    expect(fromMultiplier(1, base)).to.equal(base);
    expect(fromMultiplier(64, base)).to.equal(0xffffffffe0000000n);
    expect(fromMultiplier(1 / 64, base)).to.equal(0xfffffe0000000000n);
    expect(toMultiplier(0xfffffe0000000000n, base)).to.equal(1 / 64);
    expect(toMultiplier(base, base)).to.equal(1);
  });

  it('gives 0 for quotients beyond u64, including ones beyond u128', () => {
    expect(fromMultiplier(1e-30, 0xfffffff800000000n)).to.equal(0n);
    expect(fromMultiplier(Number.MIN_VALUE, 0xfffffff800000000n)).to.equal(0n);
  });

  it('keeps base 0 at 0 rather than saturating', () => {
    expect(fromMultiplier(2, 0n)).to.equal(0n);
  });

  it('rejects multipliers that are not > 0', () => {
    for (const bad of [0, -1, Number.NaN, -Infinity]) {
      expect(() => fromMultiplier(bad, 0xfffffff800000000n), String(bad)).to.throw(RangeError);
    }
  });

  it('round-trips difficulties through multipliers to within one double step', () => {
    const rng = new Rng(7);
    const base = 0xfffffff800000000n;
    for (let i = 0; i < 2000; i++) {
      // difficulties from base to 2^20 times harder
      const difficulty = 0xffffffffffffffffn - (rng.u64() % (0x800000000n - 0x8000n)) - 0x8000n;
      const back = fromMultiplier(toMultiplier(difficulty, base), base);
      const error = back > difficulty ? back - difficulty : difficulty - back;
      expect(Number(error), difficulty.toString(16)).to.be.at.most(1);
    }
  });

  describe('formatMultiplier', () => {
    it('prints 15 fixed decimals like the node', () => {
      expect(formatMultiplier(toMultiplier(0xfffffff93c41ec94n, 0xfffffff800000000n))).to.equal('1.182623871097636');
      expect(formatMultiplier(8)).to.equal('8.000000000000000');
      expect(formatMultiplier(0.125)).to.equal('0.125000000000000');
      expect(formatMultiplier(1 / 64)).to.equal('0.015625000000000');
      expect(formatMultiplier(1e-20)).to.equal('0.000000000000000');
      expect(formatMultiplier(2 ** 35)).to.equal('34359738368.000000000000000');
    });

    it('rounds exact ties to even like glibc, unlike Number#toFixed', () => {
      // 2^-16 = 0.0000152587890625 and 3 * 2^-16 = 0.0000457763671875
      expect(formatMultiplier(2 ** -16)).to.equal('0.000015258789062');
      expect((2 ** -16).toFixed(15)).to.equal('0.000015258789063');
      expect(formatMultiplier(3 * 2 ** -16)).to.equal('0.000045776367188');
    });

    it('agrees with toFixed(15) away from ties', () => {
      const rng = new Rng(11);
      for (let i = 0; i < 5000; i++) {
        const m = toMultiplier(rng.u64() | 0xf000000000000000n, 0xfffffff800000000n);
        expect(formatMultiplier(m)).to.equal(m.toFixed(15));
      }
    });

    it('takes the toFixed shortcut only where it prints the exact expansion', () => {
      const rng = new Rng(13);
      const bits = new DataView(new ArrayBuffer(8));
      const check = (m: number): void => {
        expect(formatMultiplier(m), String(m)).to.equal(formatMultiplierExact(m));
      };
      for (let i = 0; i < 20_000; i++) {
        // Any positive finite double (random exponent and mantissa).
        bits.setBigUint64(0, rng.u64() & 0x7fefffffffffffffn);
        check(bits.getFloat64(0));
        // Dyadic values near the tie boundary: k / 2^j, j from 0 to 24, odd and even k.
        const k = Number(rng.u64() % 1_000_000n) + 1;
        check(k / 2 ** Number(rng.u64() % 25n));
      }
      for (const m of [2 ** -16, 3 * 2 ** -16, 2 ** -15, 1e21, 1e21 - 65536, 9.999999999999999e20, 2 ** 70, 5e-324, 0.5, 1, 64]) check(m);
    });

    it('prints non-finite values as iostreams do', () => {
      expect(formatMultiplier(toMultiplier(0n, 0xfffffff800000000n))).to.equal('inf');
      expect(formatMultiplier(Number.NaN)).to.equal('nan');
    });
  });
});
