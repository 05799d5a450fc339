import type { BackendConfig } from '../config/types.js';
import { createLocalBackend } from './local.js';
import { createRpcBackend } from './rpc.js';
import type { Backend } from './types.js';

export type { Backend, WorkJob } from './types.js';

type Factories = { [T in BackendConfig['type']]: (name: string, config: Extract<BackendConfig, { type: T }>) => Backend };

/** One entry per backend type: a new work source is one file plus one line here. */
const FACTORIES: Factories = {
  rpc: (name, config) =>
    createRpcBackend(name, {
      urls: config.urls,
      sendAccount: config.sendAccount,
      ...(config.timeout === undefined ? {} : { timeout: config.timeout }),
    }),
  local: (name, config) => createLocalBackend(name, { cpuThreads: config.cpuThreads }),
};

export function createBackend(name: string, config: BackendConfig): Backend {
  const factory = FACTORIES[config.type] as (name: string, config: BackendConfig) => Backend;
  return factory(name, config);
}
