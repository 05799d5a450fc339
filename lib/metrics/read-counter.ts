import { Counter, type Registry } from 'prom-client';

/**
 * A counter whose samples are copied at each scrape from counts kept
 * elsewhere (the telemetry figures, the services report): nothing on the
 * request path. Zero samples are left out unless `zeros`, so a label set
 * appears with its first event, as when counted directly; `zeros` is for
 * label sets known up front, so a panel or rate() has a series at once.
 */
export function readCounter<L extends string>(
  registers: Registry[],
  name: string,
  help: string,
  labelNames: readonly L[],
  read: (add: (labels: Record<L, string>, value: number) => void) => void,
  zeros = false,
): void {
  new Counter({
    name,
    help,
    labelNames,
    registers,
    collect() {
      this.reset();
      read((labels, value) => {
        if (value > 0 || zeros) this.inc(labels, value);
      });
    },
  });
}
