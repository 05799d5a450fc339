import { hashKey, sameHash } from './keys.js';
import { RateLimiter } from './limiter.js';
import { REFUSALS, type Refusal, type ServiceRecord, type ServiceStore, type StoredService, type UsageDelta, utcDay } from './types.js';

/** What a service has done since powgate started: the counters /api/status, the dashboard and /metrics show. */
export interface ServiceCounts {
  /** Requests that presented this service's key (refused ones included). */
  requests: number;
  readonly refused: Record<Exclude<Refusal, 'key'>, number>;
  /** Works served, by source: `cache` or a backend name. */
  readonly works: Map<string, number>;
  /** Of the works from the cache, those a precache job made. */
  precacheHits: number;
}

/** One service as powgate runs it: its record, its rate limiter, its counts and what it has reserved. */
export interface ServiceEntry {
  record: ServiceRecord;
  readonly origin: 'config' | 'database';
  limiter: RateLimiter;
  readonly counts: ServiceCounts;
  /** The store's count of charged works on `storedDay`, at the last load (plus what this instance wrote since). */
  storedToday: number;
  storedDay: string;
  /** The store's credit balance at the last load (less what this instance wrote since). */
  storedCredits: number | undefined;
  /** Works admitted and not yet served or failed: held against the quota and the credits. */
  reserved: number;
  /** Use not yet written to the store, by day. */
  readonly pending: Map<string, MutableDelta>;
  /** Actions as a set, for the check on every request. */
  actions: ReadonlySet<string> | undefined;
}

type MutableDelta = { -readonly [K in keyof UsageDelta]: UsageDelta[K] } & { works: Record<string, number> };

export type Admission = { readonly ok: true; readonly wait: number; readonly ticket: Ticket } | { readonly ok: false; readonly refusal: Refusal };

/** An admitted request's hold on its service: `done` once, with the source of the work served (none: no work). */
export interface Ticket {
  done(source?: string, precached?: boolean): void;
}

export interface PublicServiceStatistics {
  readonly display: string;
  readonly website: string;
  readonly precache: number;
  readonly ondemand: number;
}

/** DPoW's `statistics` services part: public services by name, private ones only counted. */
export interface ServiceStatistics {
  readonly public: readonly PublicServiceStatistics[];
  readonly private: { readonly count: number; readonly precache: number; readonly ondemand: number };
}

export interface ServiceDirectoryOptions {
  /** Services from the config file; they take precedence over stored ones of the same name. */
  readonly declared: readonly ServiceRecord[];
  readonly store: ServiceStore;
  readonly now?: () => number;
  /** Told when a write to the store or a reload fails (it is retried at the next sync). */
  readonly onStoreError?: (err: unknown) => void;
}

const NO_TICKET: Ticket = { done() {} };
/** The all-time totals are read at every this many syncs (a minute at the server's 5 s). */
const TOTALS_EVERY = 12;

/**
 * Every service powgate knows, looked up by key or by name, and the one place
 * a service's request is admitted or refused (actions, quota, credits, rate).
 * All of it in memory: the store is read by `sync()` (every few seconds, so
 * `powgate services` changes reach a running powgate, and several instances
 * on one database see each other's use) and written there in batches, never
 * on a request's path.
 */
export class ServiceDirectory {
  readonly #store: ServiceStore;
  readonly #declared: readonly ServiceRecord[];
  readonly #now: () => number;
  readonly #onStoreError: (err: unknown) => void;
  readonly #byName = new Map<string, ServiceEntry>();
  #byHash = new Map<string, ServiceEntry>();
  /** Requests whose key matched no service. */
  unknownKeys = 0;
  #syncing: Promise<void> | undefined;
  #syncs = 0;
  /** Works written to the store, by service and source: its totals when last read, plus what this instance wrote since. */
  #allTime = new Map<string, Map<string, number>>();
  #day = '';
  #dayStarts = 0;
  #dayEnds = 0;

