/**
 * Loads the native nonce kernels (native/*.c, built by node-gyp at install
 * into build/Release/powgate_work.node). The addon is optional: when it did not
 * build or does not load, `loadNative()` says why and the pool uses its WASM
 * kernel instead.
 *
 * Found from lib/generator (tsx, tests) and dist/lib/generator (production),
 * i.e. two or three levels below the package root.
 */

import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export const ISAS = ['scalar', 'avx2', 'avx512'] as const;
export type Isa = (typeof ISAS)[number];

export interface NativeAddon {
  /** First nonce in start, start + 1, ... (count of them, mod 2^64) whose value is >= target; null if none. */
  search(root: Uint8Array, target: bigint, start: bigint, count: number, isa: number): bigint | null;
  /** The values of the nonces from `start` computed by one kernel call (one per lane). */
  values(root: Uint8Array, start: bigint, isa: number): bigint[];
  /** A plain textbook scalar BLAKE2b nonce loop, for benchmarks; returns how many met target. */
  baseline(root: Uint8Array, target: bigint, start: bigint, count: number): number;
  readonly isas: readonly string[];
  readonly supported: readonly number[];
}

export interface NativeKernels {
  readonly addon: NativeAddon;
  /** Absolute path of the .node file, for worker threads to load it too. */
  readonly path: string;
  /** Instruction sets this processor runs, worst first. */
  readonly isas: readonly Isa[];
  /** The best of them. */
  readonly best: Isa;
}

export type NativeLoad = { readonly ok: true; readonly native: NativeKernels } | { readonly ok: false; readonly reason: string };

const CANDIDATES = ['../../build/Release/powgate_work.node', '../../../build/Release/powgate_work.node'];

let cached: NativeLoad | undefined;

/**
 * The addon, loaded once per process. DISABLE_POWGATE_NATIVE=1 makes it count
 * as not built: the switch CI uses to run the whole suite through the WASM path
 * (the server itself chooses with `backends.<name>.cpu_impl`). Not a POWGATE_*
 * name: every POWGATE_* variable is a config setting, and an unknown one fails.
 */
export function loadNative(): NativeLoad {
  cached ??= tryLoad();
  return cached;
}

export function isaIndex(isa: Isa): number {
  return ISAS.indexOf(isa);
}

function tryLoad(): NativeLoad {
  if (process.env.DISABLE_POWGATE_NATIVE === '1') return { ok: false, reason: 'disabled by DISABLE_POWGATE_NATIVE=1' };
  const path = CANDIDATES.map((rel) => fileURLToPath(new URL(rel, import.meta.url))).find((p) => existsSync(p));
  if (path === undefined) return { ok: false, reason: 'build/Release/powgate_work.node not found (the addon did not build at install)' };
  try {
    const addon = createRequire(import.meta.url)(path) as NativeAddon;
    const isas = addon.supported.map((i) => ISAS[i]).filter((isa): isa is Isa => isa !== undefined);
    const best = isas[isas.length - 1];
    if (best === undefined) return { ok: false, reason: `${path} reports no usable instruction set` };
    return { ok: true, native: { addon, path, isas, best } };
  } catch (err) {
    return { ok: false, reason: `${path} did not load: ${err instanceof Error ? err.message : String(err)}` };
  }
}
