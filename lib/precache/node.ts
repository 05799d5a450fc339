import { postJson } from '../net/post-json.js';

export interface AccountInfo {
  /** The account's head block (confirmed or not): the root of its next block. */
  readonly frontier: string;
  readonly confirmedFrontier?: string;
  readonly confirmedHeight?: number;
}

/**
 * A block as the node's ledger has it (`block_info` with `json_block`), in the
 * shape of a callback body, so it reads like one: `account`, `hash`, `block`
 * (the contents) and `subtype`.
 */
export interface BlockInfo {
  readonly confirmed: boolean;
  readonly body: { readonly account: unknown; readonly hash: string; readonly block: unknown; readonly subtype: unknown };
}

/** The node RPC calls precache makes itself (never a client's request). */
export interface NodeLookup {
  /** `undefined` for an account the node has never seen opened ("Account not found"). */
  accountInfo(account: string, signal?: AbortSignal): Promise<AccountInfo | undefined>;
  /** `undefined` for a block the node does not have ("Block not found"). */
  blockInfo(hash: string, signal?: AbortSignal): Promise<BlockInfo | undefined>;
}

const HASH = /^[0-9A-Fa-f]{64}$/;

export function nodeLookup(url: URL, timeout: number): NodeLookup {
  const ask = async (request: Record<string, string>, signal: AbortSignal | undefined): Promise<Record<string, unknown>> => {
    const timer = AbortSignal.timeout(timeout);
    const res = await postJson(url, JSON.stringify(request), { signal: signal === undefined ? timer : AbortSignal.any([signal, timer]) });
    return JSON.parse(res.body) as Record<string, unknown>;
  };
  return {
    async blockInfo(hash, signal) {
      const body = await ask({ action: 'block_info', json_block: 'true', hash }, signal);
      if (body.error === 'Block not found') return undefined;
      if (typeof body.contents !== 'object' || body.contents === null) {
        throw new Error(`block_info: ${typeof body.error === 'string' ? body.error : 'no contents in the answer'}`);
      }
      return {
        confirmed: body.confirmed === 'true' || body.confirmed === true,
        body: { account: body.block_account, hash: hash.toUpperCase(), block: body.contents, subtype: body.subtype },
      };
    },
    async accountInfo(account, signal) {
      const timer = AbortSignal.timeout(timeout);
      const res = await postJson(url, JSON.stringify({ action: 'account_info', account }), {
        signal: signal === undefined ? timer : AbortSignal.any([signal, timer]),
      });
      const body = JSON.parse(res.body) as Record<string, unknown>;
      if (body.error === 'Account not found') return undefined;
      if (typeof body.frontier !== 'string' || !HASH.test(body.frontier)) {
        throw new Error(`account_info: ${typeof body.error === 'string' ? body.error : 'no frontier in the answer'}`);
      }
      const confirmed = body.confirmation_height_frontier;
      const height = body.confirmation_height;
      return {
        frontier: body.frontier.toUpperCase(),
        ...(typeof confirmed === 'string' && HASH.test(confirmed) ? { confirmedFrontier: confirmed.toUpperCase() } : {}),
        ...(typeof height === 'string' && /^\d{1,15}$/.test(height) ? { confirmedHeight: Number(height) } : {}),
      };
    },
  };
}
