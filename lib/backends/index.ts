import type { BackendConfig } from '../config/types.js';
import { createHubFromConfig } from '../hub/index.js';
import type { StatisticsServices } from '../hub/protocol.js';
import type { NetworkParams } from '../pow/index.js';
import { createBoompowBackend } from './boompow.js';
import { createDpowBackend } from './dpow.js';
import { createLocalBackend } from './local.js';
import { createRpcBackend } from './rpc.js';
import type { Backend, StartLogger } from './types.js';

export type { Backend, BackendStatus, GeneratorFigures, StartLogger, WorkJob } from './types.js';

/** What a backend may need besides its own config section. */
export interface BackendContext {
  /** DPoW serves Nano only; BoomPoW's multiplier base follows the network. */
  readonly network: NetworkParams;
  /** powgate's services, for a hub's `statistics` message. */
  readonly serviceStatistics?: () => StatisticsServices;
  /** Where parts keep files (the ledger's data_dir): a hub's persistent MQTT sessions. */
  readonly dataDir?: string;
}

type Factories = {
  [T in BackendConfig['type']]: (name: string, config: Extract<BackendConfig, { type: T }>, context: BackendContext) => Backend;
};

/** One entry per backend type: a new work source is one file plus one line here. */
const FACTORIES: Factories = {
  rpc: (name, config) =>
    createRpcBackend(name, {
      urls: config.urls,
      sendAccount: config.sendAccount,
      ...(config.timeout === undefined ? {} : { timeout: config.timeout }),
    }),
  local: (name, config) =>
    createLocalBackend(name, {
      cpuThreads: config.cpuThreads,
      cpuImpl: config.cpuImpl,
      gpu: config.gpu,
      gpuAdapter: config.gpuAdapter,
      gpuBackend: config.gpuBackend,
    }),
  dpow: (name, config, { network }) =>
    createDpowBackend(name, {
      url: config.url,
      postUrl: config.postUrl,
      user: config.user,
      apiKey: config.apiKey,
      sockets: config.sockets,
      timeout: config.timeout,
      sendAccount: config.sendAccount,
      network: network.name,
    }),
  boompow: (name, config, { network }) =>
    createBoompowBackend(name, {
      url: config.url,
      token: config.token,
      blockAward: config.blockAward,
      timeout: config.timeout,
      network,
    }),
  hub: (name, config, { network, serviceStatistics, dataDir }) => createHubFromConfig(name, config, network, serviceStatistics, dataDir),
};

export function createBackend(name: string, config: BackendConfig, context: BackendContext): Backend {
  const factory = FACTORIES[config.type] as (name: string, config: BackendConfig, context: BackendContext) => Backend;
  return factory(name, config, context);
}

/**
 * Runs every backend's start-up (see Backend.start) together; rejects with the
 * first failure once all have settled, so nothing is left starting.
 */
export async function startBackends(backends: Iterable<Backend>, logger: StartLogger): Promise<void> {
  const results = await Promise.allSettled([...backends].map((b) => b.start?.(logger)));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed !== undefined) throw failed.reason;
}
