import { join } from 'node:path';
import type { HubBackendConfig } from '../config/types.js';
import type { NetworkParams } from '../pow/index.js';
import { createHubBackend, type HubBackend } from './backend.js';
import { createEmbeddedTransport } from './embedded.js';
import { createExternalTransport } from './external.js';
import type { StatisticsServices } from './protocol.js';

export type { HubBackend, HubStatus } from './backend.js';
export { createHubBackend, isHubBackend } from './backend.js';
export type { HubEvents, HubResultEvent, ResultOutcome } from './events.js';

/**
 * The hub backend a `type: hub` config section describes; `start()` it before use.
 * `dataDir`: where the embedded broker keeps its persistent MQTT sessions (`hub-<name>.sessions.json`).
 */
export function createHubFromConfig(
  name: string,
  config: HubBackendConfig,
  network: NetworkParams,
  serviceStatistics?: () => StatisticsServices,
  dataDir?: string,
): HubBackend {
  const transport =
    config.broker === 'embedded'
      ? createEmbeddedTransport({
          listen: config.listen,
          websocketListen: config.websocketListen,
          workerUsername: config.workerUsername,
          workerPassword: config.workerPassword,
          serverUsername: config.username,
          serverPassword: config.password,
          maxConnections: config.maxConnections,
          sessionFile: dataDir === undefined ? undefined : join(dataDir, `hub-${name.replace(/[^\w.-]/g, '_')}.sessions.json`),
        })
      : createExternalTransport({ url: config.broker, username: config.username, password: config.password });
  return createHubBackend(name, {
    transport,
    network,
    workerTtl: config.workerTtl,
    maxWorkers: config.maxWorkers,
    heartbeatInterval: config.heartbeatInterval,
    statisticsInterval: config.statisticsInterval,
    timeout: config.timeout,
    ...(serviceStatistics === undefined ? {} : { serviceStatistics }),
  });
}
