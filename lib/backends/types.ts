import type { SignalLike } from '../net/abort.js';

/**
 * The one interface every work source implements. The engine owns validation,
 * racing, hedging and circuit breaking; a backend only turns a job into work
 * and hands back what it got.
 */
export interface WorkJob {
  /** 64 upper-case hex characters. */
  readonly root: string;
  /** The 32 root bytes, decoded once per job. */
  readonly rootBytes: Uint8Array;
  /** The minimum work value the job needs. */
  readonly target: bigint;
  /** Account the block belongs to (`nano_…`/`ban_…`), when the client sent one. */
  readonly account?: string;
  /** `precache` for work made ahead of time (nobody waits on it yet); unset means a client waits. */
  readonly priority?: 'demand' | 'precache';
  /**
   * Aborted when the job is won elsewhere, cancelled, or past its deadline. Not
   * always an AbortSignal (the engine's is lighter, see lib/net/abort.ts):
   * `toAbortSignal` gives one where Node's APIs need it.
   */
  readonly signal: SignalLike;
  /**
   * The engine's one validity gate for this job (work value at least the
   * target). A backend never judges work itself; one that races sources of
   * its own (several rpc URLs) asks this only to know whether its race is
   * won, and hands back what it got when nothing passed.
   */
  readonly accepts: (work: bigint) => boolean;
}

export interface Backend {
  /** The name from the config (`backends.<name>`), used in metrics, logs and `X-Powgate-Source`. */
  readonly name: string;
  /** The backend type (`rpc`, `local`, ...). */
  readonly type: string;
  /**
   * Whether this backend can serve `target` at all. A backend that cannot is
   * skipped (outcome `unsupported`, not failed): DPoW only serves the Nano base, BoomPoW at most 64x.
   */
  supports(target: bigint): boolean;
  /**
   * Resolves with the work nonce the source gave, unjudged: the engine
   * validates it, and counts work below the target as `invalid`. Rejects with
   * a PowgateError only for a transport-level failure (no answer, an answer
   * that does not parse or has no work, the upstream's own error), or with an AbortError-like error
   * when `job.signal` aborts. Must stop all its own work promptly on abort.
   */
  generate(job: WorkJob): Promise<bigint>;
  /**
   * Start-up work that must finish before the backend serves, awaited once by
   * the composition root before it listens (the local backend opens its GPU
   * here and logs how that went). A rejection stops start-up. Calling it again
   * answers the first call's promise.
   */
  start?(logger: StartLogger): Promise<void>;
  /**
   * A cheap health check that spends nobody's work (rpc: work_validate of a
   * fixed vector; DPoW: a request its server rejects before broadcasting;
   * BoomPoW: its stats query). Resolves when the backend answers as it
   * should; rejects otherwise (a BackendConfigError for refused credentials).
   * Run while the backend is idle, so the circuit and /readyz follow it
   * without traffic. Must stop promptly when `signal` aborts.
   */
  probe?(signal: AbortSignal): Promise<void>;
  /** Releases sockets, workers and timers. */
  close(): Promise<void>;
  /** A backend that hashes in this process: its threads and nonces tried so far, for hash-rate figures. */
  readonly generator?: GeneratorFigures;
  /**
   * Health beyond the circuit breaker, for /readyz and the dashboard: e.g. a
   * rejected api key (`config_error`) or every socket down. Never a secret.
   */
  status?(): BackendStatus;
}

export interface BackendStatus {
  readonly state: 'ok' | 'degraded' | 'config_error' | 'down';
  /** One line for operators; must not contain credentials. */
  readonly detail?: string;
}

/** The logger methods a backend's start-up uses (pino's Logger has them). */
export interface StartLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  debug(fields: object, message: string): void;
}

export interface GeneratorFigures {
  readonly threads: number;
  hashes(): number;
}
