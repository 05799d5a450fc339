/**
 * What the hub knows of its workers, by payout account: the only identity a
 * DPoW result carries. Bounded: past `maxWorkers` the least recently seen
 * worker is forgotten (its counts with it; the ledger is what keeps them).
 */
import type { ResultOutcome } from './events.js';
import type { WorkType } from './protocol.js';

interface PerType {
  ondemand: number;
  precache: number;
}

interface Entry {
  readonly account: string;
  readonly accepted: PerType;
  readonly invalid: PerType;
  readonly late: PerType;
  readonly duplicate: PerType;
  /** Sum of publish-to-result times of accepted results, ms. */
  resultMs: number;
  lastSeen: number;
  /** Online by its presence message; undefined when it never sent one (DPoW clients). */
  present?: boolean;
  /** Its neighbours in the order of last sight (`older` of the least recent is undefined). */
  older: Entry | undefined;
  newer: Entry | undefined;
}

export interface WorkerView {
  readonly account: string;
  readonly accepted: Readonly<PerType>;
  readonly invalid: Readonly<PerType>;
  readonly late: Readonly<PerType>;
  readonly duplicate: Readonly<PerType>;
  /** Mean time from publishing a job to this worker's accepted result, seconds; undefined before the first. */
  readonly meanSeconds?: number;
  readonly lastSeen: number;
  readonly present?: boolean;
}

const zero = (): PerType => ({ ondemand: 0, precache: 0 });

export class WorkerRoster {
  readonly #entries = new Map<string, Entry>();
  readonly #max: number;
  readonly #now: () => number;
  /**
   * The order of last sight as a linked list through the entries: moving a
   * worker to the recent end is two pointer swaps. A Map's own order
   * (delete and set again) cost a rehash every few results, with N results per job.
   */
  #oldest: Entry | undefined;
  #newest: Entry | undefined;

  constructor(options: { maxWorkers: number; now?: () => number }) {
    this.#max = options.maxWorkers;
    this.#now = options.now ?? Date.now;
  }

  #unlink(entry: Entry): void {
    if (entry.older === undefined) this.#oldest = entry.newer;
    else entry.older.newer = entry.newer;
    if (entry.newer === undefined) this.#newest = entry.older;
    else entry.newer.older = entry.older;
    entry.older = undefined;
    entry.newer = undefined;
  }

  #touch(account: string): Entry {
    let entry = this.#entries.get(account);
    if (entry !== undefined) {
      if (entry === this.#newest) {
        entry.lastSeen = this.#now();
        return entry;
      }
      this.#unlink(entry);
    } else {
      entry = { account, accepted: zero(), invalid: zero(), late: zero(), duplicate: zero(), resultMs: 0, lastSeen: 0, older: undefined, newer: undefined };
      if (this.#entries.size >= this.#max && this.#oldest !== undefined) {
        const oldest = this.#oldest;
        this.#unlink(oldest);
        this.#entries.delete(oldest.account);
      }
      this.#entries.set(account, entry);
    }
    entry.lastSeen = this.#now();
    entry.older = this.#newest;
    if (this.#newest === undefined) this.#oldest = entry;
    else this.#newest.newer = entry;
    this.#newest = entry;
    return entry;
  }

  /**
   * Counts one result against its worker; returns the worker's accepted counts
   * afterwards. Totals over all results are the telemetry figures' (lib/telemetry).
   */
  result(account: string, type: WorkType, outcome: ResultOutcome, ms?: number): Readonly<PerType> {
    const entry = this.#touch(account);
    entry[outcome][type]++;
    if (outcome === 'accepted' && ms !== undefined) entry.resultMs += ms;
    return entry.accepted;
  }

  presence(account: string, online: boolean): void {
    const entry = this.#touch(account);
    entry.present = online;
  }

  /** Workers heard from (a result or a presence) within `ttl` ms, less those that said goodbye. */
  seen(ttl: number): number {
    const since = this.#now() - ttl;
    let n = 0;
    for (const e of this.#entries.values()) if (e.lastSeen >= since && e.present !== false) n++;
    return n;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The top `limit` workers by accepted results (then most recently seen). */
  top(limit: number): WorkerView[] {
    const all = [...this.#entries.values()];
    const accepted = (e: Entry): number => e.accepted.ondemand + e.accepted.precache;
    all.sort((a, b) => accepted(b) - accepted(a) || b.lastSeen - a.lastSeen);
    return all.slice(0, limit).map((e) => {
      const n = accepted(e);
      return {
        account: e.account,
        accepted: { ...e.accepted },
        invalid: { ...e.invalid },
        late: { ...e.late },
        duplicate: { ...e.duplicate },
        ...(n === 0 ? {} : { meanSeconds: e.resultMs / n / 1000 }),
        lastSeen: e.lastSeen,
        ...(e.present === undefined ? {} : { present: e.present }),
      };
    });
  }
}
