import { expect } from 'chai';
import { formatStatistics } from '../../lib/hub/protocol.js';
import { ServiceDirectory } from '../../lib/services/directory.js';
import { pyDumps } from '../../lib/services/dpow-json.js';
import { hashKey, newKey, sameHash } from '../../lib/services/keys.js';
import { RateLimiter } from '../../lib/services/limiter.js';
import { MemoryServiceStore } from '../../lib/services/memory-store.js';
import type { ServiceRecord, ServiceStore, UsageDelta } from '../../lib/services/types.js';
import { testConfig } from '../helpers/powgate.js';

const T0 = Date.parse('2026-01-01T23:59:00Z');

function record(name: string, over: Partial<ServiceRecord> = {}): ServiceRecord {
  return { name, keyHash: hashKey(`${name}-key-0123456789`), public: false, rate: 0, burst: 1, maxDelay: 0, ...over };
}

describe('service keys', () => {
  it('are 256 random bits, stored as SHA-256, compared in constant time', () => {
    const a = newKey();
    const b = newKey();
    expect(a).to.match(/^pgk_[A-Za-z0-9_-]{43}$/);
    expect(a).to.not.equal(b);
    expect(hashKey(a)).to.match(/^[0-9a-f]{64}$/);
    expect(sameHash(hashKey(a), hashKey(a))).to.equal(true);
    expect(sameHash(hashKey(a), hashKey(b))).to.equal(false);
    expect(sameHash('', '')).to.equal(false);
  });
});

describe('the rate limiter', () => {
  it('lets a burst through, then spaces requests at the rate, and refuses past the delay bound', () => {
    let now = 1000;
    const limiter = new RateLimiter({ rate: 10, burst: 3, maxDelay: 250 }, () => now);
    expect([limiter.take(), limiter.take(), limiter.take()]).to.deep.equal([0, 0, 0]);
    expect(limiter.take()).to.equal(100);
    expect(limiter.take()).to.equal(200);
    // The next turn is 300 ms away: past the bound, refused, and it takes no turn.
    expect(limiter.take()).to.equal(-1);
    expect(limiter.take()).to.equal(-1);
    now += 1000;
    expect(limiter.take()).to.equal(0);
  });

  it('has no limit at rate 0', () => {
    const limiter = new RateLimiter({ rate: 0, burst: 1, maxDelay: 0 });
    for (let i = 0; i < 1000; i++) expect(limiter.take()).to.equal(0);
  });
});

