import type { Backend, WorkJob } from '../backends/types.js';
import { BackendConfigError, CancelledError, InvalidWorkError, isAbortError, Message, NoBackendError, TimeoutError } from '../errors.js';
import { workValue } from '../generator/work-value.js';
import type { SignalLike } from '../net/abort.js';
import type { Telemetry } from '../telemetry/events.js';
import type { CircuitBreaker } from './breaker.js';

export interface Tier {
  readonly backends: readonly Backend[];
  readonly hedgeAfter?: number;
}

export interface AttemptWin {
  readonly work: bigint;
  readonly value: bigint;
  readonly backend: string;
}

export interface AttemptContext {
  readonly tiers: readonly Tier[];
  readonly breakers: ReadonlyMap<string, CircuitBreaker>;
  readonly events: Telemetry;
  readonly now: () => number;
}

/** What stops an attempt: the engine's JobAbort, or an AbortController. */
export interface AttemptAbort {
  readonly signal: SignalLike;
  abort(reason?: unknown): void;
}

/** Shared abort reason for losers: made once, since an Error per request costs a stack capture. */
const SETTLED = new CancelledError('Cancelled: another backend answered or the job ended');

interface TierState {
  started: boolean;
  pending: number;
  hedgeTimer?: NodeJS.Timeout;
  /** Backends of this tier still working, and whether the breaker has been told of their silence. */
  readonly silent: Map<Backend, { readonly breaker: CircuitBreaker | undefined; charged: boolean }>;
}

/** Abort reason for an attempt whose request deadline (work.timeout) passed. */
export const DEADLINE = new TimeoutError('Timeout: the request deadline passed');

/**
 * One pass over the tier chain for one root at one target. Tiers start in
 * order; a tier's backends race; a tier that is still silent after its
 * `hedgeAfter` starts the next one as well, and a tier whose backends all
 * failed hands over at once. Every result is validated here, the one gate,
 * before it can win; backends hand back what they got.
 *
 * The attempt settles exactly once: with the first valid work, or with an
 * error when every tier has failed. Aborting `controller` stops every
 * backend; the attempt aborts it itself (with SETTLED) once it has settled
 * while backends still run. One controller serves both ways, and the
 * engine's is a JobAbort (lib/net/abort.ts), not an AbortController: an
 * AbortSignal costs more CPU to make than the rest of an attempt (issue 12).
 */
