import { Gauge, type Registry } from 'prom-client';
import type { BackendConfig } from '../config/types.js';
import type { HubBackend } from './backend.js';

/**
 * The hub's live state as gauges. Its result counts are telemetry figures
 * (lib/metrics: powgate_hub_results_total, powgate_hub_result_seconds). Workers are not labels: a payout account is unbounded
 * input. Only `metrics_workers` > 0 gives the top N workers (by accepted
 * results) a `worker` label on one gauge, rebuilt at every scrape, so the
 * series count stays at most N per hub.
 */
export function createHubMetrics(registry: Registry, hubs: readonly HubBackend[], configs: Readonly<Record<string, BackendConfig>>): void {
  // Registered with or without a hub, as every powgate metric is: a hub-less powgate shows empty families.
  const registers = [registry];
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
