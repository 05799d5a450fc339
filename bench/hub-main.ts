/**
 * `node dist/bench/hub.js`'s companion: the hub section of `npm run bench` on
 * its own (`node dist/bench/hub-main.js [--seconds S]`), with its own powgate
 * children.
 */
import { fork } from 'node:child_process';
import { DEFAULTS } from '../lib/config/defaults.js';
import type { Config } from '../lib/config/types.js';
import { bytesToHex, formatWorkHex, workValue } from '../lib/pow/index.js';
import { positiveOption } from './cli.js';
import { benchHub } from './hub.js';

const ENTRY = 0xf000000000000000n;

function config(backends: Config['backends']): Config {
  return {
    network: 'nano-dev',
    listen: { host: '127.0.0.1', port: 0 },
    node: { timeout: 10_000 },
    rpc: { allow: [], bodyLimit: 65536 },
    cache: { url: 'memory', maxEntries: 100_000, ttl: 3_600_000 },
    work: { timeout: 30_000, maxMultiplier: 64 },
    breaker: { failures: 3, cooldown: 5000, maxCooldown: 300_000 },
    backends,
    tiers: [{ backends: Object.keys(backends) }],
    precache: { ...DEFAULTS.precache, enabled: false, accounts: [], tiers: Object.keys(backends), callbackForward: [] },
    log: { level: 'silent' },
    metrics: { enabled: true },
    dashboard: { enabled: true },
  };
}

function powgate(c: Config) {
  const proc = fork(new URL('./servers.js', import.meta.url), { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise<{ url: string; proc: typeof proc }>((resolve) => {
    proc.once('message', (m: { url: string }) => resolve({ url: m.url, proc }));
    proc.send({ mode: 'powgate', config: c });
  });
}

const table: Array<[string, string, string]> = [];
for (let i = 0; i < 20_000; i++) {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  let nonce = BigInt(Math.floor(Math.random() * 2 ** 48));
  while (workValue(bytes, nonce) < ENTRY) nonce++;
  table.push([bytesToHex(bytes), formatWorkHex(nonce), '']);
}
const lines: string[] = [];
const results = await benchHub({ seconds: positiveOption('seconds', 2), table, difficulty: formatWorkHex(ENTRY), powgate, config }, lines);
process.stdout.write(`${lines.join('\n')}\n\n${JSON.stringify(results)}\n`);
process.exit(0);
