/**
 * The error catalogue: every error code powgate uses and every message a
 * client can read from powgate itself, in one place. README.md documents each
 * (test/errors.test.ts keeps the two in step, and fails on an entry no code
 * uses). Node error strings (`NodeError`) are part of the public API: they
 * are copied verbatim from nano-node and never reworded.
 */
export const NodeError = {
  UnableToParseJson: 'Unable to parse JSON',
  OnlyPost: 'Can only POST requests',
  MaxJsonDepth: 'Max JSON depth exceeded',
  InvalidBlockHash: 'Invalid block hash',
  BadDifficulty: 'Bad difficulty',
  BadMultiplier: 'Bad multiplier',
  BadWork: 'Bad work',
  BadWorkVersion: 'Bad work version',
  BadAccount: 'Bad account number',
  DifficultyLimit: 'Difficulty above config limit or below publish threshold',
  BlockInvalid: 'Block is invalid',
  RootMismatch: 'Root mismatch for block',
  WorkAlreadyEnough: 'Provided work is already enough for given difficulty',
  Cancelled: 'Cancelled',
} as const;
export type NodeErrorMessage = (typeof NodeError)[keyof typeof NodeError];

/**
 * The DPoW service API's strings (nano-dpow server at HEAD, spec
 * distributed-pow.md §1.3), answered on POST /service/ and /service_ws/:
 * copied verbatim, "Difficulty too low" for a malformed difficulty included.
 */
export const DpowError = {
  BadRequest: 'Bad request (not json)',
  Incomplete: 'Incorrect submission. Required information: user, api_key, hash',
  InvalidCredentials: 'Invalid credentials',
  MultiplierNotFloat: 'Multiplier must be a float',
  InvalidHash: 'Invalid hash',
  InvalidAccount: 'Invalid account',
  DifficultyTooLow: 'Difficulty too low',
  BadTimeout: 'Timeout must be an integer between 1 and 30',
  TimeoutReached: 'Timeout reached without work',
  unknown: (stamp: string) => `Unknown error, please report the following timestamp to the maintainers: ${stamp}`,
} as const;

/** powgate's own client-facing messages, where the node has none to copy. */
export const Message = {
  notAllowed: (action: string) => `Action '${action}' is not allowed through powgate: add it to rpc.allow to forward it to the node`,
  sensitive: (action: string) => `Action '${action}' is refused: it is a wallet, key or node-control action; add it to rpc.allow only if this port is private`,
  noNode: (action: string) => `Action '${action}' needs a node: set node.rpc (or --node-rpc) to forward it`,
  nodeUnreachable: (action: string) => `Node RPC did not answer for '${action}': check node.rpc`,
  forwardBusy: (action: string) => `Too many requests are being forwarded to the node (rpc.max_forwards): '${action}' was not sent; retry later`,
  bodyTooLarge: (limit: number | string) => `Request body larger than ${limit} bytes (rpc.body_limit)`,
  duplicateKey: (key: string) => `Request has the key '${key}' twice in one object: the node reads the first, so powgate forwards no such body`,
  shuttingDown: 'powgate is shutting down',
  timeout: (root: string, seconds: number | string) => `Timeout: no work for ${root} within ${seconds}s`,
  generationFailed: (detail: string) => `Work generation failed: ${detail}`,
  noBackendServes: 'no backend can serve this difficulty',
  internal: 'Internal error',
  callbackForbidden: 'Callback refused: the sender is not in precache.callback_allow or lacks precache.callback_secret',
  callbackRateLimited: 'Too many callbacks: more than precache.callback_rate a second',
  callbackNotJson: 'Callback body is not JSON',
  callbackNotBlock: 'Callback body is not a node block callback: expected account, hash and block',
  databaseOpen: (where: string, detail: string) => `Cannot open the database ${where}: ${detail}`,
  databaseMigration: (component: string, version: number | string, detail: string) =>
    `Database migration ${component} step ${version} failed (rolled back): ${detail}`,
  databaseNewer: (component: string, applied: number | string, known: number | string) =>
    `Database schema of ${component} is at version ${applied}, newer than this powgate knows (${known}): run the newer powgate or restore a backup`,
  databaseStatement: (detail: string) => `Database statement failed: ${detail}`,
  databaseClosed: 'The database is closed',
  databaseTransactionOver: 'The transaction has ended: use the database, not this transaction, from here on',
  databaseNestedTransaction: 'A statement was sent to the database from inside one of its transactions: use the transaction it handed over',
  databaseUrl: (scheme: string) => `ledger.url: expected sqlite:///path, a file path or postgres://..., found a ${scheme}: URL`,
  hubApiLimit: (max: number | string) => `limit must be a whole number from 1 to ${max}`,
  hubApiAccount: 'Not an account of this network (nano_… or ban_… with a valid checksum)',
  hubApiUnknownWorker: 'The ledger has no results from this account',
  payoutsPeriod: 'The period is empty: --from must be before --to',
  payoutsPeriodOpen: (seconds: number | string) =>
    `The period has not ended (or ended less than ${seconds}s ago): results may still be written for it; plan it once it has ended`,
  payoutsAmount: 'The amount must be more than 0',
  payoutsHighFee: (rate: string) => `Fee ${rate} is above 5%: pass --allow-high-fee to plan with it`,
  payoutsOverlap: (id: string) => `The period overlaps plan ${id}: every result is paid by one plan only`,
  payoutsNoResults: 'No accepted results in the period: nothing to plan',
  payoutsUnknownPlan: (id: string) => `No payout plan ${id}`,
  payoutsSendFailed: (account: string, detail: string) =>
    `Payment to ${account} failed: ${detail}; the plan is resumable: run the same command again (payments made carry the same id and are not repeated)`,
  payoutsNoWallet: 'Sending needs payouts.wallet and payouts.source (and node.rpc); keep the wallet id in an environment variable (${VAR})',
  payoutsNodeReply: (detail: string) => `The node did not send: ${detail}`,
  databaseSqlitePath: 'ledger.url: sqlite: needs a file path (sqlite:///var/lib/powgate/powgate.db)',
  keyRequired: 'An API key is required (rpc.auth: required): send Authorization: Bearer <key>, or a "key" field in the body',
  keyInvalid: 'Invalid API key',
  serviceAction: (action: string) => `Action '${action}' is not among this service's allowed actions`,
  serviceRate: "Too many requests: over this service's rate limit (requests/s and burst); retry later",
  serviceQuota: "This service's daily quota of works is used up; it renews at 00:00 UTC",
  serviceCredits: 'This service has no credits left',
} as const;

