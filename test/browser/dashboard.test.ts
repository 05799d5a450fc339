import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import type { Powgate } from '../../lib/server.js';
import type { PrecacheStatus } from '../../lib/status/types.js';
import { FakeRpcPeer } from '../fakes/rpc-peer.js';
import { randomRoot, rpc, startTestPowgate } from '../helpers/powgate.js';

// The callbacks given to waitForFunction and evaluate run inside the page; this project compiles
// without the DOM library, so the little they touch is declared here.
declare const document: {
  querySelector(selector: string): { textContent: string | null; getAttribute(name: string): string | null } | null;
  querySelectorAll(selector: string): { length: number };
  documentElement: { scrollWidth: number };
};
declare const window: { innerWidth: number };

// Debian's chromium (`.ci/run` installs it); never a downloaded browser.
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = fileURLToPath(new URL('../../test-output/', import.meta.url));
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Work requests until stopped: new roots (misses), repeats (hits), and now and then a peer that answers badly. */
function traffic(url: string, peer: FakeRpcPeer): { stop(): Promise<void>; sent(): number } {
  let running = true;
  let sent = 0;
  const roots: string[] = [];
  const loop = (async () => {
    while (running) {
      const repeat = roots.length > 0 && sent % 3 === 2;
      const root = repeat ? (roots[sent % roots.length] as string) : randomRoot();
      if (!repeat) roots.push(root);
      // Every seventh new root the fast peer answers with invalid work and the local generator wins.
      if (!repeat && sent % 7 === 0) peer.behave('invalid', 20);
      await rpc(url, { action: 'work_generate', hash: root, difficulty: 'ffc0000000000000' }).catch(() => undefined);
      peer.behave('valid', 20);
      sent++;
      await new Promise((r) => setTimeout(r, 40));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
    },
    sent: () => sent,
  };
}

describe('dashboard in headless Chromium', function () {
  this.timeout(90_000);
  let peer: FakeRpcPeer;
  let flaky: FakeRpcPeer;
  let gate: Powgate;
  let context: BrowserContext;
  let profile: string;
  let load: ReturnType<typeof traffic>;
  let queue = 0;

  before(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`no Chromium at ${CHROMIUM}: install Debian's chromium (.ci/run does) or set CHROMIUM_PATH`);
    }
    peer = await new FakeRpcPeer().start();
    peer.behave('valid', 20);
    flaky = await new FakeRpcPeer().start();
    flaky.behave('error');
    const precache = (): PrecacheStatus => ({
      enabled: true,
      websocket: 'connected',
      trackedAccounts: 42,
      queueDepth: queue++ % 5,
      jobs: { queued: 120, done: 117, failed: 1, dropped: 2 },
      hits: 90,
      requests: 120,
    });
    gate = await startTestPowgate(
      {
        backends: {
          peer: { type: 'rpc', urls: [peer.url] },
          flaky: { type: 'rpc', urls: [flaky.url] },
          local: { type: 'local', cpu_threads: 1 },
        },
        tiers: [{ backends: ['peer', 'flaky'] }, { backends: ['local'] }],
        breaker: { failures: 3, cooldown: '1m', max_cooldown: '1m' },
      },
      undefined,
      { precacheStatus: precache },
    );
    load = traffic(gate.url, peer);
    profile = mkdtempSync(path.join(os.tmpdir(), 'powgate-chromium-'));
    context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS });
  });

  after(async () => {
    await context?.close();
    await load?.stop();
    await gate?.close();
    await peer?.close();
    await flaky?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  /** Opens the page, recording console errors, page errors and any request that leaves powgate. */
  async function open(url: string, viewport: { width: number; height: number }): Promise<{ page: Page; errors: string[]; foreign: string[] }> {
    const page = await context.newPage();
    await page.setViewportSize(viewport);
    const errors: string[] = [];
    const foreign: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('request', (r) => {
      if (!r.url().startsWith(`${gate.url}/`) && !r.url().startsWith('data:')) foreign.push(r.url());
    });
    await page.goto(url);
    return { page, errors, foreign };
  }

  const text = (page: Page, field: string): Promise<string> => page.locator(`[data-field="${field}"]`).innerText();
  const number = async (page: Page, field: string): Promise<number> => Number((await text(page, field)).replace(/[^0-9.]/g, ''));

  it('renders backends, counters, chart and jobs at / and keeps them moving, with no console error', async () => {
    // A browser asks for `/` with text/html first: it gets the dashboard, not the node's answer.
    const { page, errors, foreign } = await open(`${gate.url}/`, { width: 1280, height: 900 });
    await page.waitForSelector('tr[data-backend="peer"]');
    const rows = await page.locator('[data-field="backends"] tr').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-backend')));
    expect(rows).to.deep.equal(['peer', 'flaky', 'local']);

    const before = await number(page, 'totals-requests');
    const sentBefore = load.sent();
    await page.waitForFunction((n) => Number(document.querySelector('[data-field="totals-requests"]')?.textContent) > n + 5, before, { timeout: 15_000 });
    expect(load.sent()).to.be.greaterThan(sentBefore);

    // Counters per backend move, the failing one's circuit opens, invalid work shows against the fast peer.
    const count = (backend: string, kind: string): string => `tr[data-backend="${backend}"] td[data-count="${kind}"]`;
    await page.waitForFunction((sel) => Number(document.querySelector(sel)?.textContent) > 0, count('peer', 'won'), { timeout: 15_000 });
    await page.waitForFunction((sel) => Number(document.querySelector(sel)?.textContent) > 0, count('peer', 'invalid'), { timeout: 15_000 });
    await page.waitForFunction((sel) => Number(document.querySelector(sel)?.textContent) > 0, count('local', 'won'), { timeout: 15_000 });
    await page.waitForFunction(() => document.querySelector('tr[data-backend="flaky"] .state')?.textContent === 'open', undefined, { timeout: 15_000 });
    expect(Number(await page.locator(count('flaky', 'failed')).innerText())).to.be.at.least(3);
    const peerRow = await page.locator('tr[data-backend="peer"]').innerText();
    expect(peerRow).to.include('closed').and.include(peer.url).and.match(/\d+ ms/);

    // The chart has drawn at least two seconds; the hit ratio is a percentage.
    await page.waitForFunction(() => (document.querySelector('[data-field="chart-requests"]')?.getAttribute('points') ?? '').split(' ').length >= 2, undefined, {
      timeout: 15_000,
    });
    expect(await text(page, 'hit-ratio')).to.match(/^\d+(\.\d)? %$/);
    expect(await number(page, 'rps')).to.be.greaterThan(0);

    // Recent jobs with shortened roots, precache from its provider, the generator, version, uptime, readiness.
    await page.waitForFunction(() => document.querySelectorAll('[data-field="jobs"] tr td.mono').length >= 3, undefined, { timeout: 15_000 });
    const roots = await page.locator('[data-field="jobs"] td.mono').allInnerTexts();
    for (const root of roots) expect(root).to.match(/^[0-9A-F]{8}…[0-9A-F]{4}$/);
    expect(await text(page, 'precache-state')).to.equal('connected');
    expect(await text(page, 'precache-detail')).to.match(/^42 accounts · queue \d · hits 75\.0 %$/);
    expect(await text(page, 'hash-rate')).to.match(/H\/s$/);
    expect(await text(page, 'version')).to.match(/^v\d+\.\d+\.\d+/);
    expect(await text(page, 'uptime')).to.match(/\d+m \d+s/);
    expect(await text(page, 'ready')).to.equal('ready');
    expect(await page.locator('[data-field="banner"]').isHidden()).to.equal(true);

    // Live: the clock and the totals change between two polls.
    const updated = await text(page, 'updated');
    const total = await number(page, 'totals-requests');
    await page.waitForFunction(
      ([u, t]) => document.querySelector('[data-field="updated"]')?.textContent !== u && Number(document.querySelector('[data-field="totals-requests"]')?.textContent) > (t as number),
      [updated, total] as const,
      { timeout: 10_000 },
    );

    mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: path.join(SHOTS, 'dashboard.png'), fullPage: true });
    await page.close();
    expect(errors, 'console errors').to.deep.equal([]);
    expect(foreign, 'requests that left powgate').to.deep.equal([]);
  });

  it('fits a phone: the page itself never scrolls sideways', async () => {
    const { page, errors } = await open(`${gate.url}/dashboard`, { width: 390, height: 844 });
    await page.waitForSelector('tr[data-backend="local"]');
    const widths = await page.evaluate(() => ({ page: document.documentElement.scrollWidth, view: window.innerWidth }));
    expect(widths.page).to.be.at.most(widths.view);
    // The wide tables scroll inside their own box instead.
    const boxes = await page.locator('.scroll').evaluateAll((els) => els.map((el) => el.clientWidth <= window.innerWidth));
    expect(boxes).to.deep.equal([true, true, true]); // backends, hub workers (hidden without a hub), recent jobs
    await page.close();
    expect(errors).to.deep.equal([]);
  });
});
