/** What every generator (CPU pool, GPU, its worker-thread front) checks before taking a job. */

const U64_MAX = (1n << 64n) - 1n;

/** The error an aborted job rejects with: the signal's reason when it is an Error. */
export function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new DOMException('Aborted', 'AbortError');
}

/** Why a job cannot start (already aborted, bad root, target outside u64), or undefined. */
export function jobArgumentError(root: Uint8Array, target: bigint, signal: AbortSignal): Error | undefined {
  if (signal.aborted) return abortReason(signal);
  if (root.length !== 32) return new RangeError(`root must be 32 bytes, got ${root.length}`);
  if (target < 0n || target > U64_MAX) return new RangeError(`target out of u64 range: ${target}`);
  return undefined;
}
