import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { loadConfig, redactConfig } from '../../lib/config/index.js';
import { loadError, loadYaml } from './helpers.js';

const EXAMPLE = readFileSync(new URL('../../config.example.yaml', import.meta.url), 'utf8');

/** config.example.yaml with its commented-out dpow and boompow entries (and their tiers) switched on. */
function exampleWithServices(): string {
  let inBlock = false;
  return EXAMPLE.split('\n')
    .map((line) => {
      if (/^ {2}# (dpow:|boompow:|- backends: \[(dpow|boompow)\])$/.test(line)) inBlock = true;
      else if (!/^ {2}# {3}/.test(line)) inBlock = false;
      return inBlock ? line.replace(/^ {2}# /, '  ') : line;
    })
    .join('\n');
}

const KEY = 'dpow-key-5f0c1e9a-do-not-show';
const TOKEN = 'service:3f1c6a52-0b8e-4c1d-9d55-1a2b3c4d5e6f';

const DPOW = `
backends:
  dpow:
    type: dpow
    url: wss://dpow-api.nanos.cc/service_ws/
    post_url: https://dpow-api.nanos.cc/service/
    user: my-service
    api_key: \${DPOW_API_KEY}
`;
const BOOMPOW = `
backends:
  boompow:
    type: boompow
    token: \${BOOMPOW_TOKEN}
`;

describe('config: dpow and boompow backends', () => {
  it('the commented dpow and boompow entries of config.example.yaml load once switched on', async () => {
    const config = await loadYaml(exampleWithServices(), { env: { DPOW_API_KEY: KEY, BOOMPOW_TOKEN: TOKEN } });
    expect(config.backends.dpow).to.deep.include({ type: 'dpow', apiKey: KEY, url: 'wss://dpow-api.nanos.cc/service_ws/', sockets: 4, timeout: 5000 });
    expect(config.backends.boompow).to.deep.include({ type: 'boompow', token: TOKEN, blockAward: true, timeout: 10_000 });
    expect(config.tiers.map((t) => t.backends)).to.deep.equal([['dpow'], ['boompow'], ['peers'], ['local']]);
  });

  it('normalises a dpow backend with its defaults, the key from the environment', async () => {
    const config = await loadYaml(DPOW, { env: { DPOW_API_KEY: KEY } });
    expect(config.backends.dpow).to.deep.equal({
      type: 'dpow',
      url: 'wss://dpow-api.nanos.cc/service_ws/',
      postUrl: 'https://dpow-api.nanos.cc/service/',
      user: 'my-service',
      apiKey: KEY,
      sockets: 4,
      timeout: 5000,
      sendAccount: true,
    });
  });

  it('adds the trailing slash DPoW redirects to, and reads every dpow key', async () => {
    const config = await loadYaml(`
backends:
  dpow: { type: dpow, url: "wss://d.example/service_ws", post_url: "https://d.example/service", user: u, api_key: k,
          sockets: 0, timeout: 20s, send_account: false }
`);
    expect(config.backends.dpow).to.deep.include({
      url: 'wss://d.example/service_ws/',
      postUrl: 'https://d.example/service/',
      sockets: 0,
      timeout: 20_000,
      sendAccount: false,
    });
  });

  it('normalises a boompow backend with its defaults', async () => {
    const config = await loadYaml(BOOMPOW, { env: { BOOMPOW_TOKEN: TOKEN } });
    expect(config.backends.boompow).to.deep.equal({
      type: 'boompow',
      url: 'https://boompow.banano.cc/graphql',
      token: TOKEN,
      blockAward: true,
      timeout: 10_000,
    });
    const custom = await loadYaml(
      `backends: { b: { type: boompow, url: "http://127.0.0.1:1/graphql", token: "${TOKEN}", block_award: false, timeout: 2500ms } }`,
    );
    expect(custom.backends.b).to.deep.include({ url: 'http://127.0.0.1:1/graphql', blockAward: false, timeout: 2500 });
  });

  it('takes secrets from POWGATE_ variables too, and gives each remote backend its own tier ahead of local', async () => {
    const config = await loadConfig({
      env: {
        POWGATE_BACKENDS__DPOW__TYPE: 'dpow',
        POWGATE_BACKENDS__DPOW__URL: 'wss://d.example/service_ws/',
        POWGATE_BACKENDS__DPOW__POST_URL: 'https://d.example/service/',
        POWGATE_BACKENDS__DPOW__USER: 'u',
        POWGATE_BACKENDS__DPOW__API_KEY: KEY,
      },
    });
    expect(config.backends.dpow).to.deep.include({ apiKey: KEY });
    expect(config.tiers.map((t) => t.backends)).to.deep.equal([['dpow'], ['local']]);
  });

  it('never shows the api key or the token in redactConfig', async () => {
    const dpow = await loadYaml(DPOW, { env: { DPOW_API_KEY: KEY } });
    const boompow = await loadYaml(BOOMPOW, { env: { BOOMPOW_TOKEN: TOKEN } });
    const text = JSON.stringify([redactConfig(dpow), redactConfig(boompow)]);
    expect(text).to.not.include(KEY);
    expect(text).to.not.include(TOKEN);
    expect(text).to.include('"apiKey":"***"').and.include('"token":"***"');
  });

  describe('errors', () => {
    async function rejects(yaml: string, path: string, ...fragments: string[]): Promise<string> {
      const err = await loadError(loadYaml(yaml));
      expect(err.path).to.equal(path);
      for (const fragment of fragments) expect(err.message).to.include(fragment);
      return err.message;
    }
    const dpow = (extra: string) =>
      `backends: { d: { type: dpow, url: "wss://d/service_ws/", post_url: "https://d/service/", user: u, api_key: "${KEY}"${extra} } }`;

    it('requires url, post_url, user and api_key', async () => {
      await rejects('backends: { d: { type: dpow } }', 'backends.d.url', 'wss://dpow-api.nanos.cc/service_ws/', 'found nothing');
      await rejects('backends: { d: { type: dpow, url: "wss://d/" } }', 'backends.d.post_url', 'https://dpow-api.nanos.cc/service/');
      await rejects('backends: { d: { type: dpow, url: "wss://d/", post_url: "https://d/" } }', 'backends.d.user', 'found nothing');
      await rejects('backends: { d: { type: dpow, url: "wss://d/", post_url: "https://d/", user: u } }', 'backends.d.api_key', 'DPOW_API_KEY');
    });

    it('rejects a websocket URL that is not ws/wss and a post_url that is not http/https', async () => {
      await rejects(dpow('').replace('wss://d/service_ws/', 'https://d/service_ws/'), 'backends.d.url', 'ws://');
      await rejects(dpow('').replace('https://d/service/', 'wss://d/service/'), 'backends.d.post_url', 'http://');
    });

    it('keeps timeout to whole seconds from 1s to 25s, sockets to 0..64', async () => {
      await rejects(dpow(', timeout: 26s'), 'backends.d.timeout', 'to 25s');
      await rejects(dpow(', timeout: 1500ms'), 'backends.d.timeout', 'whole seconds');
      await rejects(dpow(', timeout: 5'), 'backends.d.timeout', 'from 1s');
      await rejects(dpow(', sockets: 65'), 'backends.d.sockets', 'integer from 0 to 64');
    });

    it('wants a service: token for boompow, and never shows what it found', async () => {
      const bare = await rejects('backends: { b: { type: boompow, token: "3f1c6a52-0b8e-4c1d" } }', 'backends.b.token', 'service:<uuid>');
      expect(bare).to.not.include('3f1c6a52');
      await rejects('backends: { b: { type: boompow } }', 'backends.b.token', 'BOOMPOW_TOKEN');
      await rejects(`backends: { b: { type: boompow, token: "${TOKEN}", timeout: 10m } }`, 'backends.b.timeout', 'to 5m');
    });

    it('never echoes an api key in any message', async () => {
      const message = await rejects(dpow(', sockets: many'), 'backends.d.sockets');
      expect(message).to.not.include(KEY);
      const empty = await rejects(dpow('').replace(`"${KEY}"`, '" "'), 'backends.d.api_key');
      expect(empty).to.not.include(KEY);
    });
  });
});
