/**
 * The load generator's own process (forked by cannon.ts), so it never shares
 * an event loop or a core's time slice with the server it measures.
 * autocannon drives the connections; latencies are taken from its per-response
 * event because its histogram keeps whole milliseconds only, too coarse for
 * sub-millisecond p50s.
 */
import autocannon, { type Request } from 'autocannon';

export interface CannonJob {
  readonly url: string;
  readonly connections: number;
  readonly seconds: number;
  /** Request bodies. `fixed`: each connection cycles through them in order (prebuilt, cheapest);
   * `unique`: every request takes the next body of one shared sequence (no two connections send
   * the same body at once, for miss paths that would otherwise join one job). */
  readonly bodies: readonly string[];
  readonly order: 'fixed' | 'unique';
  /** Where in `bodies` a `unique` sequence starts (so consecutive runs need not repeat roots). */
  readonly start?: number;
  /** Stop after this many requests, if that comes before `seconds` (warm-ups). */
  readonly amount?: number;
  /** Request path (default `/`: node RPC) and extra headers (an Authorization, say). */
  readonly path?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface CannonResult {
  readonly requests: number;
  readonly errors: number;
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  /** Load generator CPU, µs per request: shows whether the generator was near its limit. */
  readonly clientCpuUs: number;
}

const baseHeaders = { 'content-type': 'application/json' };

function run(job: CannonJob): Promise<CannonResult> {
  const headers = { ...baseHeaders, ...job.headers };
  const path = job.path ?? '/';
  return new Promise((resolve, reject) => {
    let latencies = new Float64Array(1 << 16);
    let count = 0;
    let next = job.start ?? 0;
    const requests: Request[] =
      job.order === 'fixed'
        ? job.bodies.map((body) => ({ method: 'POST', path, headers, body }))
        : [
            {
              method: 'POST',
              path,
              headers,
              setupRequest: (request: Request) => {
                request.body = job.bodies[next++ % job.bodies.length] as string;
                return request;
              },
            },
          ];
    const cpu = process.cpuUsage();
    const started = performance.now();
    const instance = autocannon(
      { url: job.url, connections: job.connections, duration: job.seconds, requests, timeout: 10, ...(job.amount === undefined ? {} : { amount: job.amount }) },
      (err, result) => {
        if (err) return reject(err);
        const elapsed = (performance.now() - started) / 1000;
        const used = process.cpuUsage(cpu);
        const sorted = latencies.subarray(0, count).sort();
        const at = (q: number): number => (count === 0 ? NaN : (sorted[Math.min(count - 1, Math.floor(q * count))] as number));
        resolve({
          requests: count,
          errors: result.errors + result.timeouts + result.non2xx,
          rps: count / elapsed,
          p50: at(0.5),
          p99: at(0.99),
          max: count === 0 ? NaN : (sorted[count - 1] as number),
          clientCpuUs: count === 0 ? NaN : (used.user + used.system) / count,
        });
      },
    );
    instance.on('response', (_client, status, _bytes, ms) => {
      if (status !== 200) return;
      if (count === latencies.length) {
        const grown = new Float64Array(latencies.length * 2);
        grown.set(latencies);
        latencies = grown;
      }
      latencies[count++] = ms;
    });
  });
}

process.once('message', (job: CannonJob) => {
  run(job).then(
    (result) => process.send?.({ result }, () => process.exit(0)),
    (err: unknown) => process.send?.({ error: String(err) }, () => process.exit(1)),
  );
});
