import type { WorkCache } from '../cache/index.js';
import type { Telemetry } from '../telemetry/events.js';
import type { TrackedAccounts } from './accounts.js';
import { advance } from './advance.js';
import { type Confirmation, ZERO_HASH } from './confirmation.js';
import type { ConfirmationOutcome, Trigger } from './events.js';
import type { NodeLookup } from './node.js';
import { order } from './order.js';
import { RecentSet } from './recent.js';
import type { PrecacheScheduler } from './scheduler.js';

export interface HandlerOptions {
  readonly accounts: TrackedAccounts;
  readonly scheduler: PrecacheScheduler;
  readonly cache: WorkCache;
  readonly events: Telemetry;
  /** Without it, blocks whose order cannot be told are ignored, and destinations need a known root. */
  readonly node?: NodeLookup;
  readonly thresholds: { readonly next: bigint; readonly receive: bigint };
  /** How many block hashes are remembered to drop duplicates. */
  readonly remember: number;
}

/** Confirmations whose order is being checked with the node at once, at most. */
const MAX_CHECKS = 8;

interface Block {
  readonly hash: string;
  /** The root the block used: its previous, or the account's key for an open block. */
  readonly consumed: string;
  readonly height?: number;
  readonly open: boolean;
}

/**
 * Given a confirmed block and what is known, what to queue and what to drop:
 * a block that moves a tracked chain queues its hash (the next root) and drops
 * the roots it made stale; a duplicate or older block changes nothing; a block
 * not linked to what is known moves the chain only if the node says it is the
 * confirmed head; a send to a tracked account queues that account's next root.
 */
export function confirmationHandler(options: HandlerOptions): (conf: Confirmation, trigger: Trigger) => void {
  const { accounts, scheduler, cache, events, node, thresholds } = options;
  const recent = new RecentSet(options.remember);
  let checking = 0;

  const apply = (account: string, block: Block): void => {
    const { stale, known } = advance(block, accounts.get(account));
    for (const root of stale) {
      scheduler.forget(root);
      void cache.delete(root);
    }
    accounts.update(account, known);
    scheduler.push({ key: block.hash, root: block.hash, account, target: thresholds.next });
  };

  const check = (lookup: NodeLookup, account: string, block: Block, trigger: Trigger): void => {
    checking++;
    const report = (outcome: ConfirmationOutcome): void => {
      events.emit('confirmation', { trigger, outcome });
    };
    lookup
      .accountInfo(account)
      .then(
        (info) => {
          const known = accounts.get(account);
          if (info?.confirmedFrontier !== block.hash || known === undefined) return report('old');
          const height = block.height ?? info.confirmedHeight;
          const checked = { ...block, ...(height === undefined ? {} : { height }) };
          const verdict = order(checked, known);
          if (verdict !== 'newer' && verdict !== 'unknown') return report('old');
          apply(account, checked);
          report('new');
        },
        () => report('ignored'),
      )
      .finally(() => checking--);
  };

  return (conf, trigger) => {
    if (!recent.add(conf.hash)) {
      events.emit('confirmation', { trigger, outcome: 'duplicate' });
      return;
    }
    let outcome: ConfirmationOutcome | undefined = 'ignored';
    const known = accounts.get(conf.account);
    const open = conf.previous === ZERO_HASH;
    const consumed = known === undefined ? undefined : open ? accounts.key(conf.account) : conf.previous;
    if (known !== undefined && consumed !== undefined) {
      const block: Block = { hash: conf.hash, consumed, open, ...(conf.height === undefined ? {} : { height: conf.height }) };
      const verdict = order(block, known);
      if (verdict === 'newer') {
        apply(conf.account, block);
        outcome = 'new';
      } else if (verdict === 'same') {
        outcome = 'duplicate';
      } else if (verdict === 'older') {
        outcome = 'old';
      } else if (node !== undefined && checking < MAX_CHECKS) {
        check(node, conf.account, block, trigger);
        outcome = undefined; // reported when the node has answered
      }
    }
    // A send to a tracked account: that account's next block (the receive) can be made now.
    // Without node.rpc the destination's root is only what a client told us.
    const to = conf.destination;
    if (to !== undefined && to !== conf.account && accounts.has(to) && (node !== undefined || accounts.get(to)?.frontier !== undefined)) {
      scheduler.push({ key: `account:${to}`, account: to, target: thresholds.receive });
      outcome = 'new';
    }
    if (outcome !== undefined) events.emit('confirmation', { trigger, outcome });
  };
}
