import type { WorkService } from '../engine/service.js';
import type { Telemetry } from '../telemetry/events.js';
import type { RootLock } from './lock.js';
import { type PrecacheTask, TaskQueue } from './queue.js';

export interface SchedulerOptions {
  readonly service: WorkService;
  readonly events: Telemetry;
  readonly lock: RootLock;
  /** How long a root's lock is held (the job's deadline). */
  readonly lockMs: number;
  readonly maxQueue: number;
  readonly concurrency: number;
  /** The root of an account's next block, for destination tasks; `undefined` when it cannot be told. */
  readonly frontierOf: (account: string, signal: AbortSignal) => Promise<string | undefined>;
}

/** Why a running task was stopped; compared by identity. */
const YIELD = new Error('precache yields to a client request');
const STALE = new Error('precache root is no longer the frontier');
const CLOSED = new Error('precache closed');

interface Running {
  readonly task: PrecacheTask;
  readonly controller: AbortController;
  root?: string;
}

/**
 * Runs precache tasks through the engine, below client work: tasks start only
 * while no client job is in flight, at most `concurrency` at a time, and the
 * moment a client job starts (the engine announces it before its backends
 * start) the running ones are aborted and go back to the front of the queue.
 * So a precache job never shares a backend, a peer or the CPU pool with a
 * client's request. A task for a root that stopped being a frontier is dropped.
 */
export class PrecacheScheduler {
  readonly #options: SchedulerOptions;
  readonly #queue: TaskQueue;
  readonly #running = new Map<string, Running>();
  #pumpScheduled = false;
  #closed = false;

  constructor(options: SchedulerOptions) {
    this.#options = options;
    this.#queue = new TaskQueue(options.maxQueue);
    options.service.events.on('demand', this.#onDemand);
  }

  get depth(): number {
    return this.#queue.size;
  }

  get running(): number {
    return this.#running.size;
  }

  push(task: PrecacheTask): void {
    if (this.#closed) return;
    const running = this.#running.get(task.key);
    if (running !== undefined && running.task.target >= task.target) return;
    const { added, dropped } = this.#queue.push(task);
    if (added) this.#options.events.emit('task', { outcome: 'queued' });
    if (dropped !== undefined) this.#options.events.emit('task', { outcome: 'dropped' });
    this.#pump();
  }

  /** `root` was consumed by a newer block: its task, queued or running, is dropped. */
  forget(root: string): void {
    if (this.#queue.delete(root)) this.#options.events.emit('task', { outcome: 'dropped' });
    for (const running of this.#running.values()) {
      if (running.root === root) running.controller.abort(STALE);
    }
  }

  close(): void {
    this.#closed = true;
    this.#options.service.events.off('demand', this.#onDemand);
    this.#queue.clear();
    for (const running of this.#running.values()) running.controller.abort(CLOSED);
  }

  readonly #onDemand = ({ jobs }: { jobs: number }): void => {
    if (jobs > 0) {
      for (const running of this.#running.values()) running.controller.abort(YIELD);
    } else {
      this.#pump();
    }
  };

  /** Deferred: the engine announces demand from inside its own bookkeeping. */
  #pump(): void {
    if (this.#pumpScheduled || this.#closed) return;
    this.#pumpScheduled = true;
    setImmediate(() => {
      this.#pumpScheduled = false;
      const { service, concurrency } = this.#options;
      while (!this.#closed && this.#running.size < concurrency && service.demandInFlight === 0) {
        const task = this.#queue.shift();
        if (task === undefined) break;
        void this.#run(task);
      }
    });
  }

  async #run(task: PrecacheTask): Promise<void> {
    const { service, events, lock, lockMs, frontierOf } = this.#options;
    const controller = new AbortController();
    const running: Running = { task, controller, ...(task.root === undefined ? {} : { root: task.root }) };
    this.#running.set(task.key, running);
    const signal = controller.signal;
    try {
      const root = task.root ?? (await frontierOf(task.account, signal));
      if (root === undefined) {
        events.emit('task', { outcome: 'failed' });
        return;
      }
      running.root = root;
      if (!signal.aborted && !(await lock.acquire(root, lockMs))) {
        events.emit('task', { outcome: 'skipped' });
        return;
      }
      signal.throwIfAborted();
      await service.generate({ root, target: task.target, account: task.account, signal }, { priority: 'precache' });
      events.emit('task', { outcome: 'done' });
    } catch (err) {
      const reason: unknown = signal.aborted ? signal.reason : err;
      if (reason === YIELD) {
        if (this.#queue.requeue(task) !== undefined) events.emit('task', { outcome: 'dropped' });
      } else if (reason === STALE) {
        events.emit('task', { outcome: 'dropped' });
      } else if (reason !== CLOSED) {
        events.emit('task', { outcome: 'failed' });
      }
    } finally {
      this.#running.delete(task.key);
      this.#pump();
    }
  }
}
