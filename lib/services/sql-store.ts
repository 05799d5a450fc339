import { isUniqueViolation, type SqlDatabase, type SqlExecutor, type SqlValue } from '../ledger/db.js';
import { ServiceExistsError, type ServicePatch, type ServiceRecord, type ServiceStore, type StoredService, type UsageDelta, type UsageRow } from './types.js';

/**
 * The `services` component's schema, in steps that are never edited once
 * shipped (lib/ledger migrates each once, in order). Portable SQL: TEXT and
 * BIGINT only (SQLite gives BIGINT integer affinity; PostgreSQL's INTEGER
 * would stop at 2^31). A key is stored only as its SHA-256 (`key_hash`); the
 * rate as text, since it may be fractional and floating point columns are not
 * used. Usage is one row per service and UTC day, its works one row per
 * source: history stays when a service is removed.
 */
export const SERVICES_MIGRATIONS: readonly string[] = [
  `CREATE TABLE services (
    name TEXT PRIMARY KEY,
    key_hash TEXT NOT NULL UNIQUE,
    display TEXT,
    website TEXT,
    public BIGINT NOT NULL DEFAULT 0,
    rate TEXT NOT NULL,
    burst BIGINT NOT NULL,
    max_delay_ms BIGINT NOT NULL,
    daily_quota BIGINT,
    credits BIGINT,
    actions TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  )`,
  `CREATE TABLE service_usage (
    service TEXT NOT NULL,
    day TEXT NOT NULL,
    requests BIGINT NOT NULL DEFAULT 0,
    refused BIGINT NOT NULL DEFAULT 0,
    precache_hits BIGINT NOT NULL DEFAULT 0,
    charged BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (service, day)
  )`,
  `CREATE TABLE service_usage_works (
    service TEXT NOT NULL,
    day TEXT NOT NULL,
    source TEXT NOT NULL,
    works BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (service, day, source)
  )`,
];

interface ServiceRow {
  readonly name: string;
  readonly key_hash: string;
  readonly display: string | null;
  readonly website: string | null;
  readonly public: bigint | number;
  readonly rate: string;
  readonly burst: bigint | number;
  readonly max_delay_ms: bigint | number;
  readonly daily_quota: bigint | number | null;
  readonly credits: bigint | number | null;
  readonly actions: string | null;
  readonly charged?: bigint | number | null;
}

/** Services and their use in the ledger database, SQLite or PostgreSQL alike. */
export class SqlServiceStore implements ServiceStore {
  readonly #db: SqlDatabase;
  readonly #now: () => number;

  private constructor(db: SqlDatabase, now: () => number) {
    this.#db = db;
    this.#now = now;
  }

  /** Migrates the `services` component, then hands the store over. The database stays the caller's to close. */
  static async open(db: SqlDatabase, now: () => number = Date.now): Promise<SqlServiceStore> {
    await db.migrate('services', SERVICES_MIGRATIONS);
    return new SqlServiceStore(db, now);
  }

