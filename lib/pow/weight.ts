/**
 * How much a worker's result weighs: the expected hashes of the difficulty it
 * was asked for, relative to the network's receive threshold, in integers.
 *
 * Expected hashes to meet difficulty d are 2^64 / (2^64 - d), so relative to
 * the receive threshold r the weight is (2^64 - r) / (2^64 - d): 1 for a
 * receive-level work, 64 for a Nano send-level one (fffffff800000000 against
 * fffffe0000000000), below 1 for an easier one. The ratio is rational, so it
 * is kept in fixed point: micro-units (WEIGHT_SCALE per receive-level work),
 * floored. A send is 64_000_000, a receive 1_000_000; the flooring error is
 * below one part in a million of a receive.
 *
 * Capped at MAX_WEIGHT (a billion receives): no job the RPC range check lets
 * through comes near it, and the cap keeps each stored weight, and sums of
 * millions of them, inside a signed 64-bit column.
 */
export const WEIGHT_SCALE = 1_000_000n;
export const MAX_WEIGHT = 10n ** 15n;
const TWO_POW_64 = 1n << 64n;

export function workWeight(difficulty: bigint, receiveThreshold: bigint): bigint {
  if (difficulty < 0n || difficulty >= TWO_POW_64) throw new RangeError(`difficulty out of range: ${difficulty}`);
  const weight = ((TWO_POW_64 - receiveThreshold) * WEIGHT_SCALE) / (TWO_POW_64 - difficulty);
  return weight > MAX_WEIGHT ? MAX_WEIGHT : weight;
}

/** A weight in receive-level works, as text with up to 6 decimals (`64`, `0.5`, `1.000001`): for display only. */
export function formatWeight(weight: bigint): string {
  const whole = weight / WEIGHT_SCALE;
  const frac = (weight % WEIGHT_SCALE).toString().padStart(6, '0').replace(/0+$/, '');
  return frac === '' ? whole.toString() : `${whole}.${frac}`;
}
