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

  constructor(options: { maxWorkers: number; now?: () => number }) {
    this.#max = options.maxWorkers;
    this.#now = options.now ?? Date.now;
  }

  #touch(account: string): Entry {
    let entry = this.#entries.get(account);
    if (entry !== undefined) {
      // Re-inserted so the map's order is least recently seen first.
      this.#entries.delete(account);
    } else {
      entry = { account, accepted: zero(), invalid: zero(), late: zero(), duplicate: zero(), resultMs: 0, lastSeen: 0 };
      if (this.#entries.size >= this.#max) {
        const oldest = this.#entries.keys().next().value;
        if (oldest !== undefined) this.#entries.delete(oldest);
      }
    }
    entry.lastSeen = this.#now();
    this.#entries.set(account, entry);
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
