import { expect } from 'chai';
import { CloseStack } from '../../lib/lifecycle/close-stack.js';

describe('CloseStack', () => {
  it('closes the last registered first, each once, and reports every step', async () => {
    const stack = new CloseStack();
    const order: string[] = [];
    stack.defer('backends', () => void order.push('backends'));
    const closeCache = stack.defer('cache', async () => {
      await new Promise((r) => setTimeout(r, 5));
      order.push('cache');
    });
    stack.defer('listener', () => void order.push('listener'));
    const report = await stack.close(1000);
    expect(order).to.deep.equal(['listener', 'cache', 'backends']);
    expect(report).to.deep.equal({ closed: ['listener', 'cache', 'backends'], failed: [], unfinished: [] });
    await closeCache();
    expect(order.filter((s) => s === 'cache')).to.have.length(1);
  });

  it('a step closed early is not closed again by the unwind', async () => {
    const stack = new CloseStack();
    let closes = 0;
    const closeEngine = stack.defer('engine', () => void closes++);
    stack.defer('drain', () => closeEngine());
    await stack.close(1000);
    expect(closes).to.equal(1);
  });

  it('goes on past a step that fails or throws, and names it', async () => {
    const stack = new CloseStack();
    const order: string[] = [];
    stack.defer('first', () => void order.push('first'));
    stack.defer('throws', () => {
      throw new Error('sync trouble');
    });
    stack.defer('rejects', () => Promise.reject(new Error('async trouble')));
    const report = await stack.close(1000);
    expect(order).to.deep.equal(['first']);
    expect(report.closed).to.deep.equal(['first']);
    expect(report.failed.map((f) => [f.name, (f.error as Error).message])).to.deep.equal([
      ['rejects', 'async trouble'],
      ['throws', 'sync trouble'],
    ]);
  });

  it('leaves a step that hangs past the bound and still closes the ones below it', async () => {
    const stack = new CloseStack();
    const order: string[] = [];
    stack.defer('cache', () => void order.push('cache'));
    stack.defer('stuck', () => new Promise<void>(() => {}));
    stack.defer('listener', () => void order.push('listener'));
    const report = await stack.close(50);
    expect(order).to.deep.equal(['listener', 'cache']);
    expect(report.unfinished).to.deep.equal(['stuck']);
    expect(report.closed).to.deep.equal(['listener', 'cache']);
  });

  it('unwinds once however often it is asked, and takes nothing new once unwinding', async () => {
    const stack = new CloseStack();
    let closes = 0;
    stack.defer('engine', () => void closes++);
    const [a, b] = await Promise.all([stack.close(1000), stack.close(1000)]);
    expect(a).to.equal(b);
    expect(closes).to.equal(1);
    expect(() => stack.defer('late', () => {})).to.throw(/after the close stack began/);
  });
});
