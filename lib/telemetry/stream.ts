type Listener<T> = (event: T) => void;

/**
 * A typed event stream: one payload per event, listeners called synchronously
 * in the order they subscribed; a listener that throws throws to the emitter,
 * as with node:events. Not node:events itself: its `emit(...args)` builds an
 * array per call, and the cache-hit path emits on every request.
 */
export class EventStream<E extends object> {
  // Copy on write: an emit walks the array it started with, whatever listeners do meanwhile.
  readonly #listeners = new Map<keyof E, ReadonlyArray<Listener<never>>>();

  on<K extends keyof E>(name: K, listener: Listener<E[K]>): this {
    this.#listeners.set(name, [...(this.#listeners.get(name) ?? []), listener as Listener<never>]);
    return this;
  }

  off<K extends keyof E>(name: K, listener: Listener<E[K]>): this {
    const list = this.#listeners.get(name);
    const index = list?.indexOf(listener as Listener<never>) ?? -1;
    if (list === undefined || index === -1) return this;
    const rest = [...list.slice(0, index), ...list.slice(index + 1)];
    if (rest.length === 0) this.#listeners.delete(name);
    else this.#listeners.set(name, rest);
    return this;
  }

  emit<K extends keyof E>(name: K, event: E[K]): void {
    const list = this.#listeners.get(name) as ReadonlyArray<Listener<E[K]>> | undefined;
    if (list === undefined) return;
    for (let i = 0; i < list.length; i++) (list[i] as Listener<E[K]>)(event);
  }

  listenerCount(name: keyof E): number {
    return this.#listeners.get(name)?.length ?? 0;
  }
}
