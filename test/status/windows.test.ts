import { expect } from 'chai';
import { PerSecond } from '../../lib/status/per-second.js';
import { RecentItems, RecentSamples } from '../../lib/status/samples.js';

describe('status windows', () => {
  describe('PerSecond', () => {
    it('shows only finished seconds, oldest first', () => {
      const s = new PerSecond(['a', 'b'] as const, 3);
      s.add('a');
      expect(s.series('a')).to.deep.equal([]);
      s.tick();
      s.add('a', 2);
      s.add('b');
      s.tick();
      expect(s.series('a')).to.deep.equal([1, 2]);
      expect(s.series('b')).to.deep.equal([0, 1]);
    });

    it('drops seconds older than the window and clears the slot it reuses', () => {
      const s = new PerSecond(['a'] as const, 3);
      for (let i = 1; i <= 5; i++) {
        s.add('a', i);
        s.tick();
      }
      expect(s.series('a')).to.deep.equal([3, 4, 5]);
      s.tick();
      expect(s.series('a')).to.deep.equal([4, 5, 0]);
    });

    it('sums the last n seconds and says how many it covered', () => {
      const s = new PerSecond(['a'] as const, 10);
      for (let i = 1; i <= 4; i++) {
        s.add('a', i);
        s.tick();
      }
      expect(s.sum('a', 2)).to.equal(7);
      expect(s.sum('a', 60)).to.equal(10);
      expect(s.covered(60)).to.equal(4);
      expect(s.covered(2)).to.equal(2);
    });
  });

  describe('RecentSamples', () => {
    it('gives nearest-rank quantiles of the last n samples', () => {
      const r = new RecentSamples(100);
      for (let i = 1; i <= 100; i++) r.record(i);
      expect(r.quantiles([0.5, 0.99, 1])).to.deep.equal([50, 99, 100]);
      for (let i = 0; i < 100; i++) r.record(1000);
      expect(r.quantiles([0.5])).to.deep.equal([1000]);
      expect(r.count).to.equal(100);
    });

    it('has no quantile without samples', () => {
      expect(new RecentSamples(4).quantiles([0.5, 0.99])).to.deep.equal([null, null]);
    });
  });

  describe('RecentItems', () => {
    it('lists the newest first and forgets beyond its size', () => {
      const r = new RecentItems<number>(3);
      for (let i = 1; i <= 5; i++) r.push(i);
      expect(r.list()).to.deep.equal([5, 4, 3]);
    });
  });
});
