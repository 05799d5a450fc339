/**
 * The memory cache's store: work by root, least recently used evicted first,
 * each entry expiring `ttl` ms after it was stored.
 *
 * Purpose-built rather than keyv over a Map, because that cost about 2 KB and
 * a handful of heap objects per cached work (keyv's `{ value, expires }`
 * wrapper, a namespace-prefixed key string, the stored object and its two hex
 * strings), and a full cache of them made every major GC walk a few hundred
 * thousand objects: slower hits and GC pauses of 0.1–1 s (issue 12). Here a
 * cached work is a row in a few typed arrays (the 32-byte root, the 8-byte
 * work, expiry, LRU links, a flag, its hash) plus a slot in an open-addressing
 * index: about 70 bytes, none of it an object the GC has to trace.
 *
 * The work's value is not kept: every read is re-validated against the
 * requested target by the caller, which recomputes it anyway.
 *
 * Roots are client-chosen, so the index hashes them with a per-process random
 * seed (nobody can pick roots that collide without knowing it), and a probe
 * never runs past MAX_PROBE slots: a root that finds no room that close to
 * its home is simply not stored. The cache is best-effort, a lookup stays
 * bounded whatever the roots.
 */

/** Longest probe sequence in the index; at the load factor used (≤ 0.5) random hashes never come near it. */
const MAX_PROBE = 64;
const WORDS = 8;
const NONE = -1;
const FIRST_CAPACITY = 1024;

export interface StoredWork {
  readonly work: bigint;
  /** A precache job (not a client's request) produced it. */
  readonly precached: boolean;
}

export class WorkStore {
  readonly #ttl: number;
  readonly #now: () => number;
  readonly #seed: number;
  /** Rows allocated; grows by doubling up to #max. */
  #capacity = 0;
  #max: number;
  #size = 0;
  /** Rows never used yet start here; freed rows go on a list threaded through #next. */
  #unused = 0;
  #free = NONE;
  /** Most and least recently used rows. */
  #head = NONE;
  #tail = NONE;

  #keys = new Uint32Array(0);
  #hashes = new Int32Array(0);
  #work = new BigUint64Array(0);
  #expires = new Float64Array(0);
  #prev = new Int32Array(0);
  #next = new Int32Array(0);
  #precached = new Uint8Array(0);
  /** Open-addressing index, linear probing: row + 1, 0 for an empty slot. */
  #index = new Int32Array(0);
  #mask = 0;

  /** Scratch for the root being looked up: no allocation per call. */
  readonly #key = new Uint32Array(WORDS);

