import { setTimeout as sleep } from 'node:timers/promises';
import { BackendConfigError, BackendTimeoutError, BackendUnavailableError, BadUpstreamReplyError } from '../errors.js';
import { type BackoffOptions, backoffDelay } from '../net/backoff.js';
import { abortError, errorText } from '../net/error-text.js';
import { postJson } from '../net/post-json.js';
import type { NetworkParams } from '../pow/index.js';
import { scrubText, urlLabel, urlSecrets } from '../secrets.js';
import { BOOMPOW_BASE, boompowMultiplier } from './boompow-multiplier.js';
import { readBoompowReply } from './boompow-reply.js';
import { type Deadline, withDeadline } from './deadline.js';
import type { Backend, BackendStatus, WorkJob } from './types.js';

export interface BoompowBackendOptions {
  readonly url: string;
  /** `service:<uuid>`, sent verbatim as the Authorization header. */
  readonly token: string;
  readonly blockAward: boolean;
  /** Our deadline per job in ms, retries included. */
  readonly timeout: number;
  readonly network: NetworkParams;
  /** Pauses between retries after a `timeout` or HTTP 429. */
  readonly retry?: BackoffOptions;
}

// Through variables, never spliced into the query text: the hash is data.
const MUTATION =
  'mutation RequestWork($hash: String!, $multiplier: Int!, $award: Boolean) ' +
  '{ workGenerate(input: {hash: $hash, difficultyMultiplier: $multiplier, blockAward: $award}) }';

const DEFAULT_RETRY: BackoffOptions = { base: 500, max: 5000 };

/**
 * BoomPoW's multiplier base: fffffe0000000000 on the live networks (where it
 * is the receive threshold of both). Test networks have no BoomPoW; there it
 * scales down with their receive threshold, so fakes can serve real work.
 */
export function boompowBase(network: NetworkParams): bigint {
  return network.name === 'nano' || network.name === 'banano' ? BOOMPOW_BASE : network.receiveThreshold;
}

/**
 * BoomPoW v2: one GraphQL `workGenerate` per job. The server waits up to 30 s
 * and cannot be cancelled, so we keep our own deadline. Its cache answers
 * without checking difficulty and it clamps multipliers above 64 silently:
 * the engine checks every answer against the target.
 */
const PROBE_QUERY = JSON.stringify({ query: 'query { stats { connectedWorkers } }' });

export function createBoompowBackend(name: string, options: BoompowBackendOptions): Backend {
  const url = new URL(options.url);
  const label = urlLabel(url);
  const base = boompowBase(options.network);
  const secrets = [options.token, ...urlSecrets(url)];
  const tokenKey = `backends.${name}.token`;
  const retry = options.retry ?? DEFAULT_RETRY;
  let configError: string | undefined;
  let unreachable: string | undefined;
  let lastMiss: string | undefined;
  let closed = false;

  const generate = async (job: WorkJob): Promise<bigint> => {
    if (job.signal.aborted) throw abortError(job.signal);
    if (closed) throw new BackendUnavailableError(`backend is closed`);
    const multiplier = boompowMultiplier(job.target, base);
    if (multiplier === undefined) throw new BackendUnavailableError(`target is above BoomPoW's 64x`);
    const body = JSON.stringify({
      query: MUTATION,
      variables: { hash: job.root.toUpperCase(), multiplier, award: options.blockAward },
    });
    const deadline = withDeadline(job.signal, options.timeout);
    try {
      return await attempts(job, body, deadline);
    } finally {
      deadline.dispose();
    }
  };

  /** Asks until work, a verdict, or the deadline: `timeout` and 429 are asked again after a pause. */
  const attempts = async (job: WorkJob, body: string, deadline: Deadline): Promise<bigint> => {
    const signal = deadline.signal;
    let miss: string | undefined;
    const timedOut = (): BackendTimeoutError =>
      new BackendTimeoutError(`BoomPoW gave no work within ${options.timeout / 1000}s${miss === undefined ? '' : ` (last: ${miss})`}`);
    for (let attempt = 0; ; attempt++) {
      let res;
      try {
        res = await postJson(url, body, { signal, headers: { authorization: options.token }, maxBytes: 64 * 1024 });
      } catch (err) {
        if (job.signal.aborted) throw abortError(job.signal);
        if (deadline.expired()) throw timedOut();
        unreachable = scrubText(errorText(err), { secrets });
        throw new BackendUnavailableError(`BoomPoW ${label}: ${unreachable}`, { cause: err });
      }
      unreachable = undefined;
      const verdict = readBoompowReply(res.status, res.body);
      switch (verdict.kind) {
        case 'config':
          configError = `${verdict.detail}: check ${tokenKey}`;
          throw new BackendConfigError(`${configError}`, tokenKey);
        case 'work':
          configError = undefined;
          lastMiss = undefined;
          return verdict.work;
        case 'retry':
          miss = lastMiss = verdict.reason;
          try {
            await sleep(backoffDelay(attempt, retry), undefined, { signal });
          } catch {
            if (job.signal.aborted) throw abortError(job.signal);
            throw timedOut();
          }
          continue;
        case 'error':
          throw new BadUpstreamReplyError(`BoomPoW error: ${scrubText(verdict.message, { secrets })}`);
      }
    }
  };

  const status = (): BackendStatus => {
    if (configError !== undefined) return { state: 'config_error', detail: configError };
    if (unreachable !== undefined) return { state: 'down', detail: `BoomPoW unreachable: ${unreachable}` };
    if (lastMiss !== undefined) return { state: 'degraded', detail: `BoomPoW retrying: ${lastMiss}` };
    return { state: 'ok' };
  };

  /**
   * `query { stats { connectedWorkers } }`: needs no auth and spends no work; the token goes along
   * (it keeps the query off the per-IP rate limit), so a refused token shows here too (HTTP 403).
   */
  const probe = async (signal: AbortSignal): Promise<void> => {
    let res;
    try {
      res = await postJson(url, PROBE_QUERY, { signal, headers: { authorization: options.token }, maxBytes: 16 * 1024 });
    } catch (err) {
      if (signal.aborted) throw abortError(signal);
      unreachable = scrubText(errorText(err), { secrets });
      throw new BackendUnavailableError(`${name}: BoomPoW ${label}: ${unreachable}`, { cause: err });
    }
    unreachable = undefined;
    const verdict = readBoompowReply(res.status, res.body);
    if (verdict.kind === 'config') {
      configError = `${verdict.detail}: check ${tokenKey}`;
      throw new BackendConfigError(`${name}: ${configError}`, tokenKey);
    }
    let stats: unknown;
    try {
      stats = (JSON.parse(res.body) as { data?: { stats?: unknown } }).data?.stats;
    } catch {
      stats = undefined;
    }
    if (res.status !== 200 || typeof stats !== 'object' || stats === null) {
      throw new BadUpstreamReplyError(`${name}: BoomPoW stats query answered HTTP ${res.status} without stats`);
    }
  };

  return {
    name,
    type: 'boompow',
    supports: (target) => boompowMultiplier(target, base) !== undefined,
    generate,
    probe,
    status,
    async close(): Promise<void> {
      closed = true;
    },
  };
}