describe('the service directory', () => {
  let now = T0;
  const clock = (): number => now;
  beforeEach(() => {
    now = T0;
  });

  it('finds a service by key, or by DPoW user and key; counts unknown keys', () => {
    const dir = new ServiceDirectory({ declared: [record('a')], store: new MemoryServiceStore(), now: clock });
    expect(dir.byKey('a-key-0123456789')?.record.name).to.equal('a');
    expect(dir.verify('a', 'a-key-0123456789')?.record.name).to.equal('a');
    expect(dir.verify('a', 'wrong')).to.equal(undefined);
    expect(dir.verify('b', 'a-key-0123456789')).to.equal(undefined);
    expect(dir.byKey('wrong')).to.equal(undefined);
    expect(dir.unknownKeys).to.equal(3);
  });

  it('holds a work against the quota while it runs, charges only works not from the cache, and renews at 00:00 UTC', () => {
    const dir = new ServiceDirectory({ declared: [record('a', { dailyQuota: 2 })], store: new MemoryServiceStore(), now: clock });
    const entry = dir.byName('a');
    if (entry === undefined) throw new Error('no entry');
    const first = dir.admit(entry, 'work_generate', true);
    const second = dir.admit(entry, 'work_generate', true);
    // Two in flight: a third cannot start, though nothing is charged yet.
    expect(dir.admit(entry, 'work_generate', true)).to.deep.equal({ ok: false, refusal: 'quota' });
    if (!first.ok || !second.ok) throw new Error('refused');
    first.ticket.done('cache', true);
    second.ticket.done('local');
    second.ticket.done('local');
    expect(dir.usedToday(entry)).to.equal(1);
    const third = dir.admit(entry, 'work_generate', true);
    if (!third.ok) throw new Error('refused');
    third.ticket.done('peers');
    expect(dir.admit(entry, 'work_generate', true)).to.deep.equal({ ok: false, refusal: 'quota' });
    // Other actions cost no work.
    expect(dir.admit(entry, 'account_info', false).ok).to.equal(true);
    now += 2 * 60_000;
    expect(dir.usedToday(entry)).to.equal(0);
    expect(dir.admit(entry, 'work_generate', true).ok).to.equal(true);
    expect(entry.counts.precacheHits).to.equal(1);
    expect(Object.fromEntries(entry.counts.works)).to.deep.equal({ cache: 1, local: 1, peers: 1 });
  });

  it('writes use to the store by day, keeps it when the store fails, and takes charged works off the credits', async () => {
    const store = new MemoryServiceStore();
    await store.add(record('paid', { credits: 3 }));
    let failing = true;
    const written: UsageDelta[][] = [];
    const flaky: ServiceStore = {
      load: (day) => store.load(day),
      add: (r) => store.add(r),
      update: (name, patch) => store.update(name, patch),
      remove: (name) => store.remove(name),
      addCredits: (name, n) => store.addCredits(name, n),
      usage: (o) => store.usage(o),
      charged: (day) => store.charged(day),
      totals: () => store.totals(),
      close: () => store.close(),
      record: async (deltas) => {
        if (failing) throw new Error('database down');
        written.push([...deltas]);
        return store.record(deltas);
      },
    };
    const errors: unknown[] = [];
    const dir = new ServiceDirectory({ declared: [], store: flaky, now: clock, onStoreError: (e) => errors.push(e) });
    await dir.sync();
    const entry = dir.byName('paid');
    if (entry === undefined) throw new Error('not loaded');
    for (let i = 0; i < 2; i++) {
      const a = dir.admit(entry, 'work_generate', true);
      if (!a.ok) throw new Error('refused');
      a.ticket.done('local');
    }
    now += 2 * 60_000; // the next UTC day
    const a = dir.admit(entry, 'work_generate', true);
    if (!a.ok) throw new Error('refused');
    a.ticket.done('local');
    expect(dir.admit(entry, 'work_generate', true)).to.deep.equal({ ok: false, refusal: 'credits' });
    await dir.sync();
    expect(errors.length).to.equal(1);
    failing = false;
    await dir.sync();
    expect(written[0]?.map((d) => [d.day, d.charged, d.requests, d.refused])).to.deep.equal([
      ['2026-01-01', 2, 2, 0],
      ['2026-01-02', 1, 2, 1],
    ]);
    expect((await store.load('2026-01-02')).find((s) => s.name === 'paid')).to.deep.include({ credits: 0, usedToday: 1 });
    expect(dir.creditsLeft(entry)).to.equal(0);
    // A top-up in the store reaches the running directory at the next sync.
    await store.update('paid', { credits: 5 });
    await dir.sync();
    expect(dir.creditsLeft(entry)).to.equal(5);
    expect(dir.admit(entry, 'work_generate', true).ok).to.equal(true);
  });

  it('follows the store: new, changed and removed services; the config file wins a name', async () => {
    const store = new MemoryServiceStore();
    const dir = new ServiceDirectory({ declared: [record('cfg')], store, now: clock });
    await store.add(record('db'));
    await store.add(record('cfg', { keyHash: hashKey('other-key-0123456') }));
    await dir.sync();
    expect(dir.byName('db')?.origin).to.equal('database');
    expect(dir.byName('cfg')?.origin).to.equal('config');
    expect(dir.byKey('other-key-0123456')).to.equal(undefined);
    await store.update('db', { keyHash: hashKey('rotated-key-012345') });
    await dir.sync();
    expect(dir.byKey('db-key-0123456789')).to.equal(undefined);
    expect(dir.byKey('rotated-key-012345')?.record.name).to.equal('db');
    await store.remove('db');
    await dir.sync();
    expect(dir.byName('db')).to.equal(undefined);
  });

  it("keeps the hub's statistics across a restart: the store's totals plus what is not yet written", async () => {
    const store = new MemoryServiceStore();
    const first = new ServiceDirectory({ declared: [record('pub', { public: true })], store, now: clock });
    await first.sync();
    const entry = first.byName('pub');
    if (entry === undefined) throw new Error('no entry');
    first.served(entry, 'local', false);
    first.served(entry, 'cache', false);
    await first.sync();
    first.served(entry, 'local', false);
    expect(first.statistics().public[0]).to.deep.include({ precache: 1, ondemand: 2 });
    await first.flush();
    const second = new ServiceDirectory({ declared: [record('pub', { public: true })], store, now: clock });
    await second.sync();
    expect(second.statistics().public[0]).to.deep.include({ precache: 1, ondemand: 2 });
  });

  it("gives the hub's statistics: public services by display and website, private ones only counted", () => {
    const dir = new ServiceDirectory({
      declared: [record('pub', { public: true, display: 'Pub', website: 'https://pub.example' }), record('p1'), record('p2')],
      store: new MemoryServiceStore(),
      now: clock,
    });
    for (const [name, source] of [
      ['pub', 'cache'],
      ['pub', 'local'],
      ['p1', 'local'],
      ['p2', 'cache'],
    ] as const) {
      const entry = dir.byName(name);
      if (entry !== undefined) dir.served(entry, source, false);
    }
    const stats = dir.statistics();
    expect(stats).to.deep.equal({
      public: [{ display: 'Pub', website: 'https://pub.example', precache: 1, ondemand: 1 }],
      private: { count: 2, precache: 1, ondemand: 1 },
    });
    expect(JSON.parse(formatStatistics({ ondemand: 5, precache: 2 }, stats))).to.deep.equal({
      services: { public: [{ display: 'Pub', website: 'https://pub.example', precache: 1, ondemand: 1 }], private: { count: 2, precache: 1, ondemand: 1 } },
      work: { precache: 2, ondemand: 5 },
    });
    // No services: powgate counts itself as one private service, as before.
    expect(JSON.parse(formatStatistics({ ondemand: 5, precache: 2 }, { public: [], private: { count: 0, precache: 0, ondemand: 0 } })).services).to.deep.equal({
      public: [],
      private: { count: 1, precache: 2, ondemand: 5 },
    });
  });
});

