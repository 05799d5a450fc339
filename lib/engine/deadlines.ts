/** One registered deadline; `remove` it when its wait ends first. */
export interface Deadline {
  /** performance.now() at which it expires. */
  readonly at: number;
  readonly onExpire: () => void;
  prev: Deadline | undefined;
  next: Deadline | undefined;
  live: boolean;
}

/** Node's longest timer (a longer one fires at once, with a warning). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Deadlines that all run the same `ms` (every waiter's request deadline): the
 * order they are added in is the order they expire in, so one list and one
 * timer serve them all. A setTimeout and a clearTimeout per request (a timer
 * list made and dropped, its priority queue, the loop's ref count toggled
 * through libuv) cost more than the rest of a waiter's bookkeeping on the
 * miss path (issue 12). The timer stays set while the list is empty (the next
 * deadline then costs nothing), and keeps the process alive only while a
 * deadline is pending, as a timer per waiter did.
 */
export class Deadlines {
  readonly #ms: number;
  #head: Deadline | undefined;
  #tail: Deadline | undefined;
  #timer: NodeJS.Timeout | undefined;

  constructor(ms: number) {
    this.#ms = ms;
  }

  add(onExpire: () => void): Deadline {
    const deadline: Deadline = { at: performance.now() + this.#ms, onExpire, prev: this.#tail, next: undefined, live: true };
    if (this.#tail === undefined) this.#head = deadline;
    else this.#tail.next = deadline;
    this.#tail = deadline;
    if (this.#timer === undefined) this.#arm(deadline.at);
    else if (this.#head === deadline) this.#timer.ref();
    return deadline;
  }

  remove(deadline: Deadline): void {
    if (!deadline.live) return;
    deadline.live = false;
    const { prev, next } = deadline;
    if (prev === undefined) this.#head = next;
    else prev.next = next;
    if (next === undefined) this.#tail = prev;
    else next.prev = prev;
    deadline.prev = undefined;
    deadline.next = undefined;
    if (this.#head === undefined) this.#timer?.unref();
  }

  /** Stops the timer (at close); deadlines still registered never expire. */
  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #arm(at: number): void {
    this.#timer = setTimeout(this.#fire, Math.min(MAX_TIMER_MS, Math.max(0, at - performance.now())));
  }

  readonly #fire = (): void => {
    this.#timer = undefined;
    // Node's timers count whole milliseconds from the loop's cached clock: one may fire a fraction early.
    const now = performance.now() + 1;
    for (let head = this.#head; head !== undefined && head.at <= now; head = this.#head) {
      this.remove(head);
      try {
        head.onExpire();
      } catch (err) {
        // As a timer of its own would: reported, and the other deadlines still expire.
        process.nextTick(() => {
          throw err;
        });
      }
    }
    if (this.#head !== undefined) this.#arm(this.#head.at);
  };
}
