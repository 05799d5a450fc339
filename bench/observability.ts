import { type LoadResult, runLoad } from './load.js';

export interface ObservabilityFigures {
  readonly connections: number;
  readonly rounds: number;
  /** Median round of each: observability off, on with nobody watching, on while watched. */
  readonly off: LoadResult;
  readonly on: LoadResult;
  readonly watched: LoadResult;
  readonly scrapes: number;
  readonly polls: number;
}

/**
 * Cache-hit throughput of two identical servers, one with metrics and the
 * dashboard off (`dark`) and one with them on (`lit`), the latter also while
 * a Prometheus scrapes /metrics and one open dashboard polls /api/status,
 * each once a second. Rounds rotate the order so drift on a shared machine
 * falls on all three alike; each figure is its median round.
 */
export async function benchObservability(options: {
  readonly dark: string;
  readonly lit: string;
  readonly seconds: number;
  readonly body: string;
  readonly check: (text: string) => boolean;
  readonly connections?: number;
  readonly rounds?: number;
}): Promise<ObservabilityFigures> {
  const connections = options.connections ?? 64;
  const rounds = options.rounds ?? 3;
  let scrapes = 0;
  let polls = 0;
  const load = (url: string, seconds = options.seconds): Promise<LoadResult> =>
    runLoad({ url, connections, seconds, body: () => options.body, check: options.check });
  const kinds = {
    off: () => load(options.dark),
    on: () => load(options.lit),
    watched: async () => {
      const watcher = watch(
        options.lit,
        () => scrapes++,
        () => polls++,
      );
      try {
        return await load(options.lit);
      } finally {
        await watcher.stop();
      }
    },
  };
  // JIT warm-up, so round one measures the same code as the others.
  await load(options.dark, Math.min(1, options.seconds));
  await load(options.lit, Math.min(1, options.seconds));
  const order = ['off', 'on', 'watched'] as const;
  const runs: Record<(typeof order)[number], LoadResult[]> = { off: [], on: [], watched: [] };
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < order.length; i++) {
      const kind = order[(round + i) % order.length] as (typeof order)[number];
      runs[kind].push(await kinds[kind]());
    }
  }
  const median = (list: LoadResult[]): LoadResult => [...list].sort((a, b) => a.rps - b.rps)[Math.floor(list.length / 2)] as LoadResult;
  return { connections, rounds, off: median(runs.off), on: median(runs.on), watched: median(runs.watched), scrapes, polls };
}

/** GET /metrics and GET /api/status once a second each, as a Prometheus and one dashboard do. */
function watch(url: string, scraped: () => void, polled: () => void): { stop(): Promise<void> } {
  const get = async (path: string, done: () => void): Promise<void> => {
    const res = await fetch(`${url}${path}`);
    await res.text();
    if (res.ok) done();
  };
  const pending = new Set<Promise<void>>();
  const timer = setInterval(() => {
    for (const request of [get('/metrics', scraped), get('/api/status', polled)]) {
      const tracked: Promise<void> = request.catch(() => {}).finally(() => pending.delete(tracked));
      pending.add(tracked);
    }
  }, 1000);
  return {
    async stop() {
      clearInterval(timer);
      await Promise.all(pending);
    },
  };
}
