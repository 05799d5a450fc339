import { expect } from 'chai';
import { isSecretKey, redactUrl, scrubText, urlLabel, urlSecrets } from '../lib/secrets.js';

describe('secrets: one place decides what may be shown', () => {
  it('names an endpoint by scheme://host:port, never its userinfo, path or query', () => {
    expect(urlLabel(new URL('https://u:pw@peer.example:8443/work?key=k'))).to.equal('https://peer.example:8443');
    expect(urlLabel('wss://:pw@ws.example/service_ws/')).to.equal('wss://ws.example');
    expect(urlLabel('not a url')).to.equal(undefined);
    expect(urlLabel('file:///etc/passwd')).to.equal(undefined);
  });

  it('redacts the userinfo and every query value of a configured URL, keeping its shape', () => {
    expect(redactUrl('https://me:hunter2@rpc.example/x?k=abc&t=def&api_key=ghi')).to.equal('https://***@rpc.example/x?k=***&t=***&api_key=***');
    expect(redactUrl('redis://127.0.0.1:6379/0')).to.equal('redis://127.0.0.1:6379/0');
    expect(redactUrl('http://host/a@b')).to.equal(undefined);
  });

  it('scrubs echoed credentials from upstream text: auth schemes, query values, secret-named fields, known secrets', () => {
    const basic = Buffer.from('user:hunter2').toString('base64');
    expect(scrubText(`denied: Authorization: Basic ${basic}`)).to.equal('denied: Authorization: Basic ***');
    expect(scrubText('Bearer eyJhbGciOi.x.y expired')).to.equal('Bearer *** expired');
    expect(scrubText('POST /work?key=abc&k=def refused')).to.equal('POST /work?key=***&k=*** refused');
    expect(scrubText('bad request {"api_key": "abcdef", "user": "me"}')).to.equal('bad request {"api_key": "***", "user": "me"}');
    expect(scrubText('token=abcdef; password: hunter2')).to.equal('token=***; password: ***');
    expect(scrubText('your key hunter22 is unknown', { secrets: ['hunter22'] })).to.equal('your key *** is unknown');
    // Node error strings pass unchanged: they are API.
    expect(scrubText('Difficulty above config limit or below publish threshold')).to.equal('Difficulty above config limit or below publish threshold');
  });

  it('cuts URLs in text to their label and the whole to one bounded line', () => {
    expect(scrubText('POST http://u:SECRET@h:1/p?key=SECRET failed')).to.equal('POST http://h:1 failed');
    expect(scrubText('connect to redis://:pw@127.0.0.1:1/0\n  failed')).to.equal('connect to redis://127.0.0.1:1 failed');
    const long = scrubText('x'.repeat(500), { max: 50 });
    expect(long)
      .to.have.length(53)
      .and.match(/\.\.\.$/);
  });

  it('lists what a URL carries that must not be echoed, and ignores secrets too short to search for', () => {
    const secrets = urlSecrets(new URL('http://user:p%40ss1@h/work?key=abcd&n=1'));
    expect(secrets).to.include.members(['p%40ss1', 'p@ss1', Buffer.from('user:p@ss1').toString('base64'), 'abcd', '1']);
    expect(urlSecrets(new URL('http://h:1/'))).to.deep.equal([]);
    expect(scrubText('n=1 of 10 abcd', { secrets })).to.equal('n=1 of 10 ***');
  });

  it('knows secret-named keys in any case style', () => {
    for (const key of ['api_key', 'apiKey', 'token', 'password', 'service-key', 'Authorization']) expect(isSecretKey(key), key).to.equal(true);
    for (const key of ['user', 'url', 'monkey', 'keyword']) expect(isSecretKey(key), key).to.equal(false);
  });
});
