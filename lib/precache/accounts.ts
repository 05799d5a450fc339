import { bytesToHex, decodeAccount, encodeAccount } from '../pow/index.js';
import type { ChainKnowledge } from './order.js';

/** The persisted form of one account: what is known of its chain, and until when it is tracked. */
export interface StoredAccount extends ChainKnowledge {
  readonly expires: number;
  /** Tracked by configuration where it was stored: another instance does not adopt it as learned. */
  readonly configured?: true;
}

/** Where tracked accounts outlive the process and are shared (Redis); best-effort. */
export interface AccountPersistence {
  load(): AsyncIterable<readonly [string, StoredAccount]>;
  save(account: string, stored: StoredAccount, ttl: number): void;
  delete(account: string): void;
}

interface Entry {
  known: ChainKnowledge;
  expires: number;
  savedAt: number;
}

export interface TrackedAccountsOptions {
  /** Canonical addresses, always tracked. */
  readonly configured: readonly string[];
  readonly ttl: number;
  /** Most learned accounts. */
  readonly max: number;
  readonly prefixes: readonly string[];
  readonly persistence?: AccountPersistence;
  readonly now?: () => number;
}

/**
 * The accounts precache serves: the configured ones plus those learned from
 * work_generate requests, each with what is known of its chain. Learned
 * accounts expire `ttl` after their last request and are capped at `max`
 * (least recently seen first out). Every change of the set is reported to
 * `onChange`, which keeps the node's websocket filter equal to it.
 */
export class TrackedAccounts {
  onChange: (added: readonly string[], removed: readonly string[]) => void = () => {};
  readonly #configured = new Map<string, Entry>();
  /** In least- to most-recently-seen order. */
  readonly #learned = new Map<string, Entry>();
  readonly #options: TrackedAccountsOptions;
  readonly #now: () => number;

  constructor(options: TrackedAccountsOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    for (const account of options.configured) this.#configured.set(account, { known: {}, expires: Infinity, savedAt: 0 });
  }

  get size(): number {
    return this.#configured.size + this.#learned.size;
  }

  list(): string[] {
    return [...this.#configured.keys(), ...this.#learned.keys()];
  }

  get(account: string): ChainKnowledge | undefined {
    return this.#entry(account)?.known;
  }

  has(account: string): boolean {
    return this.#entry(account) !== undefined;
  }

  /** The account's public key as a root (the root of an open block). */
  key(account: string): string | undefined {
    const key = decodeAccount(account, this.#options.prefixes);
    return key === undefined ? undefined : bytesToHex(key);
  }

  /**
   * A client asked work for `root` with `address`: track the account, and take
   * `root` as its next root unless a confirmation already told more.
   */
  learn(address: string, root: string): void {
    const now = this.#now();
    let account = address;
    let entry = this.#entry(account, now);
    if (entry === undefined) {
      const key = decodeAccount(address, this.#options.prefixes);
      if (key === undefined) return;
      account = encodeAccount(key, this.#options.prefixes[0] ?? '');
      entry = this.#entry(account, now);
    }
    let changed = false;
    if (entry === undefined) {
      entry = { known: {}, expires: 0, savedAt: 0 };
      this.#learned.set(account, entry);
      changed = true;
      const evicted = this.#learned.size > this.#options.max ? this.#evictOldest() : undefined;
      this.onChange([account], evicted === undefined ? [] : [evicted]);
    } else if (this.#learned.has(account)) {
      this.#learned.delete(account);
      this.#learned.set(account, entry);
    }
    if (entry.expires !== Infinity) entry.expires = now + this.#options.ttl;
    if (entry.known.confirmed === undefined && entry.known.frontier !== root) {
      entry.known = { ...entry.known, frontier: root };
      changed = true;
    }
    // A request that changes nothing refreshes the stored TTL only now and then.
    if (changed || now - entry.savedAt > this.#options.ttl / 8) this.#save(account, entry, now);
  }

  update(account: string, known: ChainKnowledge): void {
    const entry = this.#entry(account);
    if (entry === undefined) return;
    entry.known = known;
    this.#save(account, entry, this.#now());
  }

  /** Drops learned accounts past their TTL. */
  sweep(): void {
    const now = this.#now();
    const removed: string[] = [];
    for (const [account, entry] of this.#learned) {
      if (entry.expires <= now) {
        this.#learned.delete(account);
        removed.push(account);
      }
    }
    if (removed.length > 0) this.onChange([], removed);
  }

  /** Reads persisted accounts (another instance's or a previous run's) into the set. */
  async load(): Promise<void> {
    const persistence = this.#options.persistence;
    if (persistence === undefined) return;
    const now = this.#now();
    const added: string[] = [];
    for await (const [account, stored] of persistence.load()) {
      if (stored.expires <= now) continue;
      const configured = this.#configured.get(account);
      const known: ChainKnowledge = {
        ...(stored.confirmed === undefined ? {} : { confirmed: stored.confirmed }),
        ...(stored.height === undefined ? {} : { height: stored.height }),
        ...(stored.frontier === undefined ? {} : { frontier: stored.frontier }),
      };
      if (configured !== undefined) {
        if (configured.known.confirmed === undefined && configured.known.frontier === undefined) configured.known = known;
      } else if (stored.configured !== true && !this.#learned.has(account) && this.#learned.size < this.#options.max) {
        this.#learned.set(account, { known, expires: stored.expires, savedAt: now });
        added.push(account);
      }
    }
    if (added.length > 0) this.onChange(added, []);
  }

  #entry(account: string, now = this.#now()): Entry | undefined {
    const configured = this.#configured.get(account);
    if (configured !== undefined) return configured;
    const learned = this.#learned.get(account);
    if (learned === undefined || learned.expires > now) return learned;
    this.#learned.delete(account);
    this.onChange([], [account]);
    return undefined;
  }

  #evictOldest(): string | undefined {
    const oldest = this.#learned.keys().next();
    if (oldest.done) return undefined;
    this.#learned.delete(oldest.value);
    this.#options.persistence?.delete(oldest.value);
    return oldest.value;
  }

  #save(account: string, entry: Entry, now: number): void {
    const persistence = this.#options.persistence;
    if (persistence === undefined) return;
    entry.savedAt = now;
    const configured = entry.expires === Infinity;
    const expires = configured ? now + this.#options.ttl : entry.expires;
    persistence.save(account, { ...entry.known, expires, ...(configured ? { configured: true as const } : {}) }, expires - now);
  }
}
