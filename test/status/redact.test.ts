import { expect } from 'chai';
import { endpointsOf } from '../../lib/status/redact.js';

describe('status redaction', () => {
  it('reduces every URL in a backend config to scheme://host:port', () => {
    const config = {
      type: 'rpc',
      urls: ['http://user:SECRET@10.0.0.2:7000/work?token=SECRET2', 'https://peer.example'],
      websocket: 'wss://:SECRET3@ws.example:443/x',
    };
    expect(endpointsOf(config)).to.deep.equal(['http://10.0.0.2:7000', 'https://peer.example', 'wss://ws.example']);
  });

  it('skips values under secret-named keys, even URL-shaped ones, and plain strings', () => {
    expect(endpointsOf({ api_key: 'https://SECRET@x', user: 'alice', url: 'not a url' })).to.deep.equal([]);
  });
});
