/** One unit of precache work. */
export interface PrecacheTask {
  /** Dedupe key: the root, or `account:<address>` for a destination whose root is looked up when the task runs. */
  readonly key: string;
  readonly account: string;
  /** Known root; absent for a destination lookup. */
  readonly root?: string;
  target: bigint;
}

/**
 * The bounded, deduplicated precache queue. A task for a key already queued
 * only raises its target. When full, the oldest task is dropped: the queue
 * never grows with a flood. Tasks that stepped aside for client work go back
 * at the front.
 */
export class TaskQueue {
  readonly #front: PrecacheTask[] = [];
  readonly #tasks = new Map<string, PrecacheTask>();

  constructor(readonly max: number) {}

  get size(): number {
    return this.#front.length + this.#tasks.size;
  }

  /** Queues `task`; returns whether it is new and what was dropped to make room. */
  push(task: PrecacheTask): { added: boolean; dropped?: PrecacheTask } {
    const queued = this.#tasks.get(task.key) ?? this.#front.find((t) => t.key === task.key);
    if (queued !== undefined) {
      if (task.target > queued.target) queued.target = task.target;
      return { added: false };
    }
    this.#tasks.set(task.key, task);
    const dropped = this.size > this.max ? this.#dropOldest() : undefined;
    return dropped === undefined ? { added: true } : { added: true, dropped };
  }

  /** Puts a task back first in line (it was interrupted, not done). */
  requeue(task: PrecacheTask): PrecacheTask | undefined {
    if (this.#tasks.has(task.key) || this.#front.some((t) => t.key === task.key)) return undefined;
    this.#front.push(task);
    return this.size > this.max ? this.#dropOldest() : undefined;
  }

  shift(): PrecacheTask | undefined {
    const first = this.#front.shift();
    if (first !== undefined) return first;
    const oldest = this.#tasks.values().next();
    if (oldest.done) return undefined;
    this.#tasks.delete(oldest.value.key);
    return oldest.value;
  }

  delete(key: string): boolean {
    if (this.#tasks.delete(key)) return true;
    const at = this.#front.findIndex((t) => t.key === key);
    if (at < 0) return false;
    this.#front.splice(at, 1);
    return true;
  }

  clear(): void {
    this.#front.length = 0;
    this.#tasks.clear();
  }

  #dropOldest(): PrecacheTask | undefined {
    const oldest = this.#tasks.values().next();
    if (!oldest.done) {
      this.#tasks.delete(oldest.value.key);
      return oldest.value;
    }
    return this.#front.pop();
  }
}
