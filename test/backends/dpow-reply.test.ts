import { expect } from 'chai';
import { readDpowReply } from '../../lib/backends/dpow-reply.js';

describe('readDpowReply', () => {
  it('reads work, the pending marker, the timeout flag and the credentials error apart', () => {
    expect(readDpowReply({ work: '3108a2891093ce9e', hash: 'BFEB', id: 7 })).to.deep.equal({ kind: 'work', work: 0x3108a2891093ce9en });
    expect(readDpowReply({ work: '0', hash: 'BFEB' })).to.deep.equal({ kind: 'pending' });
    // A zero nonce written out in full is work like any other (it can be valid).
    expect(readDpowReply({ work: '0000000000000000' })).to.deep.equal({ kind: 'work', work: 0n });
    expect(readDpowReply({ error: 'Timeout reached without work', timeout: true, id: 7 })).to.deep.equal({ kind: 'timeout' });
    expect(readDpowReply({ error: 'Invalid credentials', id: 7 })).to.deep.equal({ kind: 'credentials' });
  });

  it('treats everything else as an error with its text', () => {
    expect(readDpowReply({ error: 'Invalid hash' })).to.deep.equal({ kind: 'error', message: 'Invalid hash' });
    expect(readDpowReply({ error: 'Timeout reached without work' })).to.deep.equal({ kind: 'error', message: 'Timeout reached without work' });
    expect(readDpowReply({ work: 'xyz' })).to.deep.equal({ kind: 'error', message: 'malformed work' });
    expect(readDpowReply({ hash: 'BFEB' })).to.deep.equal({ kind: 'error', message: 'reply has neither work nor error' });
  });
});
