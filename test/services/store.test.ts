import { expect } from 'chai';
import type { SqlDatabase } from '../../lib/ledger/db.js';
import { ServiceDirectory } from '../../lib/services/directory.js';
import { hashKey } from '../../lib/services/keys.js';
import { MemoryServiceStore } from '../../lib/services/memory-store.js';
import { SqlServiceStore } from '../../lib/services/sql-store.js';
import { ServiceExistsError, type ServiceRecord, type ServiceStore } from '../../lib/services/types.js';
import { eachDatabase } from '../helpers/databases.js';
import { randomRoot, startTestPowgate } from '../helpers/powgate.js';

const KEY = 'stored-service-key-0123456789';

function record(name: string, over: Partial<ServiceRecord> = {}): ServiceRecord {
  return { name, keyHash: hashKey(`${name}-${KEY}`), public: false, rate: 2.5, burst: 5, maxDelay: 1500, ...over };
}

/** What every ServiceStore does; the memory store is the reference the SQL one is held to. */
function storeContract(title: string, make: () => Promise<ServiceStore>): void {
  describe(title, () => {
    it('adds, reads back every field exactly, refuses a second of the same name or key, updates and removes', async () => {
      const store = await make();
      const full = record('full', {
        display: 'Full Service',
        website: 'https://full.example',
        public: true,
        dailyQuota: 1000,
        credits: 50,
        actions: ['work_generate', 'account_info'],
      });
      await store.add(full);
      await store.add(record('bare'));
      const loaded = await store.load('2026-01-01');
      expect(loaded).to.deep.equal([
        { ...record('bare'), usedToday: 0 },
        { ...full, usedToday: 0 },
      ]);
      let err: unknown;
      try {
        await store.add(record('full'));
      } catch (e) {
        err = e;
      }
      expect(err).to.be.instanceOf(ServiceExistsError);
      expect(await store.update('full', { display: null, rate: 0, actions: null, credits: null, keyHash: hashKey('rotated') })).to.equal(true);
      expect(await store.update('nobody', { rate: 1 })).to.equal(false);
      const after = (await store.load('2026-01-01')).find((s) => s.name === 'full');
      expect(after).to.deep.equal({
        name: 'full',
        keyHash: hashKey('rotated'),
        website: 'https://full.example',
        public: true,
        rate: 0,
        burst: 5,
        maxDelay: 1500,
        dailyQuota: 1000,
        usedToday: 0,
      });
      expect(await store.remove('full')).to.equal(true);
      expect(await store.remove('full')).to.equal(false);
      expect((await store.load('2026-01-01')).map((s) => s.name)).to.deep.equal(['bare']);
    });

    it('adds use by day and source, takes charged works off the credits, and keeps history after a removal', async () => {
      const store = await make();
      await store.add(record('paid', { credits: 10 }));
      await store.add(record('free'));
      const delta = { requests: 3, refused: 1, precacheHits: 1, charged: 2, works: { cache: 1, local: 2 } };
      await store.record([
        { service: 'paid', day: '2026-01-01', ...delta },
        { service: 'free', day: '2026-01-01', ...delta },
      ]);
      await store.record([{ service: 'paid', day: '2026-01-01', ...delta, works: { local: 1, peers: 4 } }]);
      await store.record([{ service: 'paid', day: '2026-01-02', ...delta }]);
      expect(await store.addCredits('paid', 5)).to.equal(true);
      expect(await store.addCredits('free', 5)).to.equal(false);
      const today = await store.load('2026-01-01');
      expect(today.find((s) => s.name === 'paid')).to.deep.include({ credits: 10 - 6 + 5, usedToday: 4 });
      expect(today.find((s) => s.name === 'free')).to.deep.include({ usedToday: 2 });
      expect(today.find((s) => s.name === 'free')).to.not.have.property('credits');
      expect([...(await store.charged('2026-01-01')).entries()].sort()).to.deep.equal([
        ['free', 2],
        ['paid', 4],
      ]);
      expect(Object.fromEntries([...(await store.totals())].map(([name, bySource]) => [name, Object.fromEntries(bySource)]))).to.deep.equal({
        paid: { cache: 2, local: 5, peers: 4 },
        free: { cache: 1, local: 2 },
      });
      // Use of a service with no row (one from the config file) is recorded all the same.
      await store.record([{ service: 'from-config', day: '2026-01-02', ...delta }]);
      expect((await store.charged('2026-01-02')).get('from-config')).to.equal(2);
      await store.remove('paid');
      const rows = await store.usage({ service: 'paid' });
      expect(rows).to.deep.equal([
        { service: 'paid', day: '2026-01-02', requests: 3, refused: 1, precacheHits: 1, charged: 2, works: { cache: 1, local: 2 } },
        { service: 'paid', day: '2026-01-01', requests: 6, refused: 2, precacheHits: 2, charged: 4, works: { cache: 1, local: 3, peers: 4 } },
      ]);
      expect((await store.usage({ from: '2026-01-02' })).map((r) => r.service)).to.deep.equal(['from-config', 'paid']);
      expect((await store.usage({ to: '2026-01-01' })).map((r) => r.service)).to.deep.equal(['free', 'paid']);
    });
  });
}

