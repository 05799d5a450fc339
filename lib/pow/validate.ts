import { workValue } from './blake2b.js';

// The node's rule: work is valid when its value reaches the threshold (>=).
export function meetsTarget(root: Uint8Array, work: bigint, target: bigint): boolean {
  return workValue(root, work) >= target;
}