describe("DPoW's JSON (Python json.dumps)", () => {
  it('writes separators, floats and non-ASCII as Python does', () => {
    expect(pyDumps({ work: 'ab', hash: 'CD', id: 7 })).to.equal('{"work": "ab", "hash": "CD", "id": 7}');
    expect(pyDumps({ id: [1.5, true, null, { a: 'é' }] })).to.equal('{"id": [1.5, true, null, {"a": "\\u00e9"}]}');
    expect(JSON.parse(pyDumps({ error: 'x', timeout: true }))).to.deep.equal({ error: 'x', timeout: true });
  });
});

describe('services in the config file', () => {
  const load = (services: unknown) => testConfig({ services } as never);
  it('loads a service with defaults', () => {
    const config = load({ wallet: { key: 'k'.repeat(16) } });
    expect(config.services.wallet).to.deep.equal({ key: 'k'.repeat(16), public: false, rate: 10, burst: 20, maxDelay: 2000 });
  });
  it('refuses a short key, a shared key, a bad name and an unknown field', () => {
    expect(() => load({ wallet: { key: 'short' } })).to.throw(/services\.wallet\.key: expected a key of 16 to 256 characters/);
    expect(() => load({ a: { key: 'k'.repeat(16) }, b: { key: 'k'.repeat(16) } })).to.throw(
      /services\.b\.key: expected a key of its own: services\.a has the same one/,
    );
    expect(() => load({ 'bad name': { key: 'k'.repeat(16) } })).to.throw(/expected a service name/);
    expect(() => load({ wallet: { key: 'k'.repeat(16), rate_limit: 3 } })).to.throw(/services\.wallet\.rate_limit: unknown key/);
  });
  it('never shows a key when the config is redacted', async () => {
    const { redactConfig } = await import('../../lib/config/index.js');
    expect(JSON.stringify(redactConfig(load({ wallet: { key: 'secret-service-key-123' } })))).to.not.include('secret-service-key-123');
  });
});
