/**
 * Hash rate of the local CPU generator, next to the project's JavaScript work
 * value (lib/pow) looped on one thread, measured in the same run (figures from different runs or machines are not
 * comparable: shared machines vary by 15-20 %).
 *
 *   npx tsx bench/hashrate.ts [--seconds 5] [--threads N]
 *   node dist/bench/hashrate.js [--seconds 5] [--threads N]
 */

import { availableParallelism } from 'node:os';
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createCpuGenerator } from '../lib/generator/pool.js';
import { workValue } from '../lib/pow/index.js';

export interface HashrateResult {
  /** Whole pool, million nonces per second. */
  wasmMHs: number;
  wasmMHsPerThread: number;
  /** lib/pow's JavaScript workValue (unrolled, zero words folded) in a loop on one thread. */
  baselineMHs: number;
}

/** No nonce reaches it (bar a value of exactly 2^64 - 1), so the threads never stop early. */
const IMPOSSIBLE = 0xffffffffffffffffn;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function randomRoot(): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(32));
}

async function measurePool(seconds: number, threads: number): Promise<number> {
  const gen = createCpuGenerator({ threads });
  const ac = new AbortController();
  const search = gen.generate(randomRoot(), IMPOSSIBLE, ac.signal).catch(() => undefined);
  try {
    // Let every worker boot and tier its kernel up before the clock starts.
    const warmupEnd = performance.now() + 5_000;
    while (gen.hashes() === 0 && performance.now() < warmupEnd) await sleep(10);
    await sleep(300);
    const h0 = gen.hashes();
    const t0 = performance.now();
    await sleep(seconds * 1000);
    const hashes = gen.hashes() - h0;
    const elapsed = (performance.now() - t0) / 1000;
    return hashes / elapsed / 1e6;
  } finally {
    ac.abort();
    await search;
    await gen.close();
  }
}

/** Blocks the calling thread for `seconds`: fine in a benchmark, never in the server. */
function measureBaseline(seconds: number): number {
  const root = randomRoot();
  let nonce = BigInt(Math.floor(Math.random() * 2 ** 48));
  let sink = 0n;
  let count = 0;
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  while (performance.now() < end) {
    for (let i = 0; i < 1024; i++) sink ^= workValue(root, nonce++);
    count += 1024;
  }
  const elapsed = (performance.now() - t0) / 1000;
  if (sink === -1n) console.log(''); // keeps the loop observable to the optimiser
  return count / elapsed / 1e6;
}

export async function benchHashrate(opts: { seconds: number; threads: number }): Promise<HashrateResult> {
  const { seconds, threads } = opts;
  // One after the other, so the baseline does not compete with the pool for cores.
  const wasmMHs = await measurePool(seconds, threads);
  const baselineMHs = measureBaseline(seconds);
  return { wasmMHs, wasmMHsPerThread: wasmMHs / threads, baselineMHs };
}

function formatTable(r: HashrateResult, seconds: number, threads: number): string {
  const rows: [string, string, string, string, string][] = [
    ['implementation', 'threads', 'MH/s', 'MH/s per thread', 'vs baseline'],
    ['WASM kernel, worker pool', String(threads), r.wasmMHs.toFixed(2), r.wasmMHsPerThread.toFixed(2), `${(r.wasmMHs / r.baselineMHs).toFixed(1)}x`],
    ['JS workValue, lib/pow (baseline)', '1', r.baselineMHs.toFixed(3), r.baselineMHs.toFixed(3), '1.0x'],
  ];
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)));
  const line = (row: string[]): string => `| ${row.map((cell, c) => cell.padEnd(widths[c]!)).join(' | ')} |`;
  return [
    `Nonce search, BLAKE2b-64 of 40 bytes; ${seconds} s each; Node ${process.version}, ${availableParallelism()} CPUs`,
    line(rows[0]!),
    `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    ...rows.slice(1).map(line),
  ].join('\n');
}

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const value = Number(process.argv[i + 1]);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} needs a positive number`);
  return value;
}

function isMain(): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isMain()) {
  const seconds = flag('seconds', 5);
  const threads = flag('threads', availableParallelism());
  const result = await benchHashrate({ seconds, threads });
  console.log(formatTable(result, seconds, threads));
  console.log(JSON.stringify({ bench: 'hashrate', seconds, threads, ...result }));
}