export function runAttempt(
  ctx: AttemptContext,
  job: { root: string; rootBytes: Uint8Array; target: bigint; account?: string; priority?: 'demand' | 'precache' },
  controller: AttemptAbort,
): Promise<AttemptWin> {
  const signal = controller.signal;
  return new Promise<AttemptWin>((resolve, reject) => {
    const tiers: TierState[] = ctx.tiers.map(() => ({ started: false, pending: 0, silent: new Map() }));
    const failures: string[] = [];
    let settled = false;
    let running = 0;

    // The last work judged: a backend that asked `accepts` (the hub) hands back that same work, and
    // judging it again would hash it twice.
    let judgedWork = -1n;
    let judgedValue = 0n;
    /** The one gate for work validity in powgate: every backend's answer passes here, and nowhere else. */
    const valueIfValid = (work: bigint): bigint | undefined => {
      if (work !== judgedWork) {
        judgedValue = workValue(job.rootBytes, work);
        judgedWork = work;
      }
      return judgedValue >= job.target ? judgedValue : undefined;
    };

    const workJob: WorkJob = {
      root: job.root,
      rootBytes: job.rootBytes,
      target: job.target,
      ...(job.account === undefined ? {} : { account: job.account }),
      ...(job.priority === undefined ? {} : { priority: job.priority }),
      signal,
      accepts: (work) => valueIfValid(work) !== undefined,
    };

    const finish = (): void => {
      settled = true;
      for (const tier of tiers) clearTimeout(tier.hedgeTimer);
      signal.removeEventListener('abort', onAbort);
      if (running > 0 && !signal.aborted) controller.abort(SETTLED);
    };

    /**
     * A backend with no answer by its tier's hedge or by the request deadline
     * has failed this request, as far as its breaker is concerned: a peer that
     * hangs without a timeout of its own must open its circuit too.
     */
    const chargeSilent = (tier: TierState): void => {
      for (const silent of tier.silent.values()) {
        if (silent.charged) continue;
        silent.charged = true;
        silent.breaker?.failure();
      }
    };

    const onAbort = (): void => {
      if (settled) return;
      if (signal.reason === DEADLINE) for (const tier of tiers) chargeSilent(tier);
      finish();
      reject(signal.reason instanceof Error ? signal.reason : new CancelledError());
    };
    signal.addEventListener('abort', onAbort, { once: true });

    const startTier = (index: number): void => {
      if (settled) return;
      const tier = tiers[index];
      const config = ctx.tiers[index];
      if (tier === undefined || config === undefined || tier.started) return;
      tier.started = true;
      for (const backend of config.backends) {
        if (!backend.supports(job.target)) {
          ctx.events.emit('backend', { backend: backend.name, tier: index, outcome: 'unsupported', seconds: 0 });
          continue;
        }
        const breaker = ctx.breakers.get(backend.name);
        if (breaker !== undefined && !breaker.tryAcquire()) {
          failures.push(`${backend.name}: circuit open`);
          ctx.events.emit('backend', { backend: backend.name, tier: index, outcome: 'circuit_open', seconds: 0 });
          continue;
        }
        tier.pending++;
        launch(backend, index, breaker);
      }
      if (tier.pending === 0) {
        tierDone(index);
        return;
      }
      if (config.hedgeAfter !== undefined && index + 1 < tiers.length) {
        tier.hedgeTimer = setTimeout(() => {
          chargeSilent(tier);
          startTier(index + 1);
        }, config.hedgeAfter);
        tier.hedgeTimer.unref();
      }
    };

    const launch = (backend: Backend, tierIndex: number, breaker: CircuitBreaker | undefined): void => {
      const started = ctx.now();
      const seconds = (): number => (ctx.now() - started) / 1000;
      const silence = { breaker, charged: false };
      tiers[tierIndex]?.silent.set(backend, silence);
      running++;
      let promise: Promise<bigint>;
      try {
        promise = backend.generate(workJob);
      } catch (err) {
        promise = Promise.reject(err);
      }
      promise.then(
        (work) => {
          running--;
          tiers[tierIndex]?.silent.delete(backend);
          if (settled) {
            breaker?.release();
            ctx.events.emit('backend', { backend: backend.name, tier: tierIndex, outcome: 'lost', seconds: seconds() });
            return;
          }
          const value = valueIfValid(work);
          if (value !== undefined) {
            breaker?.success();
            ctx.events.emit('backend', { backend: backend.name, tier: tierIndex, outcome: 'won', seconds: seconds() });
            finish();
            resolve({ work, value, backend: backend.name });
            return;
          }
          if (!silence.charged) breaker?.failure();
          failures.push(`${backend.name}: invalid work`);
          ctx.events.emit('backend', {
            backend: backend.name,
            tier: tierIndex,
            outcome: 'invalid',
            seconds: seconds(),
            error: new InvalidWorkError(`work below target from ${backend.name}`),
          });
          backendDone(tierIndex);
        },
        (err: unknown) => {
          running--;
          tiers[tierIndex]?.silent.delete(backend);
          if (settled || (signal.aborted && isAbortError(err))) {
            breaker?.release();
            ctx.events.emit('backend', { backend: backend.name, tier: tierIndex, outcome: 'lost', seconds: seconds() });
            return;
          }
          if (err instanceof BackendConfigError) breaker?.trip();
          else if (!silence.charged) breaker?.failure();
          failures.push(`${backend.name}: ${describe(err)}`);
          ctx.events.emit('backend', {
            backend: backend.name,
            tier: tierIndex,
            outcome: 'failed',
            seconds: seconds(),
            error: err,
          });
          backendDone(tierIndex);
        },
      );
    };

    const backendDone = (index: number): void => {
      const tier = tiers[index];
      if (tier === undefined) return;
      tier.pending--;
      if (tier.pending === 0) tierDone(index);
    };

    const tierDone = (index: number): void => {
      const tier = tiers[index];
      if (tier !== undefined) clearTimeout(tier.hedgeTimer);
      if (settled) return;
      // Hand over at once: the next tier may already run because of hedging.
      startTier(index + 1);
      const allStarted = tiers.every((t) => t.started);
      const nonePending = tiers.every((t) => t.pending === 0);
      if (allStarted && nonePending && !settled) {
        finish();
        const detail = failures.length > 0 ? failures.join('; ') : Message.noBackendServes;
        reject(new NoBackendError(Message.generationFailed(detail)));
      }
    };

    if (signal.aborted) {
      onAbort();
      return;
    }
    startTier(0);
  });
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
