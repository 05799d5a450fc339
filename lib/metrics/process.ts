import { collectDefaultMetrics, Gauge, type Metric, Registry } from 'prom-client';

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
    const instance = metric as unknown as Metric;
    // prom-client's nodejs_active_{handles,requests,resources}_total are gauges, and a gauge named
    // _total fails `promtool check metrics`; sum() of the per-type gauge of the same name gives it.
    if (instance instanceof Gauge && metric.name.endsWith('_total')) continue;
    if (registry.getSingleMetric(metric.name) === undefined) registry.registerMetric(instance);
  }
}
