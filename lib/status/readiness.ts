import type { BackendStatus } from '../backends/types.js';
import type { CircuitState, Readiness } from './types.js';

export interface BackendView {
  readonly name: string;
  readonly circuit: CircuitState;
  /** Ms until an open circuit lets a probe through. */
  readonly retryIn: number;
  readonly health?: BackendStatus;
}

export interface ReadinessInput {
  readonly configLoaded: boolean;
  /** Backends by tier, in chain order. */
  readonly tiers: ReadonlyArray<readonly BackendView[]>;
  readonly cacheKind: string;
  readonly cacheReachable: boolean;
}

/** A backend the engine would try now: circuit not open, and not reporting itself unusable. */
export function usable(backend: BackendView): boolean {
  if (backend.circuit === 'open') return false;
  return backend.health?.state !== 'config_error' && backend.health?.state !== 'down';
}

/**
 * Ready when the config is loaded, some tier has a backend the engine would
 * try now, and the cache store answers. A half-open circuit counts as
 * usable: the next request is its probe.
 */
export function assessReadiness(input: ReadinessInput): Readiness {
  const reasons: string[] = [];
  if (!input.configLoaded) reasons.push('configuration not loaded');
  const backends = input.tiers.some((tier) => tier.some(usable));
  if (!backends) {
    const why = input.tiers.flat().map((b) => `${b.name}: ${unusableReason(b)}`);
    reasons.push(`no backend can take work (${why.join('; ') || 'none configured'})`);
  }
  if (!input.cacheReachable) reasons.push(`cache (${input.cacheKind}) does not answer`);
  return {
    ready: reasons.length === 0,
    checks: { config: input.configLoaded, backends, cache: input.cacheReachable },
    reasons,
  };
}

function unusableReason(backend: BackendView): string {
  if (backend.circuit === 'open') return `circuit open, next probe in ${(backend.retryIn / 1000).toFixed(1)}s`;
  const health = backend.health;
  if (health === undefined) return 'unusable';
  return health.detail === undefined ? health.state : `${health.state}: ${health.detail}`;
}