  constructor(maxEntries: number, ttl: number, now: () => number = Date.now) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new RangeError('maxEntries must be a positive integer');
    if (!(ttl > 0)) throw new RangeError('ttl must be positive');
    this.#max = Math.min(maxEntries, 2 ** 30);
    this.#ttl = ttl;
    this.#now = now;
    this.#seed = crypto.getRandomValues(new Int32Array(1))[0] as number;
    this.#grow(Math.min(this.#max, FIRST_CAPACITY));
  }

  get size(): number {
    return this.#size;
  }

  /** The work for `root` (64 hex digits) if stored and not expired; marks it most recently used. */
  get(root: string): StoredWork | undefined {
    if (!this.#parse(root)) return undefined;
    const slot = this.#find(this.#hash());
    if (slot < 0) return undefined;
    const row = (this.#index[slot] as number) - 1;
    if ((this.#expires[row] as number) <= this.#now()) {
      this.#remove(row, slot);
      return undefined;
    }
    this.#touch(row);
    return { work: this.#work[row] as bigint, precached: this.#precached[row] === 1 };
  }

  /** Stores (or replaces) the work for `root`; evicts the least recently used entry when full. A root that is not 64 hex digits is ignored. */
  set(root: string, work: bigint, precached = false): void {
    if (!this.#parse(root)) return;
    const hash = this.#hash();
    let slot = this.#find(hash);
    let row: number;
    if (slot >= 0) {
      row = (this.#index[slot] as number) - 1;
      this.#touch(row);
    } else {
      row = this.#claim();
      // Claiming may have evicted or regrown the index: look for room now.
      slot = this.#emptySlot(hash);
      if (slot < 0) {
        this.#release(row);
        return;
      }
      this.#keys.set(this.#key, row * WORDS);
      this.#hashes[row] = hash;
      this.#index[slot] = row + 1;
      this.#link(row);
      this.#size++;
    }
    this.#work[row] = BigInt.asUintN(64, work);
    this.#expires[row] = this.#now() + this.#ttl;
    this.#precached[row] = precached ? 1 : 0;
  }

  delete(root: string): boolean {
    if (!this.#parse(root)) return false;
    const slot = this.#find(this.#hash());
    if (slot < 0) return false;
    this.#remove((this.#index[slot] as number) - 1, slot);
    return true;
  }

  clear(): void {
    this.#size = 0;
    this.#unused = 0;
    this.#free = NONE;
    this.#head = NONE;
    this.#tail = NONE;
    this.#index.fill(0);
  }

  /** Roots from most to least recently used (tests and debugging; allocates). */
  *roots(): IterableIterator<string> {
    for (let row = this.#head; row !== NONE; row = this.#next[row] as number) {
      let text = '';
      for (let w = 0; w < WORDS; w++) text += (this.#keys[row * WORDS + w] as number).toString(16).toUpperCase().padStart(8, '0');
      yield text;
    }
  }

  /** Reads 64 hex digits into #key; false for anything else. */
  #parse(root: string): boolean {
    if (root.length !== WORDS * 8) return false;
    const key = this.#key;
    for (let w = 0; w < WORDS; w++) {
      let word = 0;
      for (let i = w * 8, end = i + 8; i < end; i++) {
        const c = root.charCodeAt(i);
        let digit: number;
        if (c >= 0x30 && c <= 0x39) digit = c - 0x30;
        else if (c >= 0x41 && c <= 0x46) digit = c - 0x37;
        else if (c >= 0x61 && c <= 0x66) digit = c - 0x57;
        else return false;
        word = (word << 4) | digit;
      }
      key[w] = word >>> 0;
    }
    return true;
  }

  /** Seeded 32-bit hash of #key (murmur3-style mixing). */
  #hash(): number {
    const key = this.#key;
    let h = this.#seed;
    for (let w = 0; w < WORDS; w++) {
      let k = Math.imul(key[w] as number, 0xcc9e2d51);
      k = Math.imul((k << 15) | (k >>> 17), 0x1b873593);
      h ^= k;
      h = Math.imul((h << 13) | (h >>> 19), 5) + 0xe6546b64;
    }
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    return h ^ (h >>> 16);
  }

  /** The index slot holding #key, or -1. */
  #find(hash: number): number {
    const index = this.#index;
    const keys = this.#keys;
    const key = this.#key;
    let slot = hash & this.#mask;
    for (let probe = 0; probe < MAX_PROBE; probe++, slot = (slot + 1) & this.#mask) {
      const cell = index[slot] as number;
      if (cell === 0) return -1;
      const row = cell - 1;
      if (this.#hashes[row] !== hash) continue;
      const at = row * WORDS;
      let same = true;
      for (let w = 0; w < WORDS; w++) {
        if (keys[at + w] !== key[w]) {
          same = false;
          break;
        }
      }
      if (same) return slot;
    }
    return -1;
  }

  #emptySlot(hash: number): number {
    let slot = hash & this.#mask;
    for (let probe = 0; probe < MAX_PROBE; probe++, slot = (slot + 1) & this.#mask) {
      if (this.#index[slot] === 0) return slot;
    }
    return -1;
  }

  /** A row for a new entry: a freed one, an unused one (growing if needed), or the least recently used one. */
  #claim(): number {
    if (this.#free !== NONE) {
      const row = this.#free;
      this.#free = this.#next[row] as number;
      return row;
    }
    if (this.#unused === this.#capacity && this.#capacity < this.#max) this.#grow(Math.min(this.#max, this.#capacity * 2));
    if (this.#unused < this.#capacity) return this.#unused++;
    const row = this.#tail;
    this.#remove(row, this.#slotOf(row));
    this.#free = this.#next[row] as number;
    return row;
  }

  /** Gives back a claimed row that was not used. */
  #release(row: number): void {
    this.#next[row] = this.#free;
    this.#free = row;
  }

  #slotOf(row: number): number {
    let slot = (this.#hashes[row] as number) & this.#mask;
    while (this.#index[slot] !== row + 1) slot = (slot + 1) & this.#mask;
    return slot;
  }

  /** Unlinks `row`, empties its index slot (shifting later entries of its probe run back) and frees the row. */
  #remove(row: number, slot: number): void {
    this.#unlink(row);
    this.#size--;
    const index = this.#index;
    const mask = this.#mask;
    let hole = slot;
    index[hole] = 0;
    for (let j = (hole + 1) & mask; index[j] !== 0; j = (j + 1) & mask) {
      const home = (this.#hashes[(index[j] as number) - 1] as number) & mask;
      // The entry at j may move into the hole unless its home lies cyclically in (hole, j].
      const stays = hole <= j ? hole < home && home <= j : hole < home || home <= j;
      if (!stays) {
        index[hole] = index[j] as number;
        index[j] = 0;
        hole = j;
      }
    }
    this.#release(row);
  }

  #link(row: number): void {
    this.#prev[row] = NONE;
    this.#next[row] = this.#head;
    if (this.#head !== NONE) this.#prev[this.#head] = row;
    this.#head = row;
    if (this.#tail === NONE) this.#tail = row;
  }

  #unlink(row: number): void {
    const prev = this.#prev[row] as number;
    const next = this.#next[row] as number;
    if (prev === NONE) this.#head = next;
    else this.#next[prev] = next;
    if (next === NONE) this.#tail = prev;
    else this.#prev[next] = prev;
  }

  #touch(row: number): void {
    if (this.#head === row) return;
    this.#unlink(row);
    this.#link(row);
  }

  /**
   * More rows (the index at twice their number, so its load stays ≤ 0.5).
   * When memory for them cannot be had, the store stops growing and evicts
   * at the size it has.
   */
  #grow(capacity: number): void {
    let indexSize = 1;
    while (indexSize < capacity * 2) indexSize *= 2;
    let arrays;
    try {
      arrays = {
        keys: new Uint32Array(capacity * WORDS),
        hashes: new Int32Array(capacity),
        work: new BigUint64Array(capacity),
        expires: new Float64Array(capacity),
        prev: new Int32Array(capacity),
        next: new Int32Array(capacity),
        precached: new Uint8Array(capacity),
        index: new Int32Array(indexSize),
      };
    } catch (err) {
      if (!(err instanceof RangeError) || this.#capacity === 0) throw err;
      this.#max = this.#capacity;
      return;
    }
    arrays.keys.set(this.#keys);
    arrays.hashes.set(this.#hashes);
    arrays.work.set(this.#work);
    arrays.expires.set(this.#expires);
    arrays.prev.set(this.#prev);
    arrays.next.set(this.#next);
    arrays.precached.set(this.#precached);
    this.#keys = arrays.keys;
    this.#hashes = arrays.hashes;
    this.#work = arrays.work;
    this.#expires = arrays.expires;
    this.#prev = arrays.prev;
    this.#next = arrays.next;
    this.#precached = arrays.precached;
    this.#index = arrays.index;
    this.#mask = indexSize - 1;
    this.#capacity = capacity;
    // Re-index every live row; the rows themselves (and so the LRU links) do not move.
    for (let row = this.#head; row !== NONE; ) {
      const next = this.#next[row] as number;
      const slot = this.#emptySlot(this.#hashes[row] as number);
      if (slot >= 0) {
        this.#index[slot] = row + 1;
      } else {
        // No room within MAX_PROBE (never seen with random hashes): dropped, as set() would.
        this.#unlink(row);
        this.#size--;
        this.#release(row);
      }
      row = next;
    }
  }
}
