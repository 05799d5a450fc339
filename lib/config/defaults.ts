import { availableParallelism } from 'node:os';
import { deepFreeze } from './freeze.js';

/**
 * Actions forwarded to node.rpc unless `rpc.allow` says otherwise: read-only
 * ledger queries plus `process` (spec node-rpc.md §7). work_generate,
 * work_cancel and work_validate are not here: powgate answers them itself.
 */
export const DEFAULT_RPC_ALLOW: readonly string[] = Object.freeze([
  'account_balance',
  'account_block_count',
  'account_get',
  'account_history',
  'account_info',
  'account_key',
  'account_representative',
  'account_weight',
  'accounts_balances',
  'accounts_frontiers',
  'accounts_pending',
  'accounts_receivable',
  'accounts_representatives',
  'active_difficulty',
  'available_supply',
  'block_account',
  'block_count',
  'block_hash',
  'block_info',
  'blocks',
  'blocks_info',
  'chain',
  'confirmation_quorum',
  'delegators',
  'delegators_count',
  'frontier_count',
  'frontiers',
  'nano_to_raw',
  'peers',
  'pending',
  'pending_exists',
  'process',
  'raw_to_nano',
  'receivable',
  'receivable_exists',
  'representatives',
  'representatives_online',
  'successors',
  'telemetry',
  'uptime',
  'validate_account_number',
  'version',
]);

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const DAY = 24 * 60 * MINUTE;

/** Everything a config may leave out, in normalised form (durations in ms, sizes in bytes). */
export const DEFAULTS = deepFreeze({
  network: 'nano',
  listen: { host: '127.0.0.1', port: 7176 },
  node: { timeout: 10 * SECOND },
  rpc: { allow: DEFAULT_RPC_ALLOW, bodyLimit: 64 * 1024, receiveTimeout: 30 * SECOND, maxForwards: 64, auth: 'off', authExempt: [] },
  serviceApi: { enabled: true, maxSockets: 1024, heartbeat: 20 * SECOND },
  /** A service's limits when neither the config file nor `powgate services add` names them. */
  service: { rate: 10, burst: 20, maxDelay: 2 * SECOND, public: false },
  cache: { url: 'memory', maxEntries: 100_000, ttl: 7 * DAY },
  work: { deadline: 30 * SECOND, maxMultiplier: 64 },
  breaker: { failures: 3, cooldown: 5 * SECOND, maxCooldown: 5 * MINUTE, probeInterval: 10 * SECOND },
  log: { level: 'info' },
  metrics: { enabled: true },
  dashboard: { enabled: true },
  /** data_dir relative to the config file's directory (the working directory without a file). */
  ledger: { dataDir: 'powgate-data', record: true },
  /** In the network's unit (XNO, BAN); a payment below the minimum is carried to the next plan. */
  payouts: { minimum: '0.001', fee: '1%' },
  precache: {
    enabled: true,
    accountTtl: 30 * DAY,
    maxAccounts: 10_000,
    maxQueue: 1000,
    concurrency: 2,
    callbackTimeout: 5 * SECOND,
    callbackAllow: [],
    callbackRate: 500,
    reconnectDelay: SECOND,
    maxReconnectDelay: MINUTE,
    pingInterval: 30 * SECOND,
  },
  /** Backend types precache leaves alone unless precache.backends names them: shared services with quotas. */
  precacheExcludedTypes: ['dpow', 'boompow'],
  /** hedge_after of each tier that powgate makes up when the config names no tiers. */
  hedgeAfter: 2 * SECOND,
  rpcBackend: { sendAccount: true },
  localBackend: { cpuThreads: availableParallelism(), cpuImpl: 'auto', gpu: 'auto', gpuBackend: 'auto' },
  dpowBackend: { sockets: 4, timeout: 5 * SECOND, sendAccount: true },
  hubBackend: {
    broker: 'embedded',
    listen: { host: '127.0.0.1', port: 1883 },
    workerUsername: 'client',
    workerPassword: 'client',
    workerTtl: 5 * MINUTE,
    maxWorkers: 10_000,
    maxConnections: 10_000,
    heartbeatInterval: SECOND,
    statisticsInterval: 5 * MINUTE,
    metricsWorkers: 0,
  },
  boompowBackend: { url: 'https://boompow.banano.cc/graphql', blockAward: true, timeout: 10 * SECOND },
} as const);

/**
 * The backends used when no source names any: a config that says nothing still
 * generates work. Raw (YAML-shaped) because env vars and flags merge onto it.
 */
export function defaultBackendsRaw(): Record<string, unknown> {
  return { local: { type: 'local' } };
}