storeContract('the memory service store', async () => new MemoryServiceStore());

eachDatabase('the SQL service store', (open) => {
  let db: SqlDatabase;
  before(async () => {
    db = await open();
  });
  beforeEach(async () => {
    await SqlServiceStore.open(db);
    for (const table of ['services', 'service_usage', 'service_usage_works']) await db.execute(`DELETE FROM ${table}`);
  });
  storeContract('contract', () => SqlServiceStore.open(db));

  it('migrates once: a second open (a restart, or another instance) changes nothing', async () => {
    await SqlServiceStore.open(db);
    const rows = await db.query<{ version: bigint }>("SELECT version FROM schema_migrations WHERE component = 'services' ORDER BY version");
    expect(rows.map((r) => Number(r.version))).to.deep.equal([1, 2, 3]);
  });

  it('stores only the hash of a key', async () => {
    const store = await SqlServiceStore.open(db);
    await store.add(record('hashed'));
    const dump = JSON.stringify(await db.query('SELECT * FROM services'), (_k, v) => (typeof v === 'bigint' ? String(v) : v));
    expect(dump).to.include(hashKey(`hashed-${KEY}`));
    expect(dump).to.not.include(KEY);
  });

  it('two instances on one database: each sees the credits the other spent', async () => {
    const store = await SqlServiceStore.open(db);
    await store.add(record('shared', { credits: 3 }));
    const a = new ServiceDirectory({ declared: [], store: await SqlServiceStore.open(await open()) });
    const b = new ServiceDirectory({ declared: [], store: await SqlServiceStore.open(await open()) });
    await Promise.all([a.sync(), b.sync()]);
    const spend = (dir: ServiceDirectory): boolean => {
      const entry = dir.byName('shared');
      if (entry === undefined) throw new Error('not loaded');
      const admission = dir.admit(entry, 'work_generate', true);
      if (admission.ok) admission.ticket.done('local');
      return admission.ok;
    };
    expect(spend(a)).to.equal(true);
    expect(spend(a)).to.equal(true);
    await a.sync();
    await b.sync();
    expect(spend(b)).to.equal(true);
    expect(spend(b)).to.equal(false);
    await b.sync();
    await a.sync();
    expect(spend(a)).to.equal(false);
    expect((await store.load('2000-01-01')).find((s) => s.name === 'shared')?.credits).to.equal(0);
  });

  for (const origin of ['database', 'config'] as const) {
    it(`a powgate on the database: the use of a service from the ${origin} survives a restart`, async function () {
      this.timeout(20_000);
      const store = await SqlServiceStore.open(db);
      const key = `app-${KEY}`;
      if (origin === 'database') await store.add(record('app', { dailyQuota: 2, rate: 0 }));
      const config = { rpc: { auth: 'required' }, ...(origin === 'config' ? { services: { app: { key, daily_quota: 2, rate: 0 } } } : {}) };
      const ask = (url: string) =>
        fetch(url, {
          method: 'POST',
          headers: { authorization: `Bearer ${key}` },
          body: JSON.stringify({ action: 'work_generate', hash: randomRoot(), difficulty: 'f000000000000000' }),
        }).then((r) => r.json() as Promise<Record<string, string>>);
      let pg = await startTestPowgate(config, undefined, { serviceStore: await SqlServiceStore.open(db) });
      expect((await ask(pg.url)).work).to.be.a('string');
      await pg.close();
      pg = await startTestPowgate(config, undefined, { serviceStore: await SqlServiceStore.open(db) });
      try {
        expect((await ask(pg.url)).work).to.be.a('string');
        expect((await ask(pg.url)).error).to.equal("This service's daily quota of works is used up; it renews at 00:00 UTC");
      } finally {
        await pg.close();
      }
      const [row] = await store.usage({ service: 'app' });
      expect(row).to.deep.include({ requests: 3, refused: 1, charged: 2 });
    });
  }
});
