/**
 * The last `size` durations, for p50/p99 of recent behaviour: recording is one
 * array write; sorting happens only when a status report asks.
 */
export class RecentSamples {
  readonly #values: Float64Array;
  #next = 0;
  #count = 0;

  constructor(size: number) {
    this.#values = new Float64Array(size);
  }

  record(value: number): void {
    this.#values[this.#next] = value;
    this.#next = (this.#next + 1) % this.#values.length;
    if (this.#count < this.#values.length) this.#count++;
  }

  get count(): number {
    return this.#count;
  }

  /** Nearest-rank quantiles (q in 0..1); null when there is no sample. */
  quantiles(qs: readonly number[]): Array<number | null> {
    if (this.#count === 0) return qs.map(() => null);
    const sorted = this.#values.slice(0, this.#count).sort();
    return qs.map((q) => sorted[Math.min(this.#count - 1, Math.max(0, Math.ceil(q * this.#count) - 1))] as number);
  }
}

/** The last `size` items, newest first when listed. */
export class RecentItems<T> {
  readonly #items: Array<T | undefined>;
  #next = 0;
  #count = 0;

  constructor(size: number) {
    this.#items = new Array<T | undefined>(size);
  }

  push(item: T): void {
    this.#items[this.#next] = item;
    this.#next = (this.#next + 1) % this.#items.length;
    if (this.#count < this.#items.length) this.#count++;
  }

  list(): T[] {
    const out: T[] = [];
    for (let i = 1; i <= this.#count; i++) out.push(this.#items[(this.#next - i + this.#items.length) % this.#items.length] as T);
    return out;
  }
}
