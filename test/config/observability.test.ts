import { expect } from 'chai';
import { loadConfig } from '../../lib/config/index.js';
import { loadError, loadYaml } from './helpers.js';

describe('config: metrics and dashboard', () => {
  it('serves both on the RPC port by default', async () => {
    const config = await loadConfig({ env: {} });
    expect(config.metrics).to.deep.equal({ enabled: true });
    expect(config.dashboard).to.deep.equal({ enabled: true });
  });

  it('reads a separate metrics listener and the switches', async () => {
    const config = await loadYaml('metrics: { enabled: false, listen: "0.0.0.0:9176" }\ndashboard: { enabled: false }\n');
    expect(config.metrics).to.deep.equal({ enabled: false, listen: { host: '0.0.0.0', port: 9176 } });
    expect(config.dashboard).to.deep.equal({ enabled: false });
  });

  it('takes them from POWGATE_* variables', async () => {
    const config = await loadConfig({ env: { POWGATE_METRICS__LISTEN: '[::1]:9176', POWGATE_DASHBOARD__ENABLED: 'false' } });
    expect(config.metrics.listen).to.deep.equal({ host: '::1', port: 9176 });
    expect(config.dashboard.enabled).to.equal(false);
  });

  const rejects = async (yaml: string, path: string, fragment: string): Promise<void> => {
    const err = await loadError(loadYaml(yaml));
    expect(err.path).to.equal(path);
    expect(err.message).to.include(fragment);
  };

  it('names the key of a typo', () => rejects('metrics: { enable: true }', 'metrics.enable', 'did you mean enabled?'));
  it('rejects a bad switch', () => rejects('dashboard: { enabled: on }', 'dashboard.enabled', 'true or false'));
  it('rejects a bad listener', () => rejects('metrics: { listen: 9176 }', 'metrics.listen', 'HOST:PORT'));
  it('rejects the RPC address as the metrics listener', () =>
    rejects('listen: 127.0.0.1:7176\nmetrics: { listen: 127.0.0.1:7176 }', 'metrics.listen', 'other than listen'));
  it('names the variable that set a bad value', async () => {
    const err = await loadError(loadConfig({ env: { POWGATE_METRICS__ENABLED: 'maybe' } }));
    expect(err.message).to.include('POWGATE_METRICS__ENABLED');
  });
});