/** Every code, with what it means; each has its own subclass below, the only way to build one. */
export const ERROR_CODES = {
  BAD_REQUEST: "a request the node would refuse; the message is the node's own string",
  CONFIG: 'bad configuration, with the key path',
  CANCELLED: 'the work was cancelled, lost a race, or powgate is shutting down',
  TIMEOUT: "the request's own deadline (work.deadline) passed",
  BACKEND_UNAVAILABLE: 'a backend could not be reached or refused the request',
  BACKEND_TIMEOUT: 'a backend gave no answer within its own timeout',
  BACKEND_CONFIG: 'an upstream refused our credentials; the backend is skipped until its longest cool-down ends',
  BAD_UPSTREAM_REPLY: 'a backend answered, but not with work (an error, or a reply that does not parse)',
  INVALID_WORK: "a backend's work is below the target",
  CACHE: 'the cache store failed; requests are served as misses',
  NO_BACKEND: 'every tier failed, or no backend can serve the difficulty',
  DATABASE: 'the ledger database (SQLite or PostgreSQL) could not be opened, migrated or used',
  PAYOUT: 'a payout plan could not be made or a payment not sent; the message says why and what to do',
} as const;
export type ErrorCode = keyof typeof ERROR_CODES;

/** Abstract: an error is built through its code's subclass, so `instanceof` and `code` always agree. */
export abstract class PowgateError extends Error {
  readonly code: ErrorCode;
  protected constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** A client request the node would refuse; `message` is the node's exact string. */
export class BadRequestError extends PowgateError {
  constructor(message: NodeErrorMessage) {
    super('BAD_REQUEST', message);
  }
}

/** Bad configuration; `path` is the key path (`backends.peers.urls[0]`). */
export class ConfigError extends PowgateError {
  readonly path: string;
  constructor(path: string, message: string) {
    super('CONFIG', path ? `${path}: ${message}` : message);
    this.path = path;
  }
}

/** Also what every abort reason inside powgate is, so `isAbortError` needs no other test. */
export class CancelledError extends PowgateError {
  constructor(message: string = NodeError.Cancelled) {
    super('CANCELLED', message);
  }
}

export class TimeoutError extends PowgateError {
  constructor(message: string) {
    super('TIMEOUT', message);
  }
}

/** The backend could not be reached or refused the request. */
export class BackendUnavailableError extends PowgateError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('BACKEND_UNAVAILABLE', message, options);
  }
}

/** The backend's own timeout passed with no answer (the request's deadline is `TimeoutError`). */
export class BackendTimeoutError extends PowgateError {
  constructor(message: string) {
    super('BACKEND_TIMEOUT', message);
  }
}

/**
 * The upstream refused our credentials (a rejected api key or token). No retry
 * can fix that until an operator acts, so the engine opens the backend's
 * circuit for its longest cool-down at once. `key` names the config key to
 * check, never its value.
 */
export class BackendConfigError extends PowgateError {
  readonly key: string;
  constructor(message: string, key: string) {
    super('BACKEND_CONFIG', message);
    this.key = key;
  }
}

/** The backend answered, but not with usable work. */
export class BadUpstreamReplyError extends PowgateError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('BAD_UPSTREAM_REPLY', message, options);
  }
}

export class InvalidWorkError extends PowgateError {
  constructor(message: string) {
    super('INVALID_WORK', message);
  }
}

export class CacheError extends PowgateError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('CACHE', message, options);
  }
}

/** Every tier failed; the message (`Message.generationFailed`) names each backend and why. */
export class NoBackendError extends PowgateError {
  constructor(message: string) {
    super('NO_BACKEND', message);
  }
}

/** The ledger's database failed: opening, a migration, or a statement. */
export class DatabaseError extends PowgateError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('DATABASE', message, options);
  }
}

/** A payout plan that cannot be made, or a payment that failed (the plan stays resumable). */
export class PayoutError extends PowgateError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('PAYOUT', message, options);
  }
}

/** True for the error an AbortSignal rejects with (DOMException AbortError or our CancelledError). */
export function isAbortError(err: unknown): boolean {
  return err instanceof CancelledError || (typeof err === 'object' && err !== null && (err as { name?: unknown }).name === 'AbortError');
}
