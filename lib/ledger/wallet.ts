import { Message, PayoutError } from '../errors.js';
import { postJson } from '../net/post-json.js';
import { scrubText, urlSecrets } from '../secrets.js';
import type { WalletSender } from './payouts.js';

export interface NodeWalletOptions {
  /** node.rpc. */
  readonly url: string;
  /** The wallet id: a secret (it spends), never logged, printed or put in an error. */
  readonly wallet: string;
  /** The account the payments come from (in the wallet). */
  readonly source: string;
  /** How long one `send` may take (node.timeout); past it the payment is unknown, and the next run asks again with the same id. */
  readonly timeout: number;
}

const BLOCK_HASH = /^[0-9A-F]{64}$/i;

/**
 * Payments through the node's wallet RPC: `send` with wallet, source,
 * destination, amount (raw) and `id`. The node treats a repeated `id` as the
 * same send and answers with the block it made then, so asking again after a
 * crash or a timeout never pays twice. The node needs `enable_control`; this
 * talks to node.rpc directly, not through powgate's forwarder, whose rules for
 * `send` (refused unless rpc.allow lists it) are unchanged.
 */
export function nodeWalletSender(options: NodeWalletOptions): WalletSender {
  const url = new URL(options.url);
  const secrets = [options.wallet, ...urlSecrets(url)];
  const safe = (text: string): string => scrubText(text, { secrets, max: 300 });
  return {
    async send(destination, amount, id) {
      const body = JSON.stringify({ action: 'send', wallet: options.wallet, source: options.source, destination, amount: amount.toString(), id });
      let reply: { status: number; body: string };
      try {
        reply = await postJson(url, body, { signal: AbortSignal.timeout(options.timeout), maxBytes: 64 * 1024 });
      } catch (err) {
        throw new PayoutError(Message.payoutsNodeReply(safe(err instanceof Error ? err.message : String(err))), { cause: err });
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(reply.body);
      } catch {
        throw new PayoutError(Message.payoutsNodeReply(`HTTP ${reply.status}, not JSON`));
      }
      const { block, error } = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as { block?: unknown; error?: unknown };
      if (typeof block === 'string' && BLOCK_HASH.test(block)) return block.toUpperCase();
      if (typeof error === 'string') throw new PayoutError(Message.payoutsNodeReply(safe(error)));
      throw new PayoutError(Message.payoutsNodeReply(`HTTP ${reply.status}, no block hash in the answer`));
    },
  };
}
