import type { WorkJob } from '../../lib/backends/types.js';
import { bytesToHex, hexToBytes, workValue } from '../../lib/pow/index.js';
import { randomRoot } from './powgate.js';

/**
 * A job as the engine hands it to a backend, for tests that drive a backend
 * alone: `accepts` is the engine's gate (work value at least the target).
 */
export function workJob(options: { root?: string | Uint8Array; target: bigint; signal?: AbortSignal; account?: string }): WorkJob {
  const root = options.root ?? randomRoot();
  const rootBytes = typeof root === 'string' ? hexToBytes(root) : root;
  return {
    root: typeof root === 'string' ? root : bytesToHex(rootBytes).toUpperCase(),
    rootBytes,
    target: options.target,
    signal: options.signal ?? new AbortController().signal,
    ...(options.account === undefined ? {} : { account: options.account }),
    accepts: (work) => workValue(rootBytes, work) >= options.target,
  };
}
