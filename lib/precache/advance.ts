import type { ChainKnowledge } from './order.js';

/**
 * Applies a newer confirmed block to what is known of its chain. Returns the
 * roots whose work is now stale (consumed by this block or an earlier one),
 * and the new knowledge: the block is the confirmed frontier and the root of
 * the account's next block.
 */
export function advance(
  block: { readonly hash: string; readonly consumed: string; readonly height?: number },
  known: ChainKnowledge | undefined,
): { stale: string[]; known: ChainKnowledge } {
  const stale = new Set([block.consumed]);
  if (known?.confirmed !== undefined) stale.add(known.confirmed);
  stale.delete(block.hash);
  // Without a sideband height, the successor of a block of known height is one higher.
  const height = block.height ?? (known?.height !== undefined && block.consumed === known.confirmed ? known.height + 1 : undefined);
  return {
    stale: [...stale],
    known: { confirmed: block.hash, frontier: block.hash, ...(height === undefined ? {} : { height }) },
  };
}
