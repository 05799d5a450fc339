/**
 * Hash rate of the local CPU generator per kernel (native per instruction set,
 * WASM) on 1 and N threads, beside a plain scalar C BLAKE2b loop measured in
 * the same run (figures from different runs or machines are not comparable:
 * shared machines vary by 15-20 %). The same table as `powgate bench`.
 *
 *   npx tsx bench/hashrate.ts [--seconds 2] [--threads N]
 *   node dist/bench/hashrate.js [--seconds 2] [--threads N]
 */

import { availableParallelism } from 'node:os';
import { type BenchResult, formatHashrateTable, runHashrateBench } from '../lib/bench/hashrate.js';
import { NETWORKS } from '../lib/pow/index.js';
import { isMain, positiveOption } from './cli.js';

export interface HashrateResult {
  /** MH/s by row label (`device @ threads`); null where not measurable. */
  readonly rows: Record<string, number | null>;
  readonly baselineMHs: number | null;
  readonly table: string;
}

export async function benchHashrate(opts: { seconds: number; threads: number }): Promise<HashrateResult> {
  const result: BenchResult = await runHashrateBench(opts);
  const nano = NETWORKS.nano;
  const table = formatHashrateTable(result, [
    { label: 'Nano send', threshold: nano.sendThreshold },
    { label: 'Nano receive', threshold: nano.receiveThreshold },
  ]);
  const rows = Object.fromEntries(result.rows.map((r) => [`${r.device} @ ${r.threads}`, r.mhs]));
  return { rows, baselineMHs: result.baselineMHs, table };
}

if (isMain(import.meta.url)) {
  const seconds = positiveOption('seconds', 2);
  const threads = positiveOption('threads', availableParallelism());
  const result = await benchHashrate({ seconds, threads });
  console.log(`Nonce search, BLAKE2b-64 of 40 bytes; ${seconds} s each; Node ${process.version}, ${availableParallelism()} CPUs`);
  console.log(result.table);
  console.log(JSON.stringify({ bench: 'hashrate', seconds, threads, baselineMHs: result.baselineMHs, rows: result.rows }));
}
