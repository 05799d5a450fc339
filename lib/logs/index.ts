import type { Logger } from 'pino';
import type { CircuitBreaker } from '../engine/breaker.js';
import type { Telemetry, TelemetryEvents } from '../telemetry/events.js';
import { logBackendEvents } from './backend-events.js';
import { rateLimited } from './rate-limited.js';

/** At most one 'cache unavailable' warning this often (ms); the others are counted in its `suppressed`. */
const CACHE_WARN_INTERVAL = 10_000;

/** Every log line that follows an event: the logs are one more subscriber of the telemetry stream. */
export function logEvents(events: Telemetry, logger: Logger, breakers: ReadonlyMap<string, CircuitBreaker>): void {
  logBackendEvents(events, logger, breakers);
  // Every failed cache operation is counted (figures); during an outage that is
  // one per read and write, so the log says it once per CACHE_WARN_INTERVAL.
  const warnCache = rateLimited<unknown>(CACHE_WARN_INTERVAL, (err, suppressed) =>
    logger.warn({ err: err instanceof Error ? err.message : String(err), ...(suppressed > 0 ? { suppressed } : {}) }, 'cache unavailable; serving as misses'),
  );
  events.on('cache', (e) => {
    if (e.outcome === 'error') warnCache(e.error);
  });
  events.on('websocket', (e) => {
    if (e.state === 'connected') logger.info({ accounts: e.accounts }, 'node websocket subscribed');
    else if (e.error !== undefined) logger.warn({ state: e.state, err: e.error }, 'node websocket trouble');
    else if (e.state === 'disconnected') logger.warn('node websocket disconnected; reconnecting');
  });
  // Workers' results: each at debug; invalid ones (a broken or hostile worker) at most once per interval at info.
  const noteInvalid = rateLimited<TelemetryEvents['hubResult']>(CACHE_WARN_INTERVAL, (e, suppressed) =>
    logger.info({ hub: e.backend, account: e.account, reason: e.reason, ...(suppressed > 0 ? { suppressed } : {}) }, 'hub: invalid worker result'),
  );
  events.on('hubResult', (e) => {
    if (e.outcome === 'invalid') noteInvalid(e);
    if (logger.isLevelEnabled('debug')) {
      logger.debug(
        { hub: e.backend, type: e.type, outcome: e.outcome, account: e.account, root: e.root, seconds: e.seconds, reason: e.reason },
        'hub: worker result',
      );
    }
  });
  events.on('forward', (e) => {
    if (e.outcome !== 'ok') logger.warn({ url: e.url, outcome: e.outcome, err: e.error }, 'callback forward failed');
  });
}
