import { maxGenerateTarget, type NetworkParams } from '../pow/index.js';

/** What the work actions need to know about the network and the operator's limits. */
export interface WorkLimits {
  readonly network: NetworkParams;
  /** Target when a request names neither difficulty nor multiplier. */
  readonly defaultDifficulty: bigint;
  /** Highest target work_generate accepts (node: 64x base). */
  readonly maxTarget: bigint;
}

export function workLimits(network: NetworkParams, options: { defaultDifficulty?: bigint; maxMultiplier: number }): WorkLimits {
  return {
    network,
    defaultDifficulty: options.defaultDifficulty ?? network.defaultDifficulty,
    maxTarget: maxGenerateTarget(network, options.maxMultiplier),
  };
}
