import http from 'node:http';

export interface LoadResult {
  readonly requests: number;
  readonly errors: number;
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
}

/**
 * Closed-loop load: `connections` keep-alive clients each send the next
 * request as soon as the previous answer is read, for `seconds`.
 */
export async function runLoad(options: {
  url: string;
  connections: number;
  seconds: number;
  body: (i: number) => string;
  check?: (text: string) => boolean;
}): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.connections });
  const target = new URL(options.url);
  const latencies: number[] = [];
  let errors = 0;
  let counter = 0;
  const end = performance.now() + options.seconds * 1000;

  const one = async (body: string): Promise<string> => (await post(agent, target, body)).text;

  const loop = async (): Promise<void> => {
    while (performance.now() < end) {
      const body = options.body(counter++);
      const t0 = performance.now();
      try {
        const text = await one(body);
        if (options.check !== undefined && !options.check(text)) errors++;
        else latencies.push(performance.now() - t0);
      } catch {
        errors++;
      }
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: options.connections }, loop));
  const elapsed = (performance.now() - started) / 1000;
  agent.destroy();
  const { p50, p99 } = percentiles(latencies);
  return { requests: latencies.length, errors, rps: latencies.length / elapsed, p50, p99 };
}

/** One POST on a keep-alive agent: the answer's text and headers. */
export function post(agent: http.Agent, target: URL, body: string): Promise<{ text: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: target.hostname,
        port: target.port,
        path: '/',
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ text, headers: res.headers }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** p50 and p99 of latencies in ms (sorts them in place). */
export function percentiles(latencies: number[]): { p50: number; p99: number } {
  latencies.sort((a, b) => a - b);
  const at = (q: number): number => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? Number.NaN;
  return { p50: at(0.5), p99: at(0.99) };
}
