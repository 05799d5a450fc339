/**
 * Counters per second over a sliding window, for the dashboard chart. Adding
 * is one array write; `tick()` (once a second, from a timer) moves to the
 * next slot, so nothing reads the clock on the request path.
 */
export class PerSecond<F extends string> {
  readonly seconds: number;
  readonly #slots: Record<F, Float64Array>;
  readonly #fields: readonly F[];
  /** Slot being filled; the other `seconds` slots are the finished window. */
  #current = 0;
  /** Finished seconds so far, up to `seconds`. */
  #filled = 0;

  constructor(fields: readonly F[], seconds: number) {
    this.seconds = seconds;
    this.#fields = fields;
    this.#slots = Object.fromEntries(fields.map((f) => [f, new Float64Array(seconds + 1)])) as Record<F, Float64Array>;
  }

  add(field: F, n = 1): void {
    const slots = this.#slots[field];
    slots[this.#current] = (slots[this.#current] as number) + n;
  }

  tick(): void {
    this.#current = (this.#current + 1) % (this.seconds + 1);
    for (const field of this.#fields) (this.#slots[field] as Float64Array)[this.#current] = 0;
    if (this.#filled < this.seconds) this.#filled++;
  }

  /** The finished seconds of `field`, oldest first (at most `seconds` values). */
  series(field: F): number[] {
    const slots = this.#slots[field] as Float64Array;
    const size = this.seconds + 1;
    const out = new Array<number>(this.#filled);
    for (let i = 0; i < this.#filled; i++) out[i] = slots[(this.#current - this.#filled + i + size) % size] as number;
    return out;
  }

  /** Sum of `field` over the last `seconds` finished seconds. */
  sum(field: F, seconds: number): number {
    const values = this.series(field);
    let total = 0;
    for (let i = Math.max(0, values.length - seconds); i < values.length; i++) total += values[i] as number;
    return total;
  }

  /** How many finished seconds `sum` can cover, at most `seconds`. */
  covered(seconds: number): number {
    return Math.min(seconds, this.#filled);
  }
}
