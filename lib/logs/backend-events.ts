import type { Logger } from 'pino';
import type { CircuitBreaker } from '../engine/breaker.js';
import { BackendConfigError } from '../errors.js';
import type { Telemetry } from '../telemetry/events.js';

/**
 * Log lines for backend outcomes and circuits. A failure is one warning per
 * request, but a rejected credential is one error line until the backend
 * works again: it repeats on every probe, and an operator needs to read it
 * once, not per request. A circuit says when it opens and when it closes
 * again; the probes in between are debug lines.
 */
export function logBackendEvents(events: Telemetry, logger: Logger, breakers: ReadonlyMap<string, CircuitBreaker>): void {
  const misconfigured = new Set<string>();
  events.on('backend', (e) => {
    if (e.outcome === 'won') misconfigured.delete(e.backend);
    if (e.outcome !== 'failed' && e.outcome !== 'invalid') return;
    if (e.error instanceof BackendConfigError) {
      if (misconfigured.has(e.backend)) return;
      misconfigured.add(e.backend);
      const retryIn = Math.round((breakers.get(e.backend)?.retryIn ?? 0) / 1000);
      logger.error(
        { backend: e.backend, key: e.error.key, retryInSeconds: retryIn },
        `backend configuration error: ${e.error.message}; skipping ${e.backend} for ${retryIn}s between probes`,
      );
      return;
    }
    logger.warn({ backend: e.backend, outcome: e.outcome, err: e.error instanceof Error ? e.error.message : e.error }, 'backend failed');
  });
  events.on('breaker', (e) => {
    if (e.state === 'open' && e.from === 'closed') {
      const retryIn = Math.round((breakers.get(e.backend)?.retryIn ?? 0) / 1000);
      logger.warn({ backend: e.backend, retryInSeconds: retryIn }, 'backend circuit open: skipped until a probe succeeds');
    } else if (e.state === 'closed') {
      logger.info({ backend: e.backend }, 'backend circuit closed: it answers again');
    } else {
      logger.debug({ backend: e.backend, state: e.state, from: e.from }, 'backend circuit');
    }
  });
  // Idle probes: a refused credential is logged once, as above; a failed probe only at debug (one per interval).
  const failing = new Set<string>();
  events.on('probe', (e) => {
    if (e.ok) {
      misconfigured.delete(e.backend);
      if (failing.delete(e.backend)) logger.info({ backend: e.backend }, 'backend probe passed again');
      return;
    }
    if (e.error instanceof BackendConfigError) {
      if (misconfigured.has(e.backend)) return;
      misconfigured.add(e.backend);
      logger.error({ backend: e.backend, key: e.error.key }, `backend configuration error: ${e.error.message} (found by an idle probe)`);
      return;
    }
    const err = e.error instanceof Error ? e.error.message : String(e.error);
    if (failing.has(e.backend)) logger.debug({ backend: e.backend, err }, 'backend probe failed');
    else logger.warn({ backend: e.backend, err }, 'backend probe failed');
    failing.add(e.backend);
  });
}
