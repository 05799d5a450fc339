import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { type Logger, pino } from 'pino';
import { Registry } from 'prom-client';
import type { Backend } from '../../lib/backends/types.js';
import { type BackendConfig, type Config, configFromRaw, type RawMap } from '../../lib/config/index.js';
import { type Powgate, type StartOptions, startPowgate } from '../../lib/server.js';

/**
 * Config overrides as a user writes them in YAML: snake_case keys, durations
 * with a unit (`2s`, `250ms`). Sections merge key by key onto the test base;
 * `backends` and lists replace it whole.
 */
export interface TestConfig {
  /** Any section the loader knows; a new one needs no edit here (the loader refuses unknown keys). */
  readonly [section: string]: unknown;
  readonly network?: string;
  readonly listen?: string;
  readonly node?: RawMap;
  readonly rpc?: RawMap;
  readonly cache?: RawMap;
  readonly work?: RawMap;
  readonly breaker?: RawMap;
  readonly backends?: RawMap;
  readonly tiers?: readonly RawMap[];
  readonly precache?: RawMap;
  readonly log?: RawMap;
  readonly metrics?: RawMap;
  readonly dashboard?: RawMap;
  readonly ledger?: RawMap;
}

/**
 * The ledger's data directory for every test powgate of this process that
 * opens a database (a hub backend): a temp dir, never ./powgate-data, removed
 * when the process exits. A test that reads the ledger gives its own.
 */
const TEST_DATA_DIR = mkdtempSync(path.join(tmpdir(), 'powgate-test-data-'));
process.once('exit', () => rmSync(TEST_DATA_DIR, { recursive: true, force: true }));

/** Loopback, port 0, a memory cache, silent logs, short timers: what most tests want. */
const TEST_BASE: RawMap = {
  network: 'nano-dev',
  listen: '127.0.0.1:0',
  node: { timeout: '2s' },
  rpc: { allow: ['account_info', 'block_info', 'process'] },
  cache: { max_entries: 1000, ttl: '1m' },
  work: { deadline: '10s' },
  // Idle probes off unless a test turns them on: they would add calls to the fakes' counts.
  breaker: { cooldown: '5s', max_cooldown: '1m', probe_interval: '0s' },
  log: { level: 'silent' },
  ledger: { data_dir: TEST_DATA_DIR },
};

/**
 * A full Config for tests, built by the real loader from TEST_BASE plus `t`.
 * Unless `t` says otherwise, every backend sits in one tier and may serve precache.
 */
export function testConfig(t: TestConfig = {}): Config {
  const raw = structuredClone(TEST_BASE);
  for (const [key, value] of Object.entries(structuredClone(t))) {
    const base = raw[key];
    raw[key] = isMap(base) && isMap(value) && key !== 'backends' ? { ...base, ...value } : value;
  }
  const backends = isMap(raw.backends) ? raw.backends : (raw.backends = { local: { type: 'local', cpu_threads: 1 } });
  const names = Object.keys(backends);
  raw.tiers ??= [{ backends: names }];
  const precache = isMap(raw.precache) ? raw.precache : (raw.precache = {});
  precache.backends ??= names;
  return configFromRaw(raw);
}

/** One backend's config, YAML-shaped in, normalised by the loader: for tests that build a backend themselves. */
export function testBackendConfig(raw: RawMap): BackendConfig {
  return testConfig({ backends: { backend: raw } }).backends.backend as BackendConfig;
}

function isMap(value: unknown): value is RawMap {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export async function startTestPowgate(
  t: TestConfig = {},
  backends?: ReadonlyMap<string, Backend>,
  options: Pick<StartOptions, 'precacheStatus' | 'logger' | 'serviceStore'> = {},
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
  return Buffer.from(crypto.getRandomValues(new Uint8Array(32)))
    .toString('hex')
    .toUpperCase();
}

/** A logger at `level` whose JSON lines are kept in `lines`, for tests that read what powgate logs. */
export function captureLogs(level = 'debug'): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(
        ...chunk
          .toString('utf8')
          .split('\n')
          .filter((l) => l !== ''),
      );
      done();
    },
  });
  return { logger: pino({ level }, stream), lines };
}
