import { expect } from 'chai';
import { BOOMPOW_BASE, boompowMultiplier, boompowThreshold } from '../../lib/backends/boompow-multiplier.js';

describe('boompowMultiplier', () => {
  it('maps the documented thresholds to their exact multipliers', () => {
    expect(boompowMultiplier(0xfffffe0000000000n)).to.equal(1);
    expect(boompowMultiplier(0xffffffc000000000n)).to.equal(8);
    expect(boompowMultiplier(0xfffffff000000000n)).to.equal(32);
    expect(boompowMultiplier(0xfffffff800000000n)).to.equal(64);
  });

  it('rounds up, so the work BoomPoW is held to meets the target', () => {
    expect(boompowMultiplier(0xfffffe0000000001n)).to.equal(2);
    expect(boompowMultiplier(0xfffffff800000000n - 1n)).to.equal(64);
    for (const target of [0xfffffe0000000001n, 0xffffff0000000000n, 0xffffff8123456789n, 0xffffffe000000001n, 0xfffffff7ffffffffn]) {
      const m = boompowMultiplier(target) as number;
      expect(boompowThreshold(m) >= target, target.toString(16)).to.equal(true);
      // ...and asks for no more than needed.
      if (m > 1) expect(boompowThreshold(m - 1) < target, target.toString(16)).to.equal(true);
    }
  });

  it('clamps low targets to 1 and skips targets above 64x', () => {
    expect(boompowMultiplier(0n)).to.equal(1);
    expect(boompowMultiplier(0xf000000000000000n)).to.equal(1);
    expect(boompowMultiplier(0xfffffff800000001n)).to.equal(undefined);
    expect(boompowMultiplier(0xffffffffffffffffn)).to.equal(undefined);
  });

  it('works against another base (test networks scale it down)', () => {
    const base = 0xf000000000000000n;
    expect(boompowMultiplier(base, base)).to.equal(1);
    expect(boompowMultiplier(0xffc0000000000000n, base)).to.equal(64);
    expect(boompowMultiplier(0xffc0000000000001n, base)).to.equal(undefined);
    expect(boompowThreshold(64, base)).to.equal(0xffc0000000000000n);
    expect(boompowThreshold(1)).to.equal(BOOMPOW_BASE);
  });
});
