import { Gauge, type Registry } from 'prom-client';
import type { ServiceReport, ServicesReport } from '../status/types.js';
import { readCounter } from './read-counter.js';

/**
 * Services with a label of their own; the rest add up under `service="other"`.
 * Names come from the operator (config file, `powgate services add`), never
 * from a client, and this bounds how many series even a long list makes.
 */
export const MAX_SERVICE_LABELS = 100;

/** Per-service counters and gauges, read from the services report at scrape time: nothing on the request path. */
export function createServiceMetrics(registry: Registry, report: () => ServicesReport): void {
  const registers = [registry];
  /** The labelled services and the sum of the others, once per scrape. */
  const labelled = (): Array<[string, ServiceReport[]]> => {
    const services = report().services;
    const out: Array<[string, ServiceReport[]]> = services.slice(0, MAX_SERVICE_LABELS).map((s) => [s.name, [s]]);
    if (services.length > MAX_SERVICE_LABELS) out.push(['other', services.slice(MAX_SERVICE_LABELS)]);
    return out;
  };
  const counter = <L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[],
    read: (add: (labels: Record<L, string>, n: number) => void) => void,
  ): void => readCounter(registers, name, help, labelNames, read);
  counter(
    'powgate_service_requests_total',
    'Requests per service (its key on the RPC port, or its user and key on the DPoW service API)',
    ['service'],
    (add) => {
      for (const [service, group] of labelled())
        add(
          { service },
          sum(group, (s) => s.requests),
        );
    },
  );
  counter('powgate_service_refused_total', "A service's requests refused, by reason: action, rate, quota, credits", ['service', 'reason'], (add) => {
    for (const [service, group] of labelled()) {
      for (const reason of ['action', 'rate', 'quota', 'credits'] as const)
        add(
          { service, reason },
          sum(group, (s) => s.refused[reason]),
        );
    }
  });
  counter('powgate_service_works_total', 'Works served per service, by source (cache or a backend name)', ['service', 'source'], (add) => {
    for (const [service, group] of labelled()) {
      const bySource = new Map<string, number>();
      for (const s of group) for (const [source, n] of Object.entries(s.works)) bySource.set(source, (bySource.get(source) ?? 0) + n);
      for (const [source, n] of bySource) add({ service, source }, n);
    }
  });
  counter('powgate_service_precache_hits_total', 'Works served per service from the cache that a precache job made', ['service'], (add) => {
    for (const [service, group] of labelled())
      add(
        { service },
        sum(group, (s) => s.precacheHits),
      );
  });
  counter(
    'powgate_service_auth_refused_total',
    'Requests refused before any service was known: missing_key (rpc.auth: required) or unknown_key',
    ['reason'],
    (add) => {
      const { refused } = report();
      add({ reason: 'missing_key' }, refused.missingKey);
      add({ reason: 'unknown_key' }, refused.unknownKey);
    },
  );
  new Gauge({
    name: 'powgate_service_credits',
    help: 'Prepaid works left per service with credit accounting',
    labelNames: ['service'] as const,
    registers,
    collect() {
      this.reset();
      for (const [service, group] of labelled()) {
        const withCredits = group.filter((s) => s.credits !== null);
        if (withCredits.length > 0)
          this.set(
            { service },
            sum(withCredits, (s) => s.credits ?? 0),
          );
      }
    },
  });
  new Gauge({
    name: 'powgate_service_used_today',
    help: 'Works charged today (UTC) per service, against its daily quota',
    labelNames: ['service'] as const,
    registers,
    collect() {
      this.reset();
      for (const [service, group] of labelled())
        this.set(
          { service },
          sum(group, (s) => s.usedToday),
        );
    },
  });
}

function sum(group: readonly ServiceReport[], read: (s: ServiceReport) => number): number {
  let total = 0;
  for (const s of group) total += read(s);
  return total;
}
