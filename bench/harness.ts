/** What the bench sections share: server child processes, their config, work tables and table formatting. */
import { type ChildProcess, fork } from 'node:child_process';
import { rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { RawMap } from '../lib/config/index.js';
import { bytesToHex, formatWorkHex, hexToBytes, parseWorkHex, workValue } from '../lib/pow/index.js';
import type { ProbeReading } from './probe.js';

export const DEV_ENTRY = 0xf000000000000000n;
export const DIFFICULTY = formatWorkHex(DEV_ENTRY);

export interface Child {
  readonly url: string;
  readonly proc: ChildProcess;
  ask<T>(message: object, key: string): Promise<T>;
  /** Zeroes the child's CPU, stall and GC counters (and starts a profile under BENCH_PROF). */
  reset(): Promise<void>;
  /** The readings since reset; `label` names the run's profile under BENCH_PROF. */
  read(label?: string): Promise<ProbeReading>;
}

export async function spawnServer(message: object): Promise<Child> {
  // BENCH_PROF=dir: each server writes a CPU profile of each measured run there (see probe.ts).
  const proc = fork(new URL('./servers.js', import.meta.url), { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const ask = <T>(m: object, key: string): Promise<T> =>
    new Promise((resolve) => {
      const on = (reply: Record<string, unknown>): void => {
        if (key in reply) {
          proc.off('message', on);
          resolve(reply[key] as T);
        }
      };
      proc.on('message', on);
      proc.send(m);
    });
  const url = await ask<string>(message, 'url');
  return {
    url,
    proc,
    ask,
    reset: async () => {
      await ask({ probe: 'reset' }, 'probe');
    },
    read: (label?: string) => ask<ProbeReading>({ probe: 'read', ...(label === undefined ? {} : { label }) }, 'probe'),
  };
}

/**
 * The ledger's data directory of every bench server (hub configs open one): a
 * temp dir, never ./powgate-data. Named, not made: the ledger makes it only
 * when a server opens its database, and the run that named it removes it.
 * (This module is loaded by the server children too; each names its own and
 * never uses it, as their configs come from the parent.)
 */
const BENCH_DATA_DIR = path.join(tmpdir(), `powgate-bench-data-${process.pid}`);
process.once('exit', () => rmSync(BENCH_DATA_DIR, { recursive: true, force: true }));

/** A server's config as YAML would write it; the child process loads it with configFromRaw. */
export function config(backends: RawMap, extra: { websocket?: string; precache?: RawMap; observability?: boolean; cache?: RawMap } = {}): RawMap {
  const observability = extra.observability ?? true;
  return {
    network: 'nano-dev',
    listen: '127.0.0.1:0',
    node: extra.websocket === undefined ? {} : { websocket: extra.websocket },
    rpc: { allow: [] },
    cache: { ttl: '1h', ...extra.cache },
    backends,
    tiers: [{ backends: Object.keys(backends) }],
    precache: { enabled: false, backends: Object.keys(backends), ...extra.precache },
    log: { level: 'silent' },
    metrics: { enabled: observability },
    dashboard: { enabled: observability },
    ledger: { data_dir: BENCH_DATA_DIR },
  };
}

export const LOCAL = { local: { type: 'local', cpu_threads: 1 } };

/** Random roots with work at the dev entry threshold, so an "instant" peer can answer from a table: [root, work, value]. */
export function precompute(count: number): Array<[string, string, string]> {
  const out: Array<[string, string, string]> = [];
  for (let i = 0; i < count; i++) {
    const bytes = crypto.getRandomValues(new Uint8Array(32));
    const root = bytesToHex(bytes);
    let nonce = BigInt(Math.floor(Math.random() * 2 ** 48));
    let value = workValue(bytes, nonce);
    while (value < DEV_ENTRY) value = workValue(bytes, ++nonce);
    out.push([root, formatWorkHex(nonce), formatWorkHex(value)]);
  }
  return out;
}

export const generateBody = (root: string): string => JSON.stringify({ action: 'work_generate', hash: root, difficulty: DIFFICULTY });

export async function until(check: () => Promise<boolean>, ms: number): Promise<void> {
  const end = performance.now() + ms;
  while (!(await check())) {
    if (performance.now() > end) throw new Error(`bench: condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** One sample's value from Prometheus text (`name` with its labels as written), NaN when absent. */
export function sample(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? NaN : Number(line.slice(name.length + 1));
}

export const fmt = (n: number, digits = 0): string =>
  Number.isFinite(n) ? n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : '-';
export const row = (cells: string[]): string => `| ${cells.join(' | ')} |`;
export const ratio = (a: number, b: number, digits = 2): string => (Number.isFinite(a / b) ? `${fmt(a / b, digits)}×` : '-');
export const mib = (bytes: number): string => fmt(bytes / 2 ** 20, 1);
export const verdict = (ok: boolean): string => (ok ? 'met' : 'NOT met');

/** The middle element by `key` (the median round of an odd count). */
export function median<T>(list: readonly T[], key: (t: T) => number): T {
  return [...list].sort((a, b) => key(a) - key(b))[Math.floor(list.length / 2)] as T;
}

/** Calls per command from Redis's INFO commandstats (server-wide: another client's commands count too). */
export function redisCommandStats(url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'): Promise<Map<string, number>> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port || 6379), hostname || '127.0.0.1');
    let text = '';
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write('INFO commandstats\r\n'));
    socket.on('data', (chunk: string) => {
      text += chunk;
      const header = /^\$(\d+)\r\n/.exec(text);
      if (header !== null && Buffer.byteLength(text) >= header[0].length + Number(header[1])) {
        socket.end();
        const stats = new Map<string, number>();
        for (const m of text.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) stats.set(m[1] as string, Number(m[2]));
        resolve(stats);
      }
    });
    socket.on('error', reject);
  });
}

/**
 * A node's `work_validate` answer for `hash` and `work`, as far as powgate reads it (its idle probe of an
 * rpc peer checks `difficulty`): bench peers answer it, or the probe opens their circuit.
 */
export function workValidateAnswer(hash: string, work: string): string {
  const value = workValue(hexToBytes(hash), parseWorkHex(work) ?? 0n);
  return JSON.stringify({ valid_all: '1', valid_receive: '1', difficulty: formatWorkHex(value) });
}

/** A loopback port free right now (bound and released), for a server the bench starts itself. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
