import type { ServerResponse } from 'node:http';
import type { WaitSignal } from '../engine/service.js';

/**
 * A client's hang-up as the engine's wait signal: it aborts when the
 * connection closes before the answer has been written (a node that gives up
 * on a peer closes the connection: that is a cancel). Made only for a request
 * that has to wait, and much lighter than an AbortController, whose signal
 * and EventTarget listeners cost more CPU than the rest of a miss's
 * bookkeeping (issue 12). `detach` once the answer is written.
 */
export class Hangup implements WaitSignal {
  aborted = false;
  /** Always undefined: the engine then says "the client went away". */
  readonly reason: unknown = undefined;
  #listeners: Array<() => void> = [];
  readonly #res: ServerResponse;
  readonly #onClose = (): void => {
    if (this.aborted || this.#res.writableEnded) return;
    this.aborted = true;
    const listeners = this.#listeners;
    this.#listeners = [];
    for (const listener of listeners) listener();
  };

  constructor(res: ServerResponse) {
    this.#res = res;
    res.once('close', this.#onClose);
  }

  addEventListener(_type: 'abort', listener: () => void): void {
    if (!this.aborted) this.#listeners.push(listener);
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    const index = this.#listeners.indexOf(listener);
    if (index !== -1) this.#listeners.splice(index, 1);
  }

  detach(): void {
    this.#res.off('close', this.#onClose);
  }
}
