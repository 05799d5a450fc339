import { expect } from 'chai';
import { loadError, loadYaml } from './helpers.js';

describe('config ${VAR} interpolation', () => {
  it('replaces ${VAR} in string values anywhere in the file', async () => {
    const config = await loadYaml(
      `
listen: \${HOST}:\${PORT}
backends:
  peers: { type: rpc, urls: ["http://\${PEER_HOST}:7000", "http://b"] }
`,
      { env: { HOST: '0.0.0.0', PORT: '8000', PEER_HOST: '10.0.0.2' } },
    );
    expect(config.listen).to.deep.equal({ host: '0.0.0.0', port: 8000 });
    expect(config.backends.peers).to.deep.include({ urls: ['http://10.0.0.2:7000', 'http://b'] });
  });

  it('uses the :- default when the variable is unset or empty', async () => {
    const yaml = 'cache: { url: "${REDIS_URL:-memory}", max_entries: "${MAX:-7}" }';
    expect((await loadYaml(yaml)).cache).to.deep.include({ url: 'memory', maxEntries: 7 });
    expect((await loadYaml(yaml, { env: { REDIS_URL: '' } })).cache.url).to.equal('memory');
    expect((await loadYaml(yaml, { env: { REDIS_URL: 'redis://r:6379' } })).cache.url).to.equal('redis://r:6379');
  });

  it('writes $${ as a literal ${', async () => {
    const config = await loadYaml('node: { rpc: "http://n/$${X}" }', { env: { X: 'no' } });
    expect(config.node.rpc).to.equal('http://n/${X}');
  });

  it('fails on an unset variable, naming the key path and the variable', async () => {
    const err = await loadError(loadYaml('backends:\n  peers: { type: rpc, urls: ["${PEER_URL}"] }\n'));
    expect(err.path).to.equal('backends.peers.urls[0]');
    expect(err.message).to.include('backends.peers.urls[0]').and.include('PEER_URL').and.include('not set');
  });

  it('fails on a malformed reference', async () => {
    const err = await loadError(loadYaml('node: { rpc: "http://${1BAD}" }'));
    expect(err.path).to.equal('node.rpc');
    const unterminated = await loadError(loadYaml('node: { rpc: "http://${OPEN" }'));
    expect(unterminated.path).to.equal('node.rpc');
  });
});
