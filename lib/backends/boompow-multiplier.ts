const U64_MAX = 0xffffffffffffffffn;

/** The difficulty BoomPoW's `difficultyMultiplier` is relative to: every Banano block, a Nano receive. */
export const BOOMPOW_BASE = 0xfffffe0000000000n;
/** BoomPoW clamps larger multipliers to this without saying so. */
export const BOOMPOW_MAX_MULTIPLIER = 64;

/** The threshold BoomPoW's workers are held to for integer multiplier `m` (its own formula, in u64). */
export function boompowThreshold(multiplier: number, base: bigint = BOOMPOW_BASE): bigint {
  return U64_MAX - (U64_MAX - base) / BigInt(multiplier);
}

/**
 * The `difficultyMultiplier` to ask for so that BoomPoW's work meets `target`:
 * the smallest integer whose threshold reaches it. Truncating, as other
 * clients do, asks for too little whenever the target is not an exact
 * multiple. At or below the base that is 1. Above 64x it is undefined: BoomPoW
 * would clamp to 64 and return work that fails the target, so it is skipped.
 */
export function boompowMultiplier(target: bigint, base: bigint = BOOMPOW_BASE): number | undefined {
  // threshold(k) >= target  <=>  floor(span / k) <= U64_MAX - target  <=>  k > span / (U64_MAX - target + 1)
  const span = U64_MAX - base;
  const multiplier = span / (U64_MAX - target + 1n) + 1n;
  return multiplier > BigInt(BOOMPOW_MAX_MULTIPLIER) ? undefined : Number(multiplier);
}
