/** One forward's share of the budget; `leave` when its answer has been sent on (or dropped). */
export interface ForwardTicket {
  /** Takes `bytes` more for this forward's answer; false when the buffer is full (nothing is taken then). */
  take(bytes: number): boolean;
  leave(): void;
}

/**
 * Bounds what forwarding to node.rpc may hold at once: how many forwards run
 * (`maxForwards`) and how many bytes of node answers are buffered over all of
 * them (`maxBytes`). A forward over either bound is refused, not queued: the
 * client gets a node-style error at once and may retry.
 */
export class ForwardBudget {
  #running = 0;
  #bytes = 0;
  constructor(
    readonly maxForwards: number,
    readonly maxBytes: number,
  ) {}

  get running(): number {
    return this.#running;
  }

  get bytes(): number {
    return this.#bytes;
  }

  enter(): ForwardTicket | undefined {
    if (this.#running >= this.maxForwards) return undefined;
    this.#running++;
    let held = 0;
    let left = false;
    return {
      take: (bytes) => {
        if (this.#bytes + bytes > this.maxBytes) return false;
        this.#bytes += bytes;
        held += bytes;
        return true;
      },
      leave: () => {
        if (left) return;
        left = true;
        this.#running--;
        this.#bytes -= held;
      },
    };
  }
}
