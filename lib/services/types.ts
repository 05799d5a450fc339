/** Why a service's request was refused; each has its own message in the catalogue (lib/errors.ts). */
export type Refusal = 'key' | 'action' | 'rate' | 'quota' | 'credits';
export const REFUSALS: readonly Refusal[] = ['key', 'action', 'rate', 'quota', 'credits'];

/** What a service may do, and how much. */
export interface ServiceLimits {
  /** Requests a second (0: no limit). */
  readonly rate: number;
  /** Requests that may come at once above the rate. */
  readonly burst: number;
  /** How long a request over the rate waits for its turn (ms) before it is refused instead. */
  readonly maxDelay: number;
  /** Works a UTC day from any source but the cache; unset: none. */
  readonly dailyQuota?: number;
  /** Actions it may call (work_generate for the DPoW service API); unset: every action the port serves. */
  readonly actions?: readonly string[];
}

/** A client of powgate. Its key is never kept, only the key's hash (lib/services/keys.ts). */
export interface ServiceRecord extends ServiceLimits {
  /** Also the DPoW service API's `user`. */
  readonly name: string;
  /** SHA-256 of the key, hex. */
  readonly keyHash: string;
  readonly display?: string;
  readonly website?: string;
  /** Listed by name in the hub's `statistics`; a private one is only counted. */
  readonly public: boolean;
  /** Prepaid works left (one per work served from any source but the cache); unset: no credit accounting. */
  readonly credits?: number;
}

/** A stored service with what the store knows of today's use. */
export interface StoredService extends ServiceRecord {
  /** Works charged today (UTC), for the daily quota. */
  readonly usedToday: number;
}

/** What can change on a stored service; `null` clears an optional field. */
export interface ServicePatch {
  readonly keyHash?: string;
  readonly display?: string | null;
  readonly website?: string | null;
  readonly public?: boolean;
  readonly rate?: number;
  readonly burst?: number;
  readonly maxDelay?: number;
  readonly dailyQuota?: number | null;
  readonly actions?: readonly string[] | null;
  /** Replaces the balance (`null`: no credit accounting). */
  readonly credits?: number | null;
}

/** One service's use on one UTC day, as counted since the last write. */
export interface UsageDelta {
  readonly service: string;
  /** `YYYY-MM-DD`, UTC. */
  readonly day: string;
  readonly requests: number;
  readonly refused: number;
  /** Works served, by source (`cache` or a backend name). */
  readonly works: Readonly<Record<string, number>>;
  readonly precacheHits: number;
  /** Works charged (from any source but the cache): taken off the credit balance. */
  readonly charged: number;
}

/** One service's use on one day, as stored. */
export interface UsageRow {
  readonly service: string;
  readonly day: string;
  readonly requests: number;
  readonly refused: number;
  readonly works: Readonly<Record<string, number>>;
  readonly precacheHits: number;
  readonly charged: number;
}

/**
 * Where services managed with `powgate services` live (the ledger database),
 * and where their use is recorded. Read at start-up and every few seconds,
 * never on a request's path.
 */
export interface ServiceStore {
  /** Every stored service, with today's charged works. */
  load(day: string): Promise<StoredService[]>;
  /** Rejects with ServiceExistsError when the name is taken. */
  add(record: ServiceRecord): Promise<void>;
  /** False when there is no such service. */
  update(name: string, patch: ServicePatch): Promise<boolean>;
  remove(name: string): Promise<boolean>;
  /** Adds `n` credits (negative takes some back); false when there is no such service or it has no credit accounting. */
  addCredits(name: string, n: number): Promise<boolean>;
  /** Adds each delta to its day's usage and takes its charged works off the credit balance, atomically. */
  record(deltas: readonly UsageDelta[]): Promise<void>;
  /** Works served in all, by service, then source: every day recorded (the hub's statistics). */
  totals(): Promise<Map<string, Map<string, number>>>;
  /** Works charged on `day`, by service (config-file services too: their use is recorded like any other). */
  charged(day: string): Promise<Map<string, number>>;
  /** Usage rows, newest day first; of one service when `service` is given. */
  usage(options?: { service?: string; from?: string; to?: string; limit?: number }): Promise<UsageRow[]>;
  close(): Promise<void>;
}

export class ServiceExistsError extends Error {
  constructor(name: string) {
    super(`a service named ${name} exists already`);
    this.name = 'ServiceExistsError';
  }
}

/** `YYYY-MM-DD` of a time, UTC: the day a daily quota counts in. */
export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
