import { postJson } from '../net/post-json.js';

export interface AccountInfo {
  /** The account's head block (confirmed or not): the root of its next block. */
  readonly frontier: string;
  readonly confirmedFrontier?: string;
  readonly confirmedHeight?: number;
}

/** The node RPC calls precache makes itself (never a client's request). */
export interface NodeLookup {
  /** `undefined` for an account the node has never seen opened ("Account not found"). */
  accountInfo(account: string, signal?: AbortSignal): Promise<AccountInfo | undefined>;
}

const HASH = /^[0-9A-Fa-f]{64}$/;

export function nodeLookup(url: URL, timeout: number): NodeLookup {
  return {
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
