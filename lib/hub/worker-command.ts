/**
 * `powgate worker --hub URL --payout ACCOUNT [...]`: flags, the generator, and
 * the process's life (SIGTERM/SIGINT end it cleanly). Bad flags: a clear
 * message and exit code 2.
 */
import { availableParallelism } from 'node:os';
import { createGenerator, type GpuMode } from '../generator/index.js';
import { decodeAccount, NETWORKS } from '../pow/index.js';
import { brokerLabel } from './external.js';
import { startWorker } from './worker.js';

export const WORKER_USAGE = `Usage: powgate worker --hub URL --payout ACCOUNT [options]

Works for a hub that speaks DPoW's worker protocol (a powgate hub or DPoW itself).

  --hub URL              mqtt://user:pass@host:1883 (or mqtts://, ws://, wss://); a powgate hub's
                         default worker login is client:client
  --payout ACCOUNT       nano_… or ban_…: the account the hub credits your work to
  --cpu-threads N        CPU worker threads (default: all cores, ${availableParallelism()} here)
  --gpu auto|on|off      auto (default): a hardware GPU when found; on: any adapter, none is an error
  --work ondemand|precache|any   which work to take (default any; on-demand always first)
  --status-interval S    seconds between status lines (default 5)
  -h, --help             this text
`;

export class WorkerFlagError extends Error {}

export interface WorkerFlags {
  readonly hub: string;
  readonly payout: string;
  readonly cpuThreads: number;
  readonly gpu: GpuMode;
  readonly work: 'ondemand' | 'precache' | 'any';
  readonly statusInterval: number;
}

const PREFIXES = [...new Set(Object.values(NETWORKS).flatMap((n) => n.prefixes))];

export function parseWorkerFlags(argv: readonly string[]): WorkerFlags | 'help' {
  const values = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '-h' || arg === '--help') return 'help';
    if (!arg.startsWith('--')) throw new WorkerFlagError(`unexpected argument ${JSON.stringify(arg)}`);
    const eq = arg.indexOf('=');
    const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
    if (!['hub', 'payout', 'cpu-threads', 'gpu', 'work', 'status-interval'].includes(name)) {
      throw new WorkerFlagError(`unknown flag --${name}`);
    }
    const value = eq === -1 ? argv[++i] : arg.slice(eq + 1);
    if (value === undefined || value === '') throw new WorkerFlagError(`--${name} needs a value`);
    if (values.has(name)) throw new WorkerFlagError(`--${name} is given twice`);
    values.set(name, value);
  }
  const hub = values.get('hub');
  if (hub === undefined) throw new WorkerFlagError('--hub URL is required (e.g. mqtt://client:client@hub.example:1883)');
  let parsed: URL;
  try {
    parsed = new URL(hub);
  } catch {
    throw new WorkerFlagError('--hub expects a URL such as mqtt://client:client@hub.example:1883');
  }
  if (!['mqtt:', 'mqtts:', 'ws:', 'wss:'].includes(parsed.protocol) || parsed.hostname === '') {
    throw new WorkerFlagError(`--hub expects an mqtt://, mqtts://, ws:// or wss:// URL, found ${parsed.protocol}//${parsed.host}`);
  }
  const payout = values.get('payout');
  if (payout === undefined) throw new WorkerFlagError('--payout ACCOUNT is required (the nano_… or ban_… account credited for your work)');
  if (decodeAccount(payout, PREFIXES) === undefined) {
    throw new WorkerFlagError(`--payout expects a valid nano_… or ban_… account (checksum included), found ${JSON.stringify(payout.slice(0, 80))}`);
  }
  const threadsText = values.get('cpu-threads');
  const cpuThreads = threadsText === undefined ? availableParallelism() : Number(threadsText);
  if (!Number.isSafeInteger(cpuThreads) || cpuThreads < 1 || cpuThreads > 1024) {
    throw new WorkerFlagError(`--cpu-threads expects an integer from 1 to 1024, found ${JSON.stringify(threadsText)}`);
  }
  const gpu = values.get('gpu') ?? 'auto';
  if (gpu !== 'auto' && gpu !== 'on' && gpu !== 'off') throw new WorkerFlagError(`--gpu expects auto, on or off, found ${JSON.stringify(gpu)}`);
  const work = values.get('work') ?? 'any';
  if (work !== 'ondemand' && work !== 'precache' && work !== 'any') {
    throw new WorkerFlagError(`--work expects ondemand, precache or any, found ${JSON.stringify(work)}`);
  }
  const intervalText = values.get('status-interval') ?? '5';
  const statusInterval = Number(intervalText);
  if (!Number.isFinite(statusInterval) || statusInterval < 0.1 || statusInterval > 3600) {
    throw new WorkerFlagError(`--status-interval expects seconds from 0.1 to 3600, found ${JSON.stringify(intervalText)}`);
  }
  return { hub, payout, cpuThreads, gpu, work, statusInterval: Math.round(statusInterval * 1000) };
}

/** Runs until SIGTERM/SIGINT (exit 0), a refused login (1), or bad flags (2). */
export async function runWorkerCommand(argv: readonly string[], out: (text: string) => void, err: (text: string) => void): Promise<number> {
  let flags: WorkerFlags | 'help';
  try {
    flags = parseWorkerFlags(argv);
  } catch (e) {
    if (!(e instanceof WorkerFlagError)) throw e;
    err(`powgate worker: ${e.message}\n\n${WORKER_USAGE}`);
    return 2;
  }
  if (flags === 'help') {
    out(WORKER_USAGE);
    return 0;
  }
  const generator = createGenerator({ threads: flags.cpuThreads, gpu: flags.gpu });
  let gpu;
  try {
    gpu = await generator.start();
  } catch (e) {
    // Only --gpu on without a usable GPU.
    await generator.close();
    err(`powgate worker: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
  if (generator.fallbackReason !== undefined) out(`powgate worker: native CPU kernels unavailable (${generator.fallbackReason}); using WASM\n`);
  const device = 'info' in gpu ? ` + GPU ${gpu.info.name}` : 'unavailable' in gpu ? ` (no GPU: ${gpu.unavailable})` : '';
  out(`powgate worker: ${generator.threads} CPU threads (${generator.implementation})${device}, hub ${brokerLabel(flags.hub)}\n`);
  const worker = startWorker({
    hub: flags.hub,
    payout: flags.payout,
    work: flags.work,
    generator,
    statusInterval: flags.statusInterval,
    log: (line) => out(`${line}\n`),
  });
  const signalled = new Promise<string>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  try {
    const signal = await Promise.race([signalled, worker.failed]);
    out(`powgate worker: ${signal}, stopping\n`);
    await worker.stop();
    return 0;
  } catch (e) {
    await worker.stop();
    err(`powgate worker: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}
