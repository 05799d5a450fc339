import type { BackendStatus } from '../backends/types.js';
import type { CircuitState, Readiness } from './types.js';

export interface BackendView {
  readonly name: string;
  readonly circuit: CircuitState;
  /** Ms until an open circuit lets a probe through. */
  readonly retryIn: number;
  readonly health?: BackendStatus;
  /** Idle probes watch it: a half-open circuit then waits for a passing probe. */
  readonly probed?: boolean;
}

export interface ReadinessInput {
  readonly configLoaded: boolean;
  /** Backends by tier, in chain order. */
  readonly tiers: ReadonlyArray<readonly BackendView[]>;
  readonly cacheKind: string;
  readonly cacheReachable: boolean;
}

/**
 * A backend the engine would try now: circuit not open, and not reporting
 * itself unusable. Half-open is usable only for a backend nobody probes (the
 * next request is its probe); a probed one is usable again once a probe
 * passes, which closes its circuit.
 */
export function usable(backend: BackendView): boolean {
  if (backend.circuit === 'open') return false;
  if (backend.circuit === 'half_open' && backend.probed === true) return false;
  return backend.health?.state !== 'config_error' && backend.health?.state !== 'down';
}

/**
 * Ready when the config is loaded and some tier has a backend the engine would
 * try now. A cache store that does not answer only degrades the instance: the
 * cache is best-effort (every lookup is served as a miss), and a shared Redis
 * going down must not take every instance out of its load balancer at once.
 */
export function assessReadiness(input: ReadinessInput): Readiness {
  const reasons: string[] = [];
  const degraded: string[] = [];
  if (!input.configLoaded) reasons.push('configuration not loaded');
  const backends = input.tiers.some((tier) => tier.some(usable));
  if (!backends) {
    const why = input.tiers.flat().map((b) => `${b.name}: ${unusableReason(b)}`);
    reasons.push(`no backend can take work (${why.join('; ') || 'none configured'})`);
  }
  if (!input.cacheReachable) degraded.push(`cache (${input.cacheKind}) does not answer: every lookup is a miss`);
  return {
    ready: reasons.length === 0,
    degraded: degraded.length > 0,
    checks: { config: input.configLoaded, backends, cache: input.cacheReachable },
    reasons,
    degradedReasons: degraded,
  };
}

function unusableReason(backend: BackendView): string {
  if (backend.circuit === 'open') return `circuit open, next probe in ${(backend.retryIn / 1000).toFixed(1)}s`;
  if (backend.circuit === 'half_open') return 'circuit half-open, no probe has passed yet';
  const health = backend.health;
  if (health === undefined) return 'unusable';
  return health.detail === undefined ? health.state : `${health.state}: ${health.detail}`;
}
