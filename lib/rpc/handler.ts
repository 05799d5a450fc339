import type { IncomingMessage } from 'node:http';
import type { WaitSignal, WorkRequest, WorkResult, WorkService } from '../engine/service.js';
import { Message, NodeError, PowgateError } from '../errors.js';
import { postStream } from '../net/post-json.js';
import { LOCAL_ACTIONS } from './actions.js';
import { errorBody, nodeJson, workBody } from './format.js';
import type { ForwardSlots } from './forward-slots.js';
import { judgeForward } from './gate.js';
import type { WorkLimits } from './limits.js';
import { type RpcBody, scalar } from './scalars.js';
import { parseHash, parseWorkGenerate, type WorkGenerateRequest } from './work-generate.js';
import { workValidate } from './work-validate.js';

export type RpcOutcome = 'ok' | 'error' | 'cancelled' | 'timeout' | 'refused' | 'forwarded';

export interface RpcReply {
  readonly body: string;
  /** A forwarded node answer, unread: streamed to the client as it comes (then `body` is empty). */
  readonly stream?: IncomingMessage;
  readonly outcome: RpcOutcome;
  /** Label for metrics: a work action, an allowed action, or `other` (never client-chosen text). */
  readonly action: string;
  /** Where returned work came from: `cache` or a backend name. */
  readonly source?: string;
  /** The work came from the cache, made there by a precache job. */
  readonly precached?: boolean;
}

export interface RpcHandlerOptions {
  readonly service: WorkService;
  readonly limits: WorkLimits;
  readonly allow: ReadonlySet<string>;
  readonly nodeRpc?: URL;
  readonly nodeTimeout: number;
  /** Bounds the forwards running at once. */
  readonly forwards: ForwardSlots;
  /** Errors that are not a node-style answer (bugs): logged, never shown to the client. */
  readonly onUnexpected?: (err: unknown) => void;
}

/**
 * `waitSignal` makes (on first call) the signal that aborts when the client
 * goes away; it is only asked for when a request has to wait for work. `req`
 * is the HTTP request (its headers and address), for the service gate
 * (lib/services/auth.ts) in front of the handler when rpc.auth is on.
 * A reply that is ready at once (a cache hit on the memory cache, a refusal)
 * comes back as it is, without a promise: the hot path stays synchronous.
 */
export type RpcHandler = (body: unknown, raw: string, waitSignal: () => WaitSignal, req?: IncomingMessage) => RpcReply | Promise<RpcReply>;

/** Dispatches one parsed RPC request; every failure becomes a node-style body. */
export function createRpcHandler(options: RpcHandlerOptions): RpcHandler {
  const { service, limits, allow } = options;
  const base = limits.network.base;

  const generated = (root: string, result: WorkResult): RpcReply => ({
    body: workBody(root, result.work, result.value, base),
    outcome: 'ok',
    action: 'work_generate',
    source: result.source,
    precached: result.precached === true,
  });

  const workGenerate = (body: RpcBody, waitSignal: () => WaitSignal): RpcReply | Promise<RpcReply> => {
    const request = parseWorkGenerate(body, limits);
    const result = service.answer(new RpcWorkRequest(request, waitSignal));
    if (!(result instanceof Promise)) return generated(request.root, result);
    return result.then(
      (r) => generated(request.root, r),
      (err: unknown) => failed(err, 'work_generate'),
    );
  };

  const failed = (err: unknown, action: string): RpcReply => {
    if (!(err instanceof PowgateError)) options.onUnexpected?.(err);
    return { ...failure(err), action };
  };

  const forward = async (raw: string): Promise<RpcReply> => {
    // Judged on the node's reading of the very text that goes out, not on JSON.parse's.
    const verdict = judgeForward(raw, allow);
    if (!verdict.forward) {
      const label = verdict.action !== undefined && allow.has(verdict.action) ? verdict.action : 'other';
      return { body: errorBody(verdict.message), outcome: 'refused', action: label };
    }
    const { action } = verdict;
    const label = allow.has(action) ? action : 'other';
    if (options.nodeRpc === undefined) return { body: errorBody(Message.noNode(action)), outcome: 'refused', action: label };
    const slot = options.forwards.enter();
    if (slot === undefined) return { body: errorBody(Message.forwardBusy(action)), outcome: 'refused', action: label };
    try {
      // The body goes out as the client wrote it; the answer comes back unchanged, streamed, never held whole.
      const stream = await postStream(options.nodeRpc, raw, options.nodeTimeout);
      // The slot is held until the answer has been passed on, or dropped.
      stream.once('close', slot.leave);
      return { body: '', stream, outcome: 'forwarded', action: label };
    } catch {
      slot.leave();
      return { body: errorBody(Message.nodeUnreachable(action)), outcome: 'error', action: label };
    }
  };

  return (parsed, raw, waitSignal) => {
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      return { body: errorBody(NodeError.UnableToParseJson), outcome: 'error', action: 'other' };
    }
    const body = parsed as RpcBody;
    const action = scalar(body, 'action');
    if (action === undefined) return { body: errorBody(NodeError.UnableToParseJson), outcome: 'error', action: 'other' };
    const label = LOCAL_ACTIONS.has(action) ? action : 'other';
    try {
      switch (action) {
        case 'work_generate':
          return workGenerate(body, waitSignal);
        case 'work_cancel':
          service.cancel(parseHash(body));
          return { body: nodeJson({ success: '' }), outcome: 'ok', action };
        case 'work_validate':
          return { body: workValidate(body, limits), outcome: 'ok', action };
        default:
          return forward(raw).catch((err: unknown) => failed(err, label));
      }
    } catch (err) {
      return failed(err, label);
    }
  };
}

/**
 * A client's work request, whose wait signal is made only if it is read (on a
 * cache miss). A class, so that every request has one shape: an object
 * literal with a getter got a hidden class of its own per request, which made
 * every property read of it megamorphic and kept the scavenger busy copying
 * the maps (issue 12).
 */
class RpcWorkRequest implements WorkRequest {
  readonly root: string;
  readonly target: bigint;
  readonly account: string | undefined;
  readonly #waitSignal: () => WaitSignal;

  constructor(request: WorkGenerateRequest, waitSignal: () => WaitSignal) {
    this.root = request.root;
    this.target = request.target;
    this.account = request.account;
    this.#waitSignal = waitSignal;
  }

  get signal(): WaitSignal {
    return this.#waitSignal();
  }
}

function failure(err: unknown): { body: string; outcome: RpcOutcome } {
  if (err instanceof PowgateError) {
    switch (err.code) {
      case 'CANCELLED':
        return { body: errorBody(NodeError.Cancelled), outcome: 'cancelled' };
      case 'TIMEOUT':
        return { body: errorBody(err.message), outcome: 'timeout' };
      default:
        return { body: errorBody(err.message), outcome: 'error' };
    }
  }
  // Unexpected: never leak internals to the client.
  return { body: errorBody(Message.internal), outcome: 'error' };
}
