/**
 * `node dist/bench/hub.js`'s companion: the hub section of `npm run bench` on
 * its own (`node dist/bench/hub-main.js [--seconds S]`), with its own powgate
 * children.
 */
import { fork } from 'node:child_process';
import type { RawMap } from '../lib/config/index.js';
import { bytesToHex, formatWorkHex, workValue } from '../lib/pow/index.js';
import { positiveOption } from './cli.js';
import { benchHub } from './hub.js';

const ENTRY = 0xf000000000000000n;

/** As bench/index.ts writes its servers' configs: YAML-shaped, loaded by the child with configFromRaw. */
function config(backends: RawMap): RawMap {
  return {
    network: 'nano-dev',
    listen: '127.0.0.1:0',
    rpc: { allow: [] },
    cache: { ttl: '1h' },
    backends,
    tiers: [{ backends: Object.keys(backends) }],
    precache: { enabled: false, backends: Object.keys(backends) },
    log: { level: 'silent' },
  };
}

function powgate(c: RawMap) {
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
