/** What an unwind did, step by step: names in the order they were closed. */
export interface CloseReport {
  readonly closed: readonly string[];
  readonly failed: ReadonlyArray<{ readonly name: string; readonly error: unknown }>;
  /** Steps still running when the bound ran out (started, not waited for). */
  readonly unfinished: readonly string[];
}

interface Entry {
  readonly name: string;
  readonly close: () => Promise<void>;
}

/**
 * Every resource a running powgate holds, each registered the moment it
 * exists and closed in the reverse order. Shutdown and a failed start unwind
 * the same stack, so no path keeps its own list of what to release. Node 20
 * has no `DisposableStack`; this is the part of it powgate needs, plus a time
 * bound: a step that hangs is left behind rather than holding up the rest.
 */
export class CloseStack {
  readonly #entries: Entry[] = [];
  readonly #now: () => number;
  #unwinding: Promise<CloseReport> | undefined;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /**
   * Registers `close` under `name` and returns it wrapped to run at most once:
   * a step that must close a resource early (precache before the drain) calls
   * the wrapper, and the unwind later finds it done.
   */
  defer(name: string, close: () => void | Promise<void>): () => Promise<void> {
    if (this.#unwinding !== undefined) throw new Error(`${name} was registered after the close stack began to unwind`);
    let done: Promise<void> | undefined;
    // Through a promise so a close that throws synchronously is a failed step, not an escape.
    const once = (): Promise<void> => (done ??= Promise.resolve().then(close));
    this.#entries.push({ name, close: once });
    return once;
  }

  /** How many steps are registered. */
  get size(): number {
    return this.#entries.length;
  }

  /** Closes everything, last registered first, within `ms` in all. Repeated calls share one unwind. */
  close(ms: number): Promise<CloseReport> {
    this.#unwinding ??= this.#unwind(ms);
    return this.#unwinding;
  }

  async #unwind(ms: number): Promise<CloseReport> {
    const deadline = this.#now() + ms;
    const closed: string[] = [];
    const failed: Array<{ name: string; error: unknown }> = [];
    const unfinished: string[] = [];
    for (let i = this.#entries.length - 1; i >= 0; i--) {
      const entry = this.#entries[i] as Entry;
      // Past the bound every remaining step is still started (most release synchronously) but not waited for.
      const result = await within(entry.close(), Math.max(0, deadline - this.#now()));
      if (result.state === 'done') closed.push(entry.name);
      else if (result.state === 'failed') failed.push({ name: entry.name, error: result.error });
      else unfinished.push(entry.name);
    }
    return { closed, failed, unfinished };
  }
}

type Settled = { state: 'done' } | { state: 'failed'; error: unknown } | { state: 'late' };

function within(work: Promise<void>, ms: number): Promise<Settled> {
  return new Promise<Settled>((resolve) => {
    const timer = setTimeout(() => resolve({ state: 'late' }), ms);
    work.then(
      () => {
        clearTimeout(timer);
        resolve({ state: 'done' });
      },
      (error: unknown) => {
        clearTimeout(timer);
        resolve({ state: 'failed', error });
      },
    );
  });
}