  async load(day: string): Promise<StoredService[]> {
    const rows = await this.#db.query<ServiceRow>(
      `SELECT s.name, s.key_hash, s.display, s.website, s.public, s.rate, s.burst, s.max_delay_ms, s.daily_quota, s.credits, s.actions, u.charged
         FROM services s LEFT JOIN service_usage u ON u.service = s.name AND u.day = ?
        ORDER BY s.name`,
      [day],
    );
    return rows.map((row) => ({ ...fromRow(row), usedToday: Number(row.charged ?? 0) }));
  }

  async get(name: string): Promise<ServiceRecord | undefined> {
    const rows = await this.#db.query<ServiceRow>(
      'SELECT name, key_hash, display, website, public, rate, burst, max_delay_ms, daily_quota, credits, actions FROM services WHERE name = ?',
      [name],
    );
    return rows[0] === undefined ? undefined : fromRow(rows[0]);
  }

  async add(record: ServiceRecord): Promise<void> {
    const at = new Date(this.#now()).toISOString();
    try {
      await this.#db.execute(
        `INSERT INTO services (name, key_hash, display, website, public, rate, burst, max_delay_ms, daily_quota, credits, actions, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          record.name,
          record.keyHash,
          record.display ?? null,
          record.website ?? null,
          record.public ? 1 : 0,
          String(record.rate),
          record.burst,
          record.maxDelay,
          record.dailyQuota ?? null,
          record.credits ?? null,
          record.actions === undefined ? null : record.actions.join(','),
          at,
          at,
        ],
      );
    } catch (err) {
      if (isUniqueViolation(err)) throw new ServiceExistsError(record.name);
      throw err;
    }
  }

  async update(name: string, patch: ServicePatch): Promise<boolean> {
    const sets: string[] = [];
    const params: SqlValue[] = [];
    const set = (column: string, value: SqlValue): void => {
      sets.push(`${column} = ?`);
      params.push(value);
    };
    if (patch.keyHash !== undefined) set('key_hash', patch.keyHash);
    if (patch.display !== undefined) set('display', patch.display);
    if (patch.website !== undefined) set('website', patch.website);
    if (patch.public !== undefined) set('public', patch.public ? 1 : 0);
    if (patch.rate !== undefined) set('rate', String(patch.rate));
    if (patch.burst !== undefined) set('burst', patch.burst);
    if (patch.maxDelay !== undefined) set('max_delay_ms', patch.maxDelay);
    if (patch.dailyQuota !== undefined) set('daily_quota', patch.dailyQuota);
    if (patch.credits !== undefined) set('credits', patch.credits);
    if (patch.actions !== undefined) set('actions', patch.actions === null ? null : patch.actions.join(','));
    set('updated_at', new Date(this.#now()).toISOString());
    return (await this.#db.execute(`UPDATE services SET ${sets.join(', ')} WHERE name = ?`, [...params, name])) > 0;
  }

  /** Adds `n` credits (a top-up; negative takes some back); false when the service has no credit accounting or does not exist. */
  async addCredits(name: string, n: number): Promise<boolean> {
    return (
      (await this.#db.execute('UPDATE services SET credits = credits + ?, updated_at = ? WHERE name = ? AND credits IS NOT NULL', [
        n,
        new Date(this.#now()).toISOString(),
        name,
      ])) > 0
    );
  }

  async remove(name: string): Promise<boolean> {
    return (await this.#db.execute('DELETE FROM services WHERE name = ?', [name])) > 0;
  }

  async record(deltas: readonly UsageDelta[]): Promise<void> {
    if (deltas.length === 0) return;
    // One transaction: the use and the credits it spent are written together or not at all.
    await this.#db.transaction(async (tx) => {
      for (const d of deltas) await recordOne(tx, d);
    });
  }

  async totals(): Promise<Map<string, Map<string, number>>> {
    // SUM is an integer on SQLite and NUMERIC (text) on PostgreSQL: Number() reads both.
    const rows = await this.#db.query<{ service: string; source: string; works: bigint | string }>(
      'SELECT service, source, SUM(works) AS works FROM service_usage_works GROUP BY service, source',
    );
    const out = new Map<string, Map<string, number>>();
    for (const row of rows) {
      let bySource = out.get(row.service);
      if (bySource === undefined) out.set(row.service, (bySource = new Map()));
      bySource.set(row.source, Number(row.works));
    }
    return out;
  }

  async charged(day: string): Promise<Map<string, number>> {
    const rows = await this.#db.query<{ service: string; charged: bigint }>('SELECT service, charged FROM service_usage WHERE day = ?', [day]);
    return new Map(rows.map((r) => [r.service, Number(r.charged)]));
  }

  async usage(options: { service?: string; from?: string; to?: string; limit?: number } = {}): Promise<UsageRow[]> {
    const where: string[] = [];
    const params: SqlValue[] = [];
    if (options.service !== undefined) {
      where.push('service = ?');
      params.push(options.service);
    }
    if (options.from !== undefined) {
      where.push('day >= ?');
      params.push(options.from);
    }
    if (options.to !== undefined) {
      where.push('day <= ?');
      params.push(options.to);
    }
    const filter = where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`;
    const rows = await this.#db.query<{ service: string; day: string; requests: bigint; refused: bigint; precache_hits: bigint; charged: bigint }>(
      `SELECT service, day, requests, refused, precache_hits, charged FROM service_usage ${filter} ORDER BY day DESC, service LIMIT ?`,
      [...params, options.limit ?? 1000],
    );
    if (rows.length === 0) return [];
    const works = await this.#db.query<{ service: string; day: string; source: string; works: bigint }>(
      `SELECT service, day, source, works FROM service_usage_works ${filter}`,
      params,
    );
    const bySlot = new Map<string, Record<string, number>>();
    for (const w of works) {
      const key = `${w.service} ${w.day}`;
      const slot = bySlot.get(key) ?? {};
      slot[w.source] = Number(w.works);
      bySlot.set(key, slot);
    }
    return rows.map((r) => ({
      service: r.service,
      day: r.day,
      requests: Number(r.requests),
      refused: Number(r.refused),
      precacheHits: Number(r.precache_hits),
      charged: Number(r.charged),
      works: bySlot.get(`${r.service} ${r.day}`) ?? {},
    }));
  }

  /** The database is the composition root's (or the CLI's): nothing to release here. */
  async close(): Promise<void> {}
}

async function recordOne(tx: SqlExecutor, d: UsageDelta): Promise<void> {
  await tx.execute(
    `INSERT INTO service_usage (service, day, requests, refused, precache_hits, charged) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (service, day) DO UPDATE SET
       requests = service_usage.requests + excluded.requests,
       refused = service_usage.refused + excluded.refused,
       precache_hits = service_usage.precache_hits + excluded.precache_hits,
       charged = service_usage.charged + excluded.charged`,
    [d.service, d.day, d.requests, d.refused, d.precacheHits, d.charged],
  );
  for (const [source, n] of Object.entries(d.works)) {
    if (n === 0) continue;
    await tx.execute(
      `INSERT INTO service_usage_works (service, day, source, works) VALUES (?, ?, ?, ?)
       ON CONFLICT (service, day, source) DO UPDATE SET works = service_usage_works.works + excluded.works`,
      [d.service, d.day, source, n],
    );
  }
  if (d.charged > 0) await tx.execute('UPDATE services SET credits = credits - ? WHERE name = ? AND credits IS NOT NULL', [d.charged, d.service]);
}

function fromRow(row: ServiceRow): ServiceRecord {
  return {
    name: row.name,
    keyHash: row.key_hash,
    ...(row.display === null ? {} : { display: row.display }),
    ...(row.website === null ? {} : { website: row.website }),
    public: Number(row.public) !== 0,
    rate: Number(row.rate),
    burst: Number(row.burst),
    maxDelay: Number(row.max_delay_ms),
    ...(row.daily_quota === null ? {} : { dailyQuota: Number(row.daily_quota) }),
    ...(row.credits === null ? {} : { credits: Number(row.credits) }),
    ...(row.actions === null ? {} : { actions: row.actions === '' ? [] : row.actions.split(',') }),
  };
}
