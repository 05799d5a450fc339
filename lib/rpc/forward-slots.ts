/**
 * Bounds how many requests are being forwarded to node.rpc at once. One past
 * `max` is refused, not queued: the client gets a node-style error at once
 * and may retry. Answers are streamed through, so a forward holds no more
 * than its sockets' buffers.
 */
export class ForwardSlots {
  #running = 0;
  constructor(readonly max: number) {}

  get running(): number {
    return this.#running;
  }

  /** A slot, or undefined when `max` forwards are running; `leave` it once (later calls do nothing). */
  enter(): { leave(): void } | undefined {
    if (this.#running >= this.max) return undefined;
    this.#running++;
    let left = false;
    return {
      leave: () => {
        if (left) return;
        left = true;
        this.#running--;
      },
    };
  }
}
