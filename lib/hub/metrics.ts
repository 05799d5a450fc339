import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { BackendConfig } from '../config/types.js';
import type { HubBackend } from './backend.js';

/**
 * The hub's metrics. Workers are not labels: a payout account is unbounded
 * input. Only `metrics_workers` > 0 gives the top N workers (by accepted
 * results) a `worker` label on one gauge, rebuilt at every scrape, so the
 * series count stays at most N per hub.
 */
export function createHubMetrics(registry: Registry, hubs: readonly HubBackend[], configs: Readonly<Record<string, BackendConfig>>): void {
  // Registered with or without a hub, as every powgate metric is: a hub-less powgate shows empty families.
  const registers = [registry];
  const results = new Counter({
    name: 'powgate_hub_results_total',
    help: 'Worker results by work type and outcome: accepted, invalid, late, duplicate',
    labelNames: ['backend', 'type', 'outcome'] as const,
    registers,
  });
  const resultSeconds = new Histogram({
    name: 'powgate_hub_result_seconds',
    help: 'Time from publishing a job to its accepted result',
    labelNames: ['backend', 'type'] as const,
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30],
    registers,
  });
  for (const hub of hubs) {
    for (const type of ['ondemand', 'precache'] as const) {
      for (const outcome of ['accepted', 'invalid', 'late', 'duplicate'] as const) results.inc({ backend: hub.name, type, outcome }, 0);
    }
    hub.onResult((e) => {
      results.inc({ backend: e.backend, type: e.type, outcome: e.outcome });
      if (e.seconds !== undefined) resultSeconds.observe({ backend: e.backend, type: e.type }, e.seconds);
    });
  }
  const gauge = (name: string, help: string, read: (hub: HubBackend) => number | undefined): void => {
    new Gauge({
      name,
      help,
      labelNames: ['backend'] as const,
      registers,
      collect() {
        this.reset();
        for (const hub of hubs) {
          const value = read(hub);
          if (value !== undefined) this.set({ backend: hub.name }, value);
        }
      },
    });
  };
  gauge('powgate_hub_broker_connected', '1 when the hub can publish to its broker', (h) => (h.transport.connected() ? 1 : 0));
  gauge('powgate_hub_workers_connected', 'Worker connections on the embedded broker (absent for an external broker)', (h) => h.transport.workers());
  gauge('powgate_hub_workers_seen', 'Workers heard from within worker_ttl', (h) => h.hubStatus(0).workersSeen);
  gauge('powgate_hub_jobs_pending', 'Jobs published and not yet answered', (h) => h.hubStatus(0).jobsPending);

  const capped = hubs.map((h) => {
    const config = configs[h.name];
    return [h, config?.type === 'hub' ? config.metricsWorkers : 0] as const;
  });
  new Gauge({
    name: 'powgate_hub_worker_accepted',
    help: 'Accepted results of the top metrics_workers workers (by accepted results), by payout account',
    labelNames: ['backend', 'worker'] as const,
    registers,
    collect() {
      this.reset();
      for (const [hub, n] of capped) {
        if (n === 0) continue;
        for (const w of hub.roster.top(n)) this.set({ backend: hub.name, worker: w.account }, w.accepted.ondemand + w.accepted.precache);
      }
    },
  });
}
