import { collectDefaultMetrics, Registry, type Metric } from 'prom-client';

let shared: Registry | undefined;

/**
 * prom-client's process and event-loop metrics (`powgate_process_*`,
 * `powgate_nodejs_*`), added to `registry`. They describe the process, not
 * one server, so they are collected once per process: each collection starts
 * an event-loop monitor that is never stopped, and tests start many servers.
 */
export function registerProcessMetrics(registry: Registry): void {
  if (shared === undefined) {
    shared = new Registry();
    collectDefaultMetrics({ register: shared, prefix: 'powgate_' });
  }
  for (const metric of shared.getMetricsAsArray()) {
    // Typed as plain objects, but they are the metric instances themselves.
    if (registry.getSingleMetric(metric.name) === undefined) registry.registerMetric(metric as unknown as Metric);
  }
}
