/** What precache knows of an account's chain. */
export interface ChainKnowledge {
  /** The newest confirmed block seen. */
  readonly confirmed?: string;
  /** Its sideband height, when known. */
  readonly height?: number;
  /** The root of the account's next block: `confirmed`, or the root a client asked work for. */
  readonly frontier?: string;
}

/**
 * How a confirmed block relates to what is known of its chain:
 * `newer` (it moves the frontier), `same` (already applied), `older` (late or
 * out of order), or `unknown` (nothing links it to what is known, e.g. a
 * missed confirmation without a height: ask the node before trusting it).
 *
 * `consumed` is the root the block used: its previous, or the account's key
 * for an open block.
 */
export function order(
  block: { readonly hash: string; readonly consumed: string; readonly height?: number; readonly open: boolean },
  known: ChainKnowledge | undefined,
): 'newer' | 'same' | 'older' | 'unknown' {
  if (known === undefined) return 'newer';
  if (block.hash === known.confirmed) return 'same';
  if (block.height !== undefined && known.height !== undefined) return block.height > known.height ? 'newer' : 'older';
  // An open block is every chain's first: nothing confirmed can come before it.
  if (block.open && known.confirmed !== undefined) return 'older';
  if (known.confirmed === undefined && known.frontier === undefined) return 'newer';
  // The block builds on what is known, or confirms the block a client already asked work after.
  if (block.consumed === known.confirmed || block.consumed === known.frontier || block.hash === known.frontier) return 'newer';
  return 'unknown';
}
