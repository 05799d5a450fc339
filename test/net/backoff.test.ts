import { expect } from 'chai';
import { backoffDelay } from '../../lib/net/backoff.js';

describe('backoffDelay', () => {
  const options = { base: 100, max: 1000 };

  it('doubles its ceiling per attempt up to max, never below half the ceiling', () => {
    expect([0, 1, 2, 3, 4, 10].map((a) => backoffDelay(a, options, () => 1))).to.deep.equal([100, 200, 400, 800, 1000, 1000]);
    expect([0, 1, 2, 3, 4, 10].map((a) => backoffDelay(a, options, () => 0))).to.deep.equal([50, 100, 200, 400, 500, 500]);
  });

  it('spreads clients across the upper half of the ceiling', () => {
    const delays = Array.from({ length: 200 }, () => backoffDelay(2, options));
    for (const d of delays) expect(d).to.be.within(200, 400);
    expect(new Set(delays.map((d) => Math.floor(d / 20))).size).to.be.above(5);
  });

  it('stays finite for huge attempt counts and sane for negative ones', () => {
    expect(backoffDelay(5000, options, () => 1)).to.equal(1000);
    expect(backoffDelay(-3, options, () => 1)).to.equal(100);
  });

  it('takes the precache websocket figures: 100 ms doubling to 1 s, between half and all of the ceiling', () => {
    const precache = { base: 100, max: 1000 };
    expect([0, 1, 2, 3, 10].map((n) => backoffDelay(n, precache, () => 1))).to.deep.equal([100, 200, 400, 800, 1000]);
    expect([0, 1, 10].map((n) => backoffDelay(n, precache, () => 0))).to.deep.equal([50, 100, 500]);
    expect(backoffDelay(1e6, precache, () => 0.5)).to.equal(750);
  });
});
