import { expect } from 'chai';
import { TrackedAccounts } from '../../lib/precache/accounts.js';
import { advance } from '../../lib/precache/advance.js';
import { fromCallback, fromWebsocket, ZERO_HASH } from '../../lib/precache/confirmation.js';
import { order } from '../../lib/precache/order.js';
import { TaskQueue } from '../../lib/precache/queue.js';
import { accountKey, randomAccount, randomHash } from '../fakes/node.js';

const [H1, H2, H3, R] = [randomHash(), randomHash(), randomHash(), randomHash()];

describe('precache rules', () => {
  describe('order: is a confirmed block newer than what is known?', () => {
    const block = (hash: string, consumed: string, height?: number, open = false) => ({ hash, consumed, open, ...(height === undefined ? {} : { height }) });
    it('anything is newer for a chain nothing is known of', () => {
      expect(order(block(H1, R), undefined)).to.equal('newer');
      expect(order(block(H1, R), {})).to.equal('newer');
    });
    it('the known head itself is the same block', () => expect(order(block(H1, R, 5), { confirmed: H1, height: 5 })).to.equal('same'));
    it('heights decide when both are known', () => {
      expect(order(block(H3, H2, 3), { confirmed: H1, height: 1, frontier: H1 })).to.equal('newer');
      expect(order(block(H2, H1, 2), { confirmed: H3, height: 3, frontier: H3 })).to.equal('older');
    });
    it('without heights, a block built on the known head is newer', () => {
      expect(order(block(H2, H1), { confirmed: H1, height: 1, frontier: H1 })).to.equal('newer');
      expect(order(block(H2, H1, 2), { frontier: H1 })).to.equal('newer');
    });
    it('the block after the root a client asked for, or that very block, is newer', () => {
      expect(order(block(H2, R), { frontier: R })).to.equal('newer');
      expect(order(block(R, H1, 9), { frontier: R })).to.equal('newer');
    });
    it('an open block comes before anything confirmed', () => expect(order(block(H1, R, undefined, true), { confirmed: H2 })).to.equal('older'));
    it('a block not linked to what is known is unknown (a missed confirmation, or a late one)', () => {
      expect(order(block(H3, H2), { confirmed: H1, height: 1, frontier: H1 })).to.equal('unknown');
      expect(order(block(H3, H2, 3), { frontier: R })).to.equal('unknown');
    });
  });

  describe('advance: what a newer block makes stale', () => {
    it('the root it consumed and the previous head go; the block is the new head, one higher', () => {
      expect(advance({ hash: H2, consumed: H1 }, { confirmed: H1, height: 4, frontier: H1 })).to.deep.equal({
        stale: [H1],
        known: { confirmed: H2, frontier: H2, height: 5 },
      });
      const jump = advance({ hash: H3, consumed: H2, height: 9 }, { confirmed: H1, height: 4, frontier: H1 });
      expect(jump.stale).to.have.members([H2, H1]);
      expect(jump.known).to.deep.equal({ confirmed: H3, frontier: H3, height: 9 });
    });
    it('a learned root that was not consumed is left alone, and no height is made up', () => {
      expect(advance({ hash: H2, consumed: H1 }, { frontier: R })).to.deep.equal({ stale: [H1], known: { confirmed: H2, frontier: H2 } });
    });
  });

  describe('task queue', () => {
    const task = (key: string, target = 1n) => ({ key, account: 'a', root: key, target });
    it('dedupes by key, raising the target', () => {
      const q = new TaskQueue(10);
      expect(q.push(task('x', 1n)).added).to.equal(true);
      expect(q.push(task('x', 5n)).added).to.equal(false);
      expect(q.size).to.equal(1);
      expect(q.shift()?.target).to.equal(5n);
    });
    it('drops the oldest when full, and re-queued tasks go first', () => {
      const q = new TaskQueue(2);
      q.push(task('a'));
      q.push(task('b'));
      expect(q.push(task('c')).dropped?.key).to.equal('a');
      expect(q.requeue(task('r'))?.key).to.equal('b');
      expect([q.shift()?.key, q.shift()?.key, q.shift()]).to.deep.equal(['r', 'c', undefined]);
      expect(q.delete('c')).to.equal(false);
    });
  });

  describe('reading confirmations', () => {
    const a = randomAccount();
    const d = randomAccount();
    it('a websocket state send: account, hash, previous, height and destination', () => {
      const message = {
        account: a,
        hash: H2.toLowerCase(),
        block: { type: 'state', previous: H1, link_as_account: d, subtype: 'send' },
        sideband: { height: '42', local_timestamp: '1' },
      };
      expect(fromWebsocket(message)).to.deep.equal({ account: a, hash: H2, previous: H1, height: 42, destination: d });
      // A receive's link_as_account is its source, not a destination.
      expect(fromWebsocket({ ...message, block: { ...message.block, subtype: 'receive' } })).to.not.have.property('destination');
    });
    it('rejects what is not a block confirmation', () => {
      for (const bad of [
        null,
        'x',
        {},
        { account: a, hash: H1 },
        { account: a, hash: 'zz', block: { type: 'state', previous: H1 } },
        { account: a, hash: H1, block: { type: 'bogus' } },
      ]) {
        expect(fromWebsocket(bad)).to.equal(undefined);
      }
    });
    it('a callback: block as a string or an object, is_send beside it; a legacy open has no previous', () => {
      const block = { type: 'state', previous: ZERO_HASH, link_as_account: d };
      expect(fromCallback({ account: a, hash: H1, block: JSON.stringify(block), is_send: 'true' })).to.deep.equal({
        account: a,
        hash: H1,
        previous: ZERO_HASH,
        destination: d,
      });
      expect(fromCallback({ account: a, hash: H1, block, subtype: 'receive' })).to.deep.equal({ account: a, hash: H1, previous: ZERO_HASH });
      expect(fromCallback({ account: a, hash: H1, block: { type: 'open', source: H2, account: a } })?.previous).to.equal(ZERO_HASH);
      expect(fromCallback({ account: a, hash: H1, block: '{broken' })).to.equal(undefined);
    });
  });

  describe('tracked accounts', () => {
    it('learns accounts (any prefix), takes the asked root only while no confirmation is known, expires and caps them', () => {
      let now = 0;
      const changes: string[] = [];
      const configured = randomAccount();
      const tracked = new TrackedAccounts({ configured: [configured], ttl: 1000, max: 2, prefixes: ['nano_', 'xrb_'], now: () => now });
      tracked.onChange = (added, removed) => changes.push(...added.map((x) => `+${x}`), ...removed.map((x) => `-${x}`));
      const [x, y, z] = [randomAccount(), randomAccount(), randomAccount()];
      tracked.learn(x.replace('nano_', 'xrb_'), R);
      expect(tracked.get(x)).to.deep.equal({ frontier: R });
      tracked.update(x, { confirmed: H1, frontier: H1, height: 3 });
      tracked.learn(x, H3);
      expect(tracked.get(x)).to.deep.equal({ confirmed: H1, frontier: H1, height: 3 });
      now = 500;
      tracked.learn(y, H1);
      tracked.learn(x, H1); // x is now the most recent
      tracked.learn(z, H1); // over the cap: y, the least recently seen, goes
      expect(changes).to.deep.equal([`+${x}`, `+${y}`, `+${z}`, `-${y}`]);
      expect(tracked.list()).to.deep.equal([configured, x, z]);
      now = 1600; // x was seen at 500, z at 500: both expired; the configured account never expires
      tracked.sweep();
      expect(tracked.list()).to.deep.equal([configured]);
      expect(tracked.key(configured)).to.equal(accountKey(configured));
    });
  });
});
