import { expect } from 'chai';
import { readBoompowReply } from '../../lib/backends/boompow-reply.js';

const error = (message: string) => JSON.stringify({ errors: [{ message, path: ['workGenerate'] }], data: null });

describe('readBoompowReply', () => {
  it('reads work', () => {
    expect(readBoompowReply(200, '{"data":{"workGenerate":"3108a2891093ce9e"}}')).to.deep.equal({ kind: 'work', work: 0x3108a2891093ce9en });
    expect(readBoompowReply(200, '{"data":{"workGenerate":"nope"}}')).to.deep.equal({ kind: 'error', message: 'malformed work' });
  });

  it('reads HTTP 403 and access denied as configuration errors', () => {
    expect(readBoompowReply(403, '{"errors":[{"message":"Invalid token"}],"data":null}\n').kind).to.equal('config');
    expect(readBoompowReply(200, error('access denied')).kind).to.equal('config');
  });

  it('reads timeout and HTTP 429 as worth retrying', () => {
    expect(readBoompowReply(200, error('timeout')).kind).to.equal('retry');
    expect(readBoompowReply(429, 'Too Many Requests\n').kind).to.equal('retry');
  });

  it('reads bad_request, other resolver errors, other statuses and garbage as errors', () => {
    expect(readBoompowReply(200, error('bad_request:invalid hash'))).to.deep.equal({ kind: 'error', message: 'bad_request:invalid hash' });
    expect(readBoompowReply(200, error('dial tcp: connection refused'))).to.deep.equal({ kind: 'error', message: 'dial tcp: connection refused' });
    expect(readBoompowReply(422, '{"errors":[{"message":"cannot use value 1.5 as Int"}],"data":null}')).to.deep.equal({
      kind: 'error',
      message: 'HTTP 422: cannot use value 1.5 as Int',
    });
    expect(readBoompowReply(502, '<html>Bad Gateway</html>')).to.deep.equal({ kind: 'error', message: 'HTTP 502' });
    expect(readBoompowReply(200, '<html>')).to.deep.equal({ kind: 'error', message: 'reply is not JSON' });
    expect(readBoompowReply(200, '{"data":null}')).to.deep.equal({ kind: 'error', message: 'reply has neither work nor errors' });
    // A timeout only counts on a 200: elsewhere it is not BoomPoW's resolver speaking.
    expect(readBoompowReply(500, error('timeout')).kind).to.equal('error');
  });
});
