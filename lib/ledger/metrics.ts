import { Counter, Gauge, type Registry } from 'prom-client';
import type { LedgerRecorder } from './recorder.js';

/**
 * The recorder's own figures on /metrics, read at scrape time. Registered
 * with or without a ledger, as every powgate metric is: without one they are
 * 0 (nothing queued, written or dropped).
 */
export function createLedgerMetrics(registry: Registry, recorder: LedgerRecorder | undefined): void {
  const registers = [registry];
  new Gauge({
    name: 'powgate_ledger_queued',
    help: 'Hub results waiting to be written to the ledger',
    registers,
    collect() {
      this.set(recorder?.queued ?? 0);
    },
  });
  new Counter({
    name: 'powgate_ledger_results_written_total',
    help: 'Hub results written to the ledger',
    registers,
    collect() {
      this.reset();
      this.inc(recorder?.written ?? 0);
    },
  });
  new Counter({
    name: 'powgate_ledger_results_dropped_total',
    help: 'Hub results dropped from the ledger because its queue was full (the database did not keep up)',
    registers,
    collect() {
      this.reset();
      this.inc(recorder?.dropped ?? 0);
    },
  });
}
