/**
 * The spec's broker ACL (distributed-pow.md §1.8), as pure decisions. A worker
 * may read work, cancel, heartbeat, statistics and its own `client/{account}`,
 * and may publish only results (plus powgate's `presence/{account}`).
 *
 * Every worker logs in with the same public credentials, so "its own" account
 * is the first one a connection names (a `client/…` subscription or a
 * presence): after that, another account's `client/…` is refused to it.
 */

export type Role = 'worker' | 'server';

export interface Session {
  readonly role: Role;
  /** The payout account this connection has claimed, once it named one. */
  account?: string;
}

const WORKER_READS = new Set([
  'work/ondemand',
  'work/precache',
  'work/+',
  'work/#',
  'cancel/ondemand',
  'cancel/precache',
  'cancel/+',
  'cancel/#',
  'heartbeat',
  'statistics',
]);

const WORKER_WRITES = new Set(['result/ondemand', 'result/precache']);

/** Topic levels that would make a filter out of an account name. */
const ACCOUNT = /^[a-z]{2,8}_[13][13-9a-km-uw-z]{59}$/;

/** Binds `account` to the session when it has none; true when it is (now) the session's own. */
function claim(session: Session, account: string): boolean {
  if (!ACCOUNT.test(account)) return false;
  session.account ??= account;
  return session.account === account;
}

export function maySubscribe(session: Session, filter: string): boolean {
  if (session.role === 'server') return true;
  if (WORKER_READS.has(filter)) return true;
  if (filter.startsWith('client/')) return claim(session, filter.slice('client/'.length));
  return false;
}

export function mayPublish(session: Session, topic: string): boolean {
  if (session.role === 'server') return true;
  if (WORKER_WRITES.has(topic)) return true;
  if (topic.startsWith('presence/')) return claim(session, topic.slice('presence/'.length));
  return false;
}
