import type { IncomingMessage } from 'node:http';
import { Message } from '../errors.js';
import { addressList, onList } from '../net/addresses.js';
import { LOCAL_ACTIONS, NODE_KEY_ACTIONS } from '../rpc/actions.js';
import { errorBody } from '../rpc/format.js';
import type { RpcHandler, RpcReply } from '../rpc/handler.js';
import { readAsNode } from '../rpc/node-reading.js';
import { scalar } from '../rpc/scalars.js';
import type { ServiceDirectory } from './directory.js';
import { refusalMessage } from './refusals.js';

export interface ServiceAuthOptions {
  readonly mode: 'optional' | 'required';
  /** Addresses and subnets whose requests need no key, and are neither checked nor counted. */
  readonly exempt: readonly string[];
  readonly directory: ServiceDirectory;
}

/** What the gate counts beside each service's own counts. */
export interface AuthCounts {
  /** Requests refused for want of a key (rpc.auth: required); unknown keys are the directory's count. */
  keyless: number;
}

/**
 * The service gate in front of the RPC handler when rpc.auth is on (with
 * `off` there is no gate at all: the handler is used as it is). The key comes
 * from `Authorization: Bearer …`, or else the body's `key` field, read as the
 * rest of powgate reads that body: a body with `key` twice is refused (the
 * node would read the first, JSON.parse the last), and actions whose own
 * `key` the node reads (account_get, wallet_add…) never give theirs up as an
 * API key. Nothing is taken out of the body: a forwarded one reaches the node
 * exactly as written. The request then goes through the service's limits
 * (lib/services/directory.ts), and the work it gets is counted against it.
 */
export function withServiceAuth(handler: RpcHandler, options: ServiceAuthOptions, counts: AuthCounts): RpcHandler {
  const { directory } = options;
  const exempt = options.exempt.length === 0 ? undefined : addressList(options.exempt);
  const required = options.mode === 'required';

  return async (parsed, raw, waitSignal, req) => {
    if (exempt !== undefined && onList(exempt, req?.socket.remoteAddress)) return handler(parsed, raw, waitSignal, req);
    // Not an object, or no action: the handler answers as the node would.
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return handler(parsed, raw, waitSignal, req);
    const body = parsed as Record<string, unknown>;
    // The action as the handler behind reads it (scalar(): `5` and `"5"` alike), so both judge the same request.
    const action = scalar(body, 'action');
    if (action === undefined) return handler(parsed, raw, waitSignal, req);
    const label = LOCAL_ACTIONS.has(action) ? action : 'other';

    const found = presentedKey(req, body, raw, action);
    if (found === 'duplicate') return refused(Message.duplicateKey('key'), label);
    if (found === undefined) {
      if (!required) return handler(parsed, raw, waitSignal, req);
      counts.keyless++;
      return refused(Message.keyRequired, label);
    }
    const entry = directory.byKey(found);
    if (entry === undefined) return refused(Message.keyInvalid, label);
    const admission = directory.admit(entry, action, action === 'work_generate');
    if (!admission.ok) return refused(refusalMessage(admission.refusal, action), label);
    if (admission.wait > 0) await new Promise((resolve) => setTimeout(resolve, admission.wait));
    let reply: RpcReply | undefined;
    try {
      reply = await handler(parsed, raw, waitSignal, req);
      return reply;
    } finally {
      const source = reply?.outcome === 'ok' ? reply.source : undefined;
      if (action === 'work_generate') admission.ticket.done(source, reply?.precached === true);
      else if (source !== undefined) directory.served(entry, source, reply?.precached === true);
    }
  };
}

function refused(message: string, action: string): RpcReply {
  return { body: errorBody(message), outcome: 'refused', action };
}

/**
 * The key a request presents: the Bearer token, else the body's `key` (a
 * string) unless the action is one whose `key` the node reads. `duplicate`
 * when the body has `key` twice at its top level.
 */
function presentedKey(req: IncomingMessage | undefined, body: Record<string, unknown>, raw: string, action: string): string | 'duplicate' | undefined {
  const header = req?.headers.authorization;
  if (typeof header === 'string' && header.length > 7 && header.slice(0, 7).toLowerCase() === 'bearer ') return header.slice(7).trim();
  if (NODE_KEY_ACTIONS.has(action) || !Object.hasOwn(body, 'key')) return undefined;
  if (keyTwice(raw)) return 'duplicate';
  // A `key` that is not text is no key of any service: refused as invalid, not taken for absent.
  return typeof body.key === 'string' ? body.key : '';
}

/**
 * Whether the body's top level has `key` twice. Cheap when it cannot: with no
 * backslash every key is written as it reads, so one `"key"` in the text is
 * at most one such key anywhere; otherwise the node's own reading decides.
 */
function keyTwice(raw: string): boolean {
  const first = raw.indexOf('"key"');
  if (raw.indexOf('\\') === -1 && raw.indexOf('"key"', first + 5) === -1) return false;
  const reading = readAsNode(raw);
  if (!reading.ok) return false;
  let seen = 0;
  for (const [name] of reading.tree.children) if (name === 'key' && ++seen > 1) return true;
  return false;
}