  constructor(options: ServiceDirectoryOptions) {
    this.#store = options.store;
    this.#declared = options.declared;
    this.#now = options.now ?? Date.now;
    this.#onStoreError = options.onStoreError ?? (() => {});
    for (const record of this.#declared) this.#upsert(record, 'config', undefined);
    this.#index();
  }

  get size(): number {
    return this.#byName.size;
  }

  entries(): IterableIterator<ServiceEntry> {
    return this.#byName.values();
  }

  /** The service whose key this is; counts an unknown key. */
  byKey(key: string): ServiceEntry | undefined {
    const entry = this.#byHash.get(hashKey(key));
    if (entry === undefined) this.unknownKeys++;
    return entry;
  }

  /**
   * DPoW's check: `user` names the service and `key` must be its key. The
   * hashes are compared in constant time; an unknown user costs the same hash.
   */
  verify(user: string, key: string): ServiceEntry | undefined {
    const entry = this.#byName.get(user);
    const given = hashKey(key);
    const ok = entry !== undefined && sameHash(entry.record.keyHash, given);
    if (!ok) {
      this.unknownKeys++;
      return undefined;
    }
    return entry;
  }

  byName(name: string): ServiceEntry | undefined {
    return this.#byName.get(name);
  }

  /**
   * Judges one request of `entry`: the action must be one it may call; a
   * request that may cost a work (`work`) must fit its daily quota and its
   * credits, and holds one of each until `ticket.done`; then the rate limit
   * says how long to wait (refused past the service's bound).
   */
  admit(entry: ServiceEntry, action: string, work: boolean): Admission {
    entry.counts.requests++;
    this.#delta(entry).requests++;
    if (entry.actions !== undefined && !entry.actions.has(action)) return this.#refuse(entry, 'action');
    const { record } = entry;
    if (work) {
      if (record.dailyQuota !== undefined && this.#usedToday(entry) + entry.reserved >= record.dailyQuota) return this.#refuse(entry, 'quota');
      if (entry.storedCredits !== undefined && this.#creditsLeft(entry) - entry.reserved <= 0) return this.#refuse(entry, 'credits');
    }
    const wait = entry.limiter.take();
    if (wait < 0) return this.#refuse(entry, 'rate');
    if (!work) return { ok: true, wait, ticket: NO_TICKET };
    entry.reserved++;
    return { ok: true, wait, ticket: new WorkTicket(this, entry) };
  }

  /** Counts a served work (or none) against the service; a work from any source but the cache is charged. */
  settle(entry: ServiceEntry, source: string | undefined, precached: boolean): void {
    entry.reserved--;
    if (source === undefined) return;
    this.served(entry, source, precached);
  }

  /** Counts a work served without a reservation (forwarded and other uncharged paths use settle). */
  served(entry: ServiceEntry, source: string, precached: boolean): void {
    const { counts } = entry;
    counts.works.set(source, (counts.works.get(source) ?? 0) + 1);
    if (precached) counts.precacheHits++;
    const delta = this.#delta(entry);
    delta.works[source] = (delta.works[source] ?? 0) + 1;
    if (precached) delta.precacheHits++;
    if (source !== 'cache') delta.charged++;
  }

  /**
   * DPoW's statistics (lib/hub): every work recorded for each service (all
   * days, all instances on the database, as of the last read of the totals)
   * plus this instance's since then; from the cache as `precache`, all
   * others as `ondemand`.
   */
  statistics(): ServiceStatistics {
    const listed: PublicServiceStatistics[] = [];
    const hidden = { count: 0, precache: 0, ondemand: 0 };
    for (const entry of this.#byName.values()) {
      let precache = 0;
      let ondemand = 0;
      const add = (source: string, n: number): void => {
        if (source === 'cache') precache += n;
        else ondemand += n;
      };
      for (const [source, n] of this.#allTime.get(entry.record.name) ?? []) add(source, n);
      for (const delta of entry.pending.values()) for (const [source, n] of Object.entries(delta.works)) add(source, n);
      if (entry.record.public) {
        listed.push({ display: entry.record.display ?? entry.record.name, website: entry.record.website ?? '', precache, ondemand });
      } else {
        hidden.count++;
        hidden.precache += precache;
        hidden.ondemand += ondemand;
      }
    }
    return { public: listed, private: hidden };
  }

  /** Works charged today, as far as this instance knows. */
  usedToday(entry: ServiceEntry): number {
    return this.#usedToday(entry);
  }

  /** Credits left (unset: no credit accounting), before in-flight reservations. */
  creditsLeft(entry: ServiceEntry): number | undefined {
    return entry.storedCredits === undefined ? undefined : this.#creditsLeft(entry);
  }

  /** Writes pending use to the store, then reloads the stored services. One sync at a time. */
  sync(): Promise<void> {
    this.#syncing ??= this.#sync().finally(() => {
      this.#syncing = undefined;
    });
    return this.#syncing;
  }

  async #sync(): Promise<void> {
    await this.flush();
    try {
      const day = this.#today();
      // The all-time totals sum every day's rows: read at the first sync and every TOTALS_EVERY after.
      const totals = this.#syncs++ % TOTALS_EVERY === 0 ? this.#store.totals() : undefined;
      const [stored, charged, allTime] = await Promise.all([this.#store.load(day), this.#store.charged(day), totals]);
      if (allTime !== undefined) this.#allTime = allTime;
      this.#replaceStored(stored);
      // The config file's services keep no row of their own, but their use is recorded all the same.
      for (const entry of this.#byName.values()) {
        if (entry.origin !== 'config') continue;
        entry.storedToday = charged.get(entry.record.name) ?? 0;
        entry.storedDay = day;
      }
    } catch (err) {
      this.#onStoreError(err);
    }
  }

  /** Writes what has been counted since the last write; kept for the next try when the store fails. */
  async flush(): Promise<void> {
    const deltas: UsageDelta[] = [];
    const taken: Array<[ServiceEntry, string, MutableDelta]> = [];
    for (const entry of this.#byName.values()) {
      for (const [day, delta] of entry.pending) {
        if (delta.requests === 0 && delta.refused === 0 && delta.charged === 0 && Object.keys(delta.works).length === 0) continue;
        deltas.push({ ...delta, works: { ...delta.works } });
        taken.push([entry, day, delta]);
      }
      entry.pending.clear();
    }
    if (deltas.length === 0) return;
    try {
      await this.#store.record(deltas);
    } catch (err) {
      // Put back, merged with what was counted meanwhile: nothing counted is lost.
      for (const [entry, day, delta] of taken) mergeInto(this.#pendingFor(entry, day), delta);
      this.#onStoreError(err);
      return;
    }
    const today = this.#today();
    for (const [entry, day, delta] of taken) {
      if (day === today) entry.storedToday += delta.charged;
      if (entry.storedCredits !== undefined) entry.storedCredits -= delta.charged;
      // Written: part of the totals from now on, until they are read again.
      let bySource = this.#allTime.get(entry.record.name);
      if (bySource === undefined) this.#allTime.set(entry.record.name, (bySource = new Map()));
      for (const [source, n] of Object.entries(delta.works)) bySource.set(source, (bySource.get(source) ?? 0) + n);
    }
  }

  /** Today (UTC), recomputed only when a day has passed: this runs on every request. */
  #today(): string {
    const now = this.#now();
    if (now >= this.#dayEnds || now < this.#dayStarts) {
      this.#day = utcDay(now);
      this.#dayStarts = Date.parse(`${this.#day}T00:00:00Z`);
      this.#dayEnds = this.#dayStarts + 86_400_000;
    }
    return this.#day;
  }

  #usedToday(entry: ServiceEntry): number {
    const today = this.#today();
    if (entry.storedDay !== today) {
      entry.storedDay = today;
      entry.storedToday = 0;
    }
    return entry.storedToday + (entry.pending.get(today)?.charged ?? 0);
  }

  #creditsLeft(entry: ServiceEntry): number {
    let pending = 0;
    for (const delta of entry.pending.values()) pending += delta.charged;
    return (entry.storedCredits ?? 0) - pending;
  }

  #refuse(entry: ServiceEntry, refusal: Exclude<Refusal, 'key'>): Admission {
    entry.counts.refused[refusal]++;
    this.#delta(entry).refused++;
    return refusalOf(refusal);
  }

