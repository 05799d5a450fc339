import type { NetworkName } from '../pow/networks.js';

/** DPoW generates and validates every work at the Nano send base (nanolib WORK_DIFFICULTY). */
export const DPOW_MAX_TARGET = 0xfffffff800000000n;

/**
 * Whether DPoW can serve `target` at all. It ignores the requested difficulty
 * and serves the Nano base only, and it knows only nano_ accounts, so higher
 * targets and Banano are skipped rather than sent and failed.
 */
export function dpowServes(target: bigint, network: NetworkName): boolean {
  return network !== 'banano' && target <= DPOW_MAX_TARGET;
}
