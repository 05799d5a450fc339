// Per-network work thresholds (spec §4, nano/lib/config.cpp and the Banano
// bandaid patch set) and the defaults that depend on them.
import { fromMultiplier } from './multiplier.js';

export type NetworkName = 'nano' | 'banano' | 'nano-beta' | 'nano-dev';

export interface NetworkParams {
  readonly name: NetworkName;
  readonly epoch1: bigint;
  readonly epoch2: bigint;
  readonly epoch2Receive: bigint;
  readonly base: bigint;
  readonly entry: bigint;
  readonly defaultDifficulty: bigint;
  readonly sendThreshold: bigint;
  readonly receiveThreshold: bigint;
  readonly prefixes: readonly string[];
  readonly ports: { readonly rpc: number; readonly websocket: number };
  /** The currency's unit and how many raw it holds (1 XNO = 10^30 raw, 1 BAN = 10^29 raw): amounts given to payouts. */
  readonly unit: string;
  readonly unitRaw: bigint;
}

interface Definition {
  readonly name: NetworkName;
  readonly epoch1: bigint;
  readonly epoch2: bigint;
  readonly epoch2Receive: bigint;
  readonly defaultDifficulty?: bigint;
  readonly sendThreshold: bigint;
  readonly receiveThreshold: bigint;
  readonly prefixes: readonly string[];
  readonly ports: { readonly rpc: number; readonly websocket: number };
  readonly unit?: string;
  readonly unitRaw?: bigint;
}

const NANO_PREFIXES = ['nano_', 'xrb_'] as const;
const NANO_PORTS = { rpc: 7076, websocket: 7078 } as const;

// The node derives base and entry from the thresholds rather than storing
// them, so do the same: they cannot drift apart.
function define(d: Definition): NetworkParams {
  const thresholds = [d.epoch1, d.epoch2, d.epoch2Receive];
  const base = thresholds.reduce((a, b) => (b > a ? b : a));
  const entry = thresholds.reduce((a, b) => (b < a ? b : a));
  return Object.freeze({
    name: d.name,
    epoch1: d.epoch1,
    epoch2: d.epoch2,
    epoch2Receive: d.epoch2Receive,
    base,
    entry,
    defaultDifficulty: d.defaultDifficulty ?? base,
    sendThreshold: d.sendThreshold,
    receiveThreshold: d.receiveThreshold,
    prefixes: Object.freeze([...d.prefixes]),
    ports: Object.freeze({ ...d.ports }),
    unit: d.unit ?? 'XNO',
    unitRaw: d.unitRaw ?? 10n ** 30n,
  });
}

export const NETWORKS: Readonly<Record<NetworkName, NetworkParams>> = Object.freeze({
  nano: define({
    name: 'nano',
    epoch1: 0xffffffc000000000n,
    epoch2: 0xfffffff800000000n,
    epoch2Receive: 0xfffffe0000000000n,
    // Every live account is epoch 2 (upgraded Aug 2020).
    sendThreshold: 0xfffffff800000000n,
    receiveThreshold: 0xfffffe0000000000n,
    prefixes: NANO_PREFIXES,
    ports: NANO_PORTS,
  }),
  banano: define({
    name: 'banano',
    epoch1: 0xfffffe0000000000n,
    epoch2: 0xfffffff000000000n,
    epoch2Receive: 0n,
    // Banano nodes carry these epoch-2 constants, so base is fffffff000000000
    // and multipliers are printed against it, but the live ledger validates
    // every block at fffffe0000000000: defaulting to base would cost 32x the
    // work anyone needs.
    defaultDifficulty: 0xfffffe0000000000n,
    sendThreshold: 0xfffffe0000000000n,
    receiveThreshold: 0xfffffe0000000000n,
    prefixes: ['ban_'],
    ports: { rpc: 7072, websocket: 7074 },
    unit: 'BAN',
    unitRaw: 10n ** 29n,
  }),
  'nano-beta': define({
    name: 'nano-beta',
    epoch1: 0xfffff00000000000n,
    epoch2: 0xfffff00000000000n,
    epoch2Receive: 0xffffe00000000000n,
    sendThreshold: 0xfffff00000000000n,
    receiveThreshold: 0xffffe00000000000n,
    prefixes: NANO_PREFIXES,
    ports: NANO_PORTS,
  }),
  'nano-dev': define({
    name: 'nano-dev',
    epoch1: 0xfe00000000000000n,
    epoch2: 0xffc0000000000000n,
    epoch2Receive: 0xf000000000000000n,
    sendThreshold: 0xffc0000000000000n,
    receiveThreshold: 0xf000000000000000n,
    prefixes: NANO_PREFIXES,
    ports: NANO_PORTS,
  }),
});

export function isNetworkName(s: string): s is NetworkName {
  return Object.hasOwn(NETWORKS, s);
}

// The upper bound of the node's work_generate range check
// (max_work_generate_multiplier, default 64).
export function maxGenerateTarget(net: NetworkParams, maxMultiplier = 64): bigint {
  return fromMultiplier(maxMultiplier, net.base);
}
