import { expect } from 'chai';
import { formatWeight, MAX_WEIGHT, NETWORKS, WEIGHT_SCALE, workWeight } from '../../lib/pow/index.js';

describe('workWeight: expected hashes relative to the receive threshold, in micro-units', () => {
  const nano = NETWORKS.nano;

  it('weighs a receive-level work 1 and a Nano send-level work 64', () => {
    expect(workWeight(nano.receiveThreshold, nano.receiveThreshold)).to.equal(WEIGHT_SCALE);
    expect(workWeight(nano.sendThreshold, nano.receiveThreshold)).to.equal(64n * WEIGHT_SCALE);
    expect(workWeight(0xffffffc000000000n, nano.receiveThreshold)).to.equal(8n * WEIGHT_SCALE);
  });

  it('weighs an easier work less, floored exactly', () => {
    // 2^64 - fffffc0000000000 = 2^42: half a receive.
    expect(workWeight(0xfffffc0000000000n, nano.receiveThreshold)).to.equal(500_000n);
    // 2^41 * 10^6 / (2^41 + 1), floored.
    expect(workWeight(nano.receiveThreshold - 1n, nano.receiveThreshold)).to.equal(((1n << 41n) * WEIGHT_SCALE) / ((1n << 41n) + 1n));
  });

  it('grows with the difficulty and is capped', () => {
    let previous = -1n;
    for (let shift = 63n; shift >= 0n; shift--) {
      const difficulty = (1n << 64n) - (1n << shift);
      const w = workWeight(difficulty, nano.receiveThreshold);
      expect(w >= previous).to.equal(true);
      previous = w;
    }
    expect(workWeight(0xffffffffffffffffn, nano.receiveThreshold)).to.equal(MAX_WEIGHT);
    expect(() => workWeight(1n << 64n, nano.receiveThreshold)).to.throw(RangeError);
  });

  it('is the same on Banano, whose receive and send thresholds are equal', () => {
    expect(workWeight(NETWORKS.banano.sendThreshold, NETWORKS.banano.receiveThreshold)).to.equal(WEIGHT_SCALE);
  });

  it('formats in receive-level works', () => {
    expect(formatWeight(64_000_000n)).to.equal('64');
    expect(formatWeight(500_000n)).to.equal('0.5');
    expect(formatWeight(1_000_001n)).to.equal('1.000001');
    expect(formatWeight(0n)).to.equal('0');
  });
});