  /** This day's pending use of `entry`, counting the request as it goes. */
  #delta(entry: ServiceEntry): MutableDelta {
    return this.#pendingFor(entry, this.#today());
  }

  #pendingFor(entry: ServiceEntry, day: string): MutableDelta {
    let delta = entry.pending.get(day);
    if (delta === undefined) {
      delta = { service: entry.record.name, day, requests: 0, refused: 0, works: {}, precacheHits: 0, charged: 0 };
      entry.pending.set(day, delta);
    }
    return delta;
  }

  #replaceStored(stored: readonly StoredService[]): void {
    const seen = new Set<string>();
    for (const service of stored) {
      const existing = this.#byName.get(service.name);
      // The config file's own service of this name wins; the stored one is ignored.
      if (existing?.origin === 'config') continue;
      seen.add(service.name);
      const { usedToday, ...record } = service;
      this.#upsert(record, 'database', usedToday);
    }
    for (const [name, entry] of this.#byName) {
      if (entry.origin === 'database' && !seen.has(name)) this.#byName.delete(name);
    }
    this.#index();
  }

  #upsert(record: ServiceRecord, origin: 'config' | 'database', usedToday: number | undefined): void {
    const existing = this.#byName.get(record.name);
    const limitsChanged =
      existing === undefined || existing.record.rate !== record.rate || existing.record.burst !== record.burst || existing.record.maxDelay !== record.maxDelay;
    const limiter = limitsChanged ? new RateLimiter(record, this.#now) : existing.limiter;
    const actions = record.actions === undefined ? undefined : new Set(record.actions);
    if (existing !== undefined) {
      existing.record = record;
      existing.limiter = limiter;
      existing.actions = actions;
      if (usedToday !== undefined) {
        existing.storedToday = usedToday;
        existing.storedDay = this.#today();
      }
      existing.storedCredits = record.credits;
      return;
    }
    this.#byName.set(record.name, {
      record,
      origin,
      limiter,
      counts: { requests: 0, refused: { action: 0, rate: 0, quota: 0, credits: 0 }, works: new Map(), precacheHits: 0 },
      storedToday: usedToday ?? 0,
      storedDay: this.#today(),
      storedCredits: record.credits,
      reserved: 0,
      pending: new Map(),
      actions,
    });
  }

  #index(): void {
    const byHash = new Map<string, ServiceEntry>();
    for (const entry of this.#byName.values()) byHash.set(entry.record.keyHash, entry);
    this.#byHash = byHash;
  }
}

class WorkTicket implements Ticket {
  #open = true;
  constructor(
    private readonly directory: ServiceDirectory,
    private readonly entry: ServiceEntry,
  ) {}
  done(source?: string, precached = false): void {
    if (!this.#open) return;
    this.#open = false;
    this.directory.settle(this.entry, source, precached);
  }
}

const REFUSED: Readonly<Record<Refusal, Admission>> = Object.fromEntries(REFUSALS.map((r) => [r, Object.freeze({ ok: false, refusal: r })])) as Record<
  Refusal,
  Admission
>;

function refusalOf(refusal: Refusal): Admission {
  return REFUSED[refusal];
}

function mergeInto(target: MutableDelta, from: UsageDelta): void {
  target.requests += from.requests;
  target.refused += from.refused;
  target.precacheHits += from.precacheHits;
  target.charged += from.charged;
  for (const [source, n] of Object.entries(from.works)) target.works[source] = (target.works[source] ?? 0) + n;
}
