/**
 * `powgate bench [--seconds S] [--threads N] [--network NAME]`: the hash rate
 * of every device this build has and the mean time per work at the network's
 * send and receive thresholds, as a table.
 */

import { availableParallelism } from 'node:os';
import { ConfigError } from '../errors.js';
import { isNetworkName, NETWORKS } from '../pow/index.js';
import { formatHashrateTable, runHashrateBench } from './hashrate.js';

export const BENCH_USAGE = [
  'Usage: powgate bench [--seconds S] [--threads N] [--network NAME]',
  '',
  'Measures the hash rate of each device (CPU per kernel on 1 and N threads,',
  'GPU when built in) beside a plain scalar C BLAKE2b loop measured in the same',
  "run, and the mean time per work at the network's send and receive thresholds.",
  '',
  '  --seconds S    seconds per measurement (default 2)',
  '  --threads N    CPU threads for the pooled figures (default: all cores)',
  '  --network NAME nano (default) or banano, for the thresholds',
  '',
].join('\n');

interface BenchArgs {
  seconds: number;
  threads: number;
  network: 'nano' | 'banano' | 'nano-beta' | 'nano-dev';
  help: boolean;
}

export function parseBenchArgs(argv: readonly string[]): BenchArgs {
  const args: BenchArgs = { seconds: 2, threads: availableParallelism(), network: 'nano', help: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '-h' || arg === '--help') {
      args.help = true;
      continue;
    }
    const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    if (flag !== '--seconds' && flag !== '--threads' && flag !== '--network') {
      throw new ConfigError('', `unknown option ${flag}; run 'powgate bench --help'`);
    }
    const value = inline ?? argv[++i];
    if (value === undefined) throw new ConfigError('', `option ${flag} needs a value; run 'powgate bench --help'`);
    if (flag === '--seconds' || flag === '--threads') {
      const n = Number(value);
      const ok = flag === '--seconds' ? Number.isFinite(n) && n > 0 && n <= 600 : Number.isInteger(n) && n >= 1 && n <= 1024;
      if (!ok)
        throw new ConfigError('', `${flag} expects ${flag === '--seconds' ? 'seconds in (0, 600]' : 'an integer 1..1024'}, found ${JSON.stringify(value)}`);
      if (flag === '--seconds') args.seconds = n;
      else args.threads = n;
    } else {
      if (!isNetworkName(value)) throw new ConfigError('', `--network expects nano, banano, nano-beta or nano-dev, found ${JSON.stringify(value)}`);
      args.network = value;
    }
  }
  return args;
}

export async function runBenchCommand(argv: readonly string[], out: (text: string) => void, err: (text: string) => void): Promise<number> {
  const args = parseBenchArgs(argv);
  if (args.help) {
    out(BENCH_USAGE);
    return 0;
  }
  const net = NETWORKS[args.network];
  const result = await runHashrateBench({ threads: args.threads, seconds: args.seconds, log: (line) => err(`${line}\n`) });
  const thresholds = [
    { label: `send ${net.sendThreshold.toString(16)}`, threshold: net.sendThreshold },
    { label: `receive ${net.receiveThreshold.toString(16)}`, threshold: net.receiveThreshold },
  ];
  out(
    `powgate bench: nonce search, BLAKE2b-64 of 40 bytes; ${args.seconds} s per figure; ${args.network} thresholds; Node ${process.version}, ${availableParallelism()} CPUs\n\n`,
  );
  out(`${formatHashrateTable(result, thresholds)}\n`);
  return 0;
}
