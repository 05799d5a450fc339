/**
 * The embedded broker's persistent sessions (MQTT clean session 0), kept in a
 * file so that a restart of powgate keeps them.
 *
 * Why: DPoW's work client connects with clean session 0 and subscribes once,
 * at start-up; after a reconnect it relies on the broker's stored session and
 * never subscribes again (amqtt ignores CONNACK's session-present flag). A
 * broker that forgot its sessions leaves every such client connected and deaf:
 * no work, no heartbeat, until someone restarts it by hand. Mosquitto with
 * `persistence true` (DPoW's deployment) keeps them across restarts; so does
 * the embedded broker, through this file.
 *
 * Only subscriptions are kept (the hub publishes at QoS 0: nothing is queued
 * for an absent client). Bounded: at most `maxSessions` sessions (the least
 * recently connected goes first) and `MAX_TOPICS` topics each.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

export type Qos = 0 | 1 | 2;

export interface StoredSession {
  readonly id: string;
  readonly subscriptions: ReadonlyArray<{ readonly topic: string; readonly qos: Qos }>;
}

interface Entry {
  readonly subscriptions: Map<string, Qos>;
  /** Epoch ms of its last connect or subscribe. */
  seen: number;
}

/** Topics kept per session: a worker's ACL allows a handful. */
const MAX_TOPICS = 64;
/** How long changes wait to be written together (ms). */
const SAVE_DELAY = 1000;

export interface SessionFileOptions {
  readonly path: string;
  readonly maxSessions: number;
  /** Told of each session dropped to stay within the bound, so the broker drops it too. */
  readonly onEvict?: (id: string) => void;
  /** Told of a failed read or write: the broker goes on in memory. */
  readonly onError?: (err: unknown) => void;
  readonly now?: () => number;
}

export class SessionFile {
  readonly #o: SessionFileOptions;
  readonly #now: () => number;
  /** Least recently seen first. */
  readonly #entries = new Map<string, Entry>();
  #timer: NodeJS.Timeout | undefined;
  #writing: Promise<void> = Promise.resolve();

  constructor(options: SessionFileOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
  }

  /** The sessions the file holds (none when it is missing or unreadable); they become this store's. */
  async load(): Promise<StoredSession[]> {
    let text: string;
    try {
      text = await readFile(this.#o.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.#o.onError?.(err);
      return [];
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      this.#o.onError?.(err);
      return [];
    }
    const sessions = (parsed as { sessions?: unknown } | null)?.sessions;
    if (!Array.isArray(sessions)) return [];
    const loaded = sessions
      .flatMap((s): Array<{ id: string; seen: number; subscriptions: Map<string, Qos> }> => {
        const { id, seen, subscriptions } = (s ?? {}) as { id?: unknown; seen?: unknown; subscriptions?: unknown };
        if (typeof id !== 'string' || id === '' || id.length > 256 || !Array.isArray(subscriptions)) return [];
        const subs = new Map<string, Qos>();
        for (const sub of subscriptions.slice(0, MAX_TOPICS)) {
          const [topic, qos] = Array.isArray(sub) ? sub : [];
          if (typeof topic === 'string' && topic !== '' && topic.length <= 1024 && (qos === 0 || qos === 1 || qos === 2)) subs.set(topic, qos);
        }
        return subs.size === 0 ? [] : [{ id, seen: typeof seen === 'number' && Number.isFinite(seen) ? seen : 0, subscriptions: subs }];
      })
      .sort((a, b) => a.seen - b.seen)
      .slice(-this.#o.maxSessions);
    this.#entries.clear();
    for (const { id, seen, subscriptions } of loaded) this.#entries.set(id, { seen, subscriptions });
    return loaded.map(({ id, subscriptions }) => ({ id, subscriptions: [...subscriptions].map(([topic, qos]) => ({ topic, qos })) }));
  }

  /** A persistent session connected: it is the most recently seen. */
  connected(id: string): void {
    const entry = this.#entries.get(id);
    if (entry === undefined) return;
    this.#touch(id, entry);
    this.#schedule();
  }

  subscribed(id: string, subscriptions: ReadonlyArray<{ readonly topic: string; readonly qos: number }>): void {
    const entry = this.#entries.get(id) ?? { subscriptions: new Map<string, Qos>(), seen: 0 };
    for (const { topic, qos } of subscriptions) {
      if (entry.subscriptions.size >= MAX_TOPICS && !entry.subscriptions.has(topic)) break;
      entry.subscriptions.set(topic, (qos === 1 || qos === 2 ? qos : 0) as Qos);
    }
    this.#touch(id, entry);
    this.#evict();
    this.#schedule();
  }

  unsubscribed(id: string, topics: readonly string[]): void {
    const entry = this.#entries.get(id);
    if (entry === undefined) return;
    for (const topic of topics) entry.subscriptions.delete(topic);
    if (entry.subscriptions.size === 0) this.#entries.delete(id);
    this.#schedule();
  }

  /** A client connected with a clean session: whatever was stored for its id is gone. */
  forget(id: string): void {
    if (this.#entries.delete(id)) this.#schedule();
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Writes pending changes now (at close). */
  async flush(): Promise<void> {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
      this.#save();
    }
    await this.#writing;
  }

  #touch(id: string, entry: Entry): void {
    entry.seen = this.#now();
    // Re-inserted: the map's order is least recently seen first.
    this.#entries.delete(id);
    this.#entries.set(id, entry);
  }

  #evict(): void {
    while (this.#entries.size > this.#o.maxSessions) {
      const oldest = this.#entries.keys().next().value;
      if (oldest === undefined) return;
      this.#entries.delete(oldest);
      this.#o.onEvict?.(oldest);
    }
  }

  #schedule(): void {
    if (this.#timer !== undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#save();
    }, SAVE_DELAY);
    this.#timer.unref();
  }

  #save(): void {
    const sessions = [...this.#entries].map(([id, e]) => ({ id, seen: e.seen, subscriptions: [...e.subscriptions] }));
    const text = JSON.stringify({ version: 1, sessions });
    const path = this.#o.path;
    // One write at a time, each whole: a temporary file renamed over the old one.
    this.#writing = this.#writing.then(async () => {
      try {
        await mkdir(dirname(path), { recursive: true });
        const tmp = `${path}.${process.pid}.tmp`;
        await writeFile(tmp, text, { mode: 0o600 });
        await rename(tmp, path);
      } catch (err) {
        this.#o.onError?.(err);
      }
    });
  }
}
