import { expect } from 'chai';
import { WorkStore } from '../../lib/cache/work-store.js';
import { randomRoot } from '../helpers/powgate.js';

const HOUR = 3_600_000;

/** A clock the test moves by hand. */
function clock(start = 1_000_000): { now: () => number; advance(ms: number): void } {
  let t = start;
  return { now: () => t, advance: (ms) => (t += ms) };
}

describe('WorkStore (the memory cache)', () => {
  it('returns what was stored, with the precached flag', () => {
    const store = new WorkStore(10, HOUR);
    const a = randomRoot();
    const b = randomRoot();
    store.set(a, 0x2b3d689bbcb21dcan);
    store.set(b, 0xffffffffffffffffn, true);
    expect(store.get(a)).to.deep.equal({ work: 0x2b3d689bbcb21dcan, precached: false });
    expect(store.get(b)).to.deep.equal({ work: 0xffffffffffffffffn, precached: true });
    expect(store.get(randomRoot())).to.equal(undefined);
    expect(store.size).to.equal(2);
  });

  it('replaces the work of a root stored again, without a second entry', () => {
    const store = new WorkStore(10, HOUR);
    const root = randomRoot();
    store.set(root, 1n, true);
    store.set(root, 2n);
    expect(store.get(root)).to.deep.equal({ work: 2n, precached: false });
    expect(store.size).to.equal(1);
  });

  it('reads a root the same in upper and lower case', () => {
    const store = new WorkStore(10, HOUR);
    const root = randomRoot();
    store.set(root.toLowerCase(), 7n);
    expect(store.get(root)?.work).to.equal(7n);
  });

  it('evicts the least recently used entry, where a read counts as a use', () => {
    const store = new WorkStore(3, HOUR);
    const [a, b, c, d] = Array.from({ length: 4 }, randomRoot) as [string, string, string, string];
    store.set(a, 1n);
    store.set(b, 2n);
    store.set(c, 3n);
    store.get(a); // a is now the most recent; b the least
    store.set(d, 4n);
    expect(store.get(b)).to.equal(undefined);
    expect(store.get(a)?.work).to.equal(1n);
    expect(store.get(c)?.work).to.equal(3n);
    expect(store.get(d)?.work).to.equal(4n);
    expect(store.size).to.equal(3);
  });

  it('lists roots from most to least recently used', () => {
    const store = new WorkStore(5, HOUR);
    const roots = Array.from({ length: 4 }, randomRoot);
    for (const [i, root] of roots.entries()) store.set(root, BigInt(i));
    store.get(roots[1] as string);
    expect([...store.roots()]).to.deep.equal([roots[1], roots[3], roots[2], roots[0]]);
  });

  it('never holds more than max_entries, however many are stored', () => {
    const store = new WorkStore(1500, HOUR);
    const roots = Array.from({ length: 5000 }, randomRoot);
    for (const [i, root] of roots.entries()) store.set(root, BigInt(i));
    expect(store.size).to.equal(1500);
    // Exactly the last 1,500 stored remain, each with its own work.
    for (const [i, root] of roots.entries()) expect(store.get(root)?.work).to.equal(i >= 3500 ? BigInt(i) : undefined);
  });

  it('keeps every entry while growing past its first allocation', () => {
    const store = new WorkStore(10_000, HOUR);
    const roots = Array.from({ length: 10_000 }, randomRoot);
    for (const [i, root] of roots.entries()) store.set(root, BigInt(i));
    expect(store.size).to.equal(10_000);
    for (const [i, root] of roots.entries()) expect(store.get(root)?.work).to.equal(BigInt(i));
  });

  it('expires an entry ttl after it was stored, not after it was read', () => {
    const time = clock();
    const store = new WorkStore(10, 1000, time.now);
    const root = randomRoot();
    store.set(root, 5n);
    time.advance(999);
    expect(store.get(root)?.work).to.equal(5n);
    time.advance(1);
    expect(store.get(root)).to.equal(undefined);
    expect(store.size).to.equal(0);
  });

  it('restarts the lifetime when a root is stored again', () => {
    const time = clock();
    const store = new WorkStore(10, 1000, time.now);
    const root = randomRoot();
    store.set(root, 5n);
    time.advance(800);
    store.set(root, 6n);
    time.advance(800);
    expect(store.get(root)?.work).to.equal(6n);
  });

  it('deletes', () => {
    const store = new WorkStore(10, HOUR);
    const root = randomRoot();
    store.set(root, 5n);
    expect(store.delete(root)).to.equal(true);
    expect(store.delete(root)).to.equal(false);
    expect(store.get(root)).to.equal(undefined);
    expect(store.size).to.equal(0);
  });

  it('ignores what is not a 64-digit hex root', () => {
    const store = new WorkStore(10, HOUR);
    for (const bad of ['', 'abc', 'G'.repeat(64), `${'0'.repeat(63)}`, `${'0'.repeat(65)}`, `${'0'.repeat(63)} `]) {
      store.set(bad, 1n);
      expect(store.get(bad)).to.equal(undefined);
      expect(store.delete(bad)).to.equal(false);
    }
    expect(store.size).to.equal(0);
  });

  it('refuses a capacity or lifetime that is not positive', () => {
    expect(() => new WorkStore(0, HOUR)).to.throw(RangeError);
    expect(() => new WorkStore(1.5, HOUR)).to.throw(RangeError);
    expect(() => new WorkStore(10, 0)).to.throw(RangeError);
  });

  it('agrees with a plain Map-based LRU over a long random mix of operations', () => {
    // The index shifts entries back on every removal; a model check catches a slot left wrong.
    const time = clock();
    const max = 200;
    const store = new WorkStore(max, 10_000, time.now);
    const model = new Map<string, { work: bigint; expires: number }>();
    const roots = Array.from({ length: 600 }, randomRoot);
    let seed = 12345;
    const random = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    for (let step = 0; step < 50_000; step++) {
      const root = roots[random(roots.length)] as string;
      const op = random(10);
      if (op < 4) {
        const work = BigInt(step);
        store.set(root, work);
        model.delete(root);
        model.set(root, { work, expires: time.now() + 10_000 });
        if (model.size > max) model.delete(model.keys().next().value as string);
      } else if (op < 9) {
        const want = model.get(root);
        const live = want !== undefined && want.expires > time.now() ? want : undefined;
        if (want !== undefined) {
          model.delete(root);
          if (live !== undefined) model.set(root, live);
        }
        expect(store.get(root)?.work, `step ${step}`).to.equal(live?.work);
      } else {
        expect(store.delete(root), `step ${step}`).to.equal(model.delete(root));
      }
      if (random(100) === 0) time.advance(random(3000));
      expect(store.size).to.equal(model.size);
    }
  });
});
