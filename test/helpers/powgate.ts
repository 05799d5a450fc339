import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import { Registry } from 'prom-client';
import type { Backend } from '../../lib/backends/types.js';
import { DEFAULTS } from '../../lib/config/defaults.js';
import type { BackendConfig, Config, PrecacheConfig, TierConfig } from '../../lib/config/types.js';
import { startPowgate, type Powgate, type StartOptions } from '../../lib/server.js';

export interface TestConfig {
  network?: Config['network'];
  backends?: Record<string, BackendConfig>;
  tiers?: TierConfig[];
  timeout?: number;
  allow?: string[];
  nodeRpc?: string;
  nodeWs?: string;
  cacheUrl?: string;
  precache?: Partial<PrecacheConfig>;
  breaker?: Partial<Config['breaker']>;
  defaultDifficulty?: bigint;
  metrics?: Config['metrics'];
  dashboard?: Config['dashboard'];
}

/** A full Config for tests: loopback, port 0, memory cache, silent logs. */
export function testConfig(t: TestConfig = {}): Config {
  const backends = t.backends ?? { local: { type: 'local', cpuThreads: 1, cpuImpl: 'auto' } };
  return {
    network: t.network ?? 'nano-dev',
    listen: { host: '127.0.0.1', port: 0 },
    node: {
      timeout: 2000,
      ...(t.nodeRpc === undefined ? {} : { rpc: t.nodeRpc }),
      ...(t.nodeWs === undefined ? {} : { websocket: t.nodeWs }),
    },
    rpc: { allow: t.allow ?? ['account_info', 'block_info', 'process'], bodyLimit: 64 * 1024 },
    cache: { url: t.cacheUrl ?? 'memory', maxEntries: 1000, ttl: 60_000 },
    work: {
      timeout: t.timeout ?? 10_000,
      maxMultiplier: 64,
      ...(t.defaultDifficulty === undefined ? {} : { defaultDifficulty: t.defaultDifficulty }),
    },
    breaker: { failures: 3, cooldown: 5000, maxCooldown: 60_000, ...t.breaker },
    backends,
    tiers: t.tiers ?? [{ backends: Object.keys(backends) }],
    precache: {
      ...DEFAULTS.precache,
      accounts: [],
      tiers: Object.keys(backends),
      callbackForward: [],
      ...t.precache,
    },
    log: { level: 'silent' },
    metrics: t.metrics ?? { enabled: true },
    dashboard: t.dashboard ?? { enabled: true },
  };
}

export async function startTestPowgate(
  t: TestConfig = {},
  backends?: ReadonlyMap<string, Backend>,
  options: Pick<StartOptions, 'precacheStatus' | 'logger'> = {},
): Promise<Powgate> {
  return startPowgate(testConfig(t), {
    logger: options.logger ?? pino({ level: 'silent' }),
    registry: new Registry(),
    drainTimeout: 200,
    ...(backends === undefined ? {} : { backends }),
    ...options,
  });
}

export interface RpcAnswer {
  readonly status: number;
  readonly text: string;
  readonly json: Record<string, string>;
  readonly headers: Headers;
}

/** POSTs a body (object, or raw text) the way a client would. */
export async function rpc(url: string, body: unknown, init: { signal?: AbortSignal } = {}): Promise<RpcAnswer> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    ...(init.signal === undefined ? {} : { signal: init.signal }),
  });
  const text = await res.text();
  let json: Record<string, string> = {};
  try {
    json = JSON.parse(text) as Record<string, string>;
  } catch {
    /* left empty: the test looks at text */
  }
  return { status: res.status, text, json, headers: res.headers };
}

/** A random 64-hex root. */
export function randomRoot(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('hex').toUpperCase();
}

/** A logger at `level` whose JSON lines are kept in `lines`, for tests that read what powgate logs. */
export function captureLogs(level = 'debug'): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter((l) => l !== ''));
      done();
    },
  });
  return { logger: pino({ level }, stream), lines };
}
