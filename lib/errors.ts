/**
 * One error type with stable codes. Node error strings (`NodeError`) are part
 * of the public API: they are copied verbatim from nano-node and never reworded.
 */
export const NodeError = {
  UnableToParseJson: 'Unable to parse JSON',
  UnknownCommand: 'Unknown command',
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
  WorkVersionMismatch: 'Work version mismatch for block',
  WorkAlreadyEnough: 'Provided work is already enough for given difficulty',
  Cancelled: 'Cancelled',
} as const;
export type NodeErrorMessage = (typeof NodeError)[keyof typeof NodeError];

export type ErrorCode =
  | 'BAD_REQUEST'
  | 'CONFIG'
  | 'CANCELLED'
  | 'TIMEOUT'
  | 'BACKEND_UNAVAILABLE'
  | 'BACKEND_TIMEOUT'
  | 'BACKEND_CONFIG'
  | 'BAD_UPSTREAM_REPLY'
  | 'INVALID_WORK'
  | 'CACHE'
  | 'NO_BACKEND'
  | 'FORBIDDEN'
  | 'UPSTREAM';

export class PowgateError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** A client request the node would refuse; `message` is the node's exact string. */
export class BadRequestError extends PowgateError {
  constructor(message: string) {
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

/** True for the error an AbortSignal rejects with (DOMException AbortError or our CancelledError). */
export function isAbortError(err: unknown): boolean {
  return (
    err instanceof CancelledError ||
    (typeof err === 'object' && err !== null && (err as { name?: unknown }).name === 'AbortError')
  );
}
