import { nodeBool } from './node-reading.js';

/** Actions powgate answers itself; they are never forwarded. */
export const LOCAL_ACTIONS: ReadonlySet<string> = new Set(['work_generate', 'work_cancel', 'work_validate']);

/**
 * Actions the node gates behind `enable_control` (nano-node rpc_handler.cpp,
 * plus the V28 docs' bootstrap_priorities and bootstrap_reset).
 */
export const CONTROL_ACTIONS: ReadonlySet<string> = new Set([
  'account_create',
  'account_move',
  'account_remove',
  'account_representative_set',
  'accounts_create',
  'backoff_info',
  'block_create',
  'bootstrap_lazy',
  'bootstrap_priorities',
  'bootstrap_reset',
  'database_txn_tracker',
  'epoch_upgrade',
  'keepalive',
  'ledger',
  'node_id',
  'password_change',
  'populate_backlog',
  'receive',
  'receive_minimum',
  'receive_minimum_set',
  'search_pending',
  'search_pending_all',
  'search_receivable',
  'search_receivable_all',
  'send',
  'stop',
  'unchecked_clear',
  'unopened',
  'wallet_add',
  'wallet_add_watch',
  'wallet_change_seed',
  'wallet_create',
  'wallet_destroy',
  'wallet_lock',
  'wallet_representative_set',
  'wallet_republish',
  'wallet_seed',
  'wallet_work_get',
  'work_cancel',
  'work_generate',
  'work_get',
  'work_set',
  'work_peer_add',
  'work_peers',
  'work_peers_clear',
]);

/**
 * Not gated by the node, but they read or unlock wallets, handle keys, or
 * cost the node work: never exposed unless named in rpc.allow.
 */
export const UNSAFE_ACTIONS: ReadonlySet<string> = new Set([
  'password_enter',
  'wallet_unlock',
  'password_valid',
  'wallet_locked',
  'wallet_export',
  'wallet_key_valid',
  'wallet_info',
  'wallet_balances',
  'wallet_frontiers',
  'wallet_history',
  'wallet_ledger',
  'wallet_pending',
  'wallet_receivable',
  'wallet_representative',
  'wallet_contains',
  'account_list',
  'sign',
  'key_create',
  'key_expand',
  'deterministic_key',
  'bootstrap',
  'bootstrap_any',
  'block_confirm',
  'republish',
  'stats_clear',
  'confirmation_history',
  'unchecked',
  'unchecked_get',
  'unchecked_keys',
  'debug_bootstrap_priority_info',
  'node_id_delete',
]);

/**
 * Actions whose own `key` field the node reads (nano-node json_handler.cpp:
 * a public key for account_get, a private key for the others). In their
 * bodies `key` is the node's, never a powgate API key: a service calling them
 * under rpc.auth sends its key in the Authorization header.
 */
export const NODE_KEY_ACTIONS: ReadonlySet<string> = new Set(['account_get', 'block_create', 'epoch_upgrade', 'key_expand', 'sign', 'wallet_add']);

/** A field of the body as the node reads it (`ptree::get<std::string>`), or undefined. */
export type NodeField = (key: string) => string | undefined;

/**
 * Parameters that make an otherwise allowed action control-gated on the node,
 * judged as the node's rpc_handler judges them. Each needs its own allow-list
 * entry (the name in `allowAs`).
 */
export const GATED_PARAMETERS: ReadonlyArray<{
  readonly action: string;
  readonly when: (field: NodeField) => boolean;
  readonly allowAs: string;
}> = [
  // `get_optional<bool>("force")`: " 01 ", "+1" and the literal true all count.
  { action: 'process', when: (field) => nodeBool(field('force') ?? '') === true, allowAs: 'process_force' },
  // `get<std::string>("type") == "objects"`: the exact text.
  { action: 'stats', when: (field) => field('type') === 'objects', allowAs: 'stats_objects' },
];

/** The name an action must have in rpc.allow, given its parameters as the node reads them. */
export function allowName(action: string, field: NodeField): string {
  for (const rule of GATED_PARAMETERS) {
    if (rule.action === action && rule.when(field)) return rule.allowAs;
  }
  return action;
}

export function isSensitive(action: string): boolean {
  return CONTROL_ACTIONS.has(action) || UNSAFE_ACTIONS.has(action);
}
