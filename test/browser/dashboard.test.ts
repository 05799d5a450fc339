import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import type { Powgate } from '../../lib/server.js';
import { type Scenario, startScenario } from './scenario.js';

// The callbacks given to waitForFunction and evaluate run inside the page; this project compiles
// without the DOM library, so the little they touch is declared here.
declare const document: {
  querySelector(selector: string): { textContent: string | null; getAttribute(name: string): string | null } | null;
  querySelectorAll(selector: string): ArrayLike<DomElement>;
  documentElement: { scrollWidth: number };
};
interface DomElement {
  scrollWidth: number;
  clientWidth: number;
  textContent: string | null;
  getBoundingClientRect(): { left: number; right: number; width: number };
}
declare const window: { innerWidth: number };

// Debian's chromium (npm test's pretest, scripts/test-deps.sh, installs it); never a downloaded browser.
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

describe('dashboard in headless Chromium', function () {
  this.timeout(90_000);
  let scenario: Scenario;
  let gate: Powgate;
  let context: BrowserContext;
  let profile: string;

  before(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`no Chromium at ${CHROMIUM}: install Debian's chromium (npm test does, through scripts/test-deps.sh) or set CHROMIUM_PATH`);
    }
    // Traffic, invalid work, a failing peer, precache jobs, cancels: see scenario.ts.
    scenario = await startScenario();
    gate = scenario.gate;
    profile = mkdtempSync(path.join(os.tmpdir(), 'powgate-chromium-'));
    context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS });
  });

  after(async () => {
    await context?.close();
    await scenario?.stop();
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
    const { page, errors, foreign } = await open(`${gate.url}/`, { width: 1440, height: 900 });
    await page.waitForSelector('tr[data-backend="peer"]');
    const rows = await page.locator('[data-field="backends"] tr').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-backend')));
    expect(rows).to.deep.equal(['peer', 'flaky', 'local']);

    const before = await number(page, 'totals-requests');
    const sentBefore = scenario.sent();
    await page.waitForFunction((n) => Number(document.querySelector('[data-field="totals-requests"]')?.textContent) > n + 5, before, { timeout: 15_000 });
    expect(scenario.sent()).to.be.greaterThan(sentBefore);

    // Counters per backend move, the failing one's circuit opens, invalid work shows against the fast peer.
    const count = (backend: string, kind: string): string => `tr[data-backend="${backend}"] td[data-count="${kind}"]`;
    await page.waitForFunction((sel) => Number(document.querySelector(sel)?.textContent) > 0, count('peer', 'won'), { timeout: 15_000 });
    await page.waitForFunction((sel) => Number(document.querySelector(sel)?.textContent) > 0, count('peer', 'invalid'), { timeout: 15_000 });
    await page.waitForFunction((sel) => Number(document.querySelector(sel)?.textContent) > 0, count('local', 'won'), { timeout: 15_000 });
    await page.waitForFunction(() => document.querySelector('tr[data-backend="flaky"] .state')?.textContent === 'open', undefined, { timeout: 15_000 });
    expect(Number(await page.locator(count('flaky', 'failed')).innerText())).to.be.at.least(3);
    const peerRow = await page.locator('tr[data-backend="peer"]').innerText();
    expect(peerRow)
      .to.include('closed')
      .and.match(/http:\/\/127\.0\.0\.1:\d+/)
      .and.match(/\d+ ms/);
    // Skips (here: the open circuit) have their own column, apart from failures.
    await page.waitForFunction((sel) => Number(document.querySelector(sel)?.textContent) > 0, count('flaky', 'skipped'), { timeout: 15_000 });

    // The chart has drawn at least two seconds, with values on both scales; the hit ratio is a percentage.
    await page.waitForFunction(
      () => ((document.querySelector('[data-field="chart-requests"]')?.getAttribute('d') ?? '').match(/L/g) ?? []).length >= 1,
      undefined,
      {
        timeout: 15_000,
      },
    );
    expect(await text(page, 'chart-max')).to.match(/^\d+(\.\d+)?k?\/s$/);
    expect(await text(page, 'chart-mid')).to.match(/\/s$/);
    expect(await page.locator('.y.right').innerText()).to.match(/100 %\s+50 %\s+0 %/);
    expect(await text(page, 'hit-ratio')).to.match(/^\d+(\.\d)? %$/);
    expect(await number(page, 'rps')).to.be.greaterThan(0);

    // Recent jobs with shortened roots, precache from its provider, the generator, version, uptime, readiness.
    await page.waitForFunction(() => document.querySelectorAll('[data-field="jobs"] tr td.mono').length >= 3, undefined, { timeout: 15_000 });
    const roots = await page.locator('[data-field="jobs"] td.mono').allInnerTexts();
    for (const root of roots) expect(root).to.match(/^[0-9A-F]{8}…[0-9A-F]{4}$/);
    expect(await text(page, 'precache-state')).to.equal('disconnected');
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
      ([u, t]) =>
        document.querySelector('[data-field="updated"]')?.textContent !== u &&
        Number(document.querySelector('[data-field="totals-requests"]')?.textContent) > (t as number),
      [updated, total] as const,
      { timeout: 10_000 },
    );

    // Precache jobs are labelled as such; a cancelled job says why.
    await page.waitForSelector('[data-field="jobs"] .tag.precache', { timeout: 15_000 });
    await page.waitForSelector('[data-field="jobs"] .outcome-cancelled + .why', { timeout: 15_000 });
    const whys = await page.locator('[data-field="jobs"] .why').allInnerTexts();
    for (const why of whys) expect(why).to.match(/work_cancel|client went away|precache|deadline|Work generation failed/);

    // Nothing overflows its card or panel at 1440 px ("disconnected" used to).
    const overflowing = await page.evaluate(() =>
      Array.from(document.querySelectorAll('.card, .panel, .big'))
        .filter((e) => e.scrollWidth > e.clientWidth + 1)
        .map((e) => e.textContent),
    );
    expect(overflowing).to.deep.equal([]);

    mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: path.join(SHOTS, 'dashboard-1440x900.png'), fullPage: true });
    await page.close();
    expect(errors, 'console errors').to.deep.equal([]);
    expect(foreign, 'requests that left powgate').to.deep.equal([]);
  });

  it('fits a phone: the page never scrolls sideways, and every column (circuit, p99, outcome) is on screen', async () => {
    const { page, errors } = await open(`${gate.url}/dashboard`, { width: 390, height: 844 });
    await page.waitForSelector('tr[data-backend="local"]');
    await page.waitForSelector('[data-field="jobs"] td[data-label="outcome"]', { timeout: 15_000 });
    const widths = await page.evaluate(() => ({ page: document.documentElement.scrollWidth, view: window.innerWidth }));
    expect(widths.page).to.be.at.most(widths.view);
    // The tables reflow into labelled cells: none is cut off at the right edge.
    const cells = await page.evaluate(() =>
      Array.from(document.querySelectorAll('table.reflow td')).map((td) => {
        const r = td.getBoundingClientRect();
        return { right: r.right, width: r.width, label: (td as unknown as { getAttribute(n: string): string | null }).getAttribute('data-label') };
      }),
    );
    for (const label of ['circuit', 'p99', 'skipped', 'outcome', 'kind']) {
      const found = cells.filter((c) => c.label === label);
      expect(found.length, label).to.be.greaterThan(0);
      for (const c of found) expect(c.right, label).to.be.at.most(widths.view);
    }
    mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: path.join(SHOTS, 'dashboard-390x844.png'), fullPage: true });
    await page.close();
    expect(errors).to.deep.equal([]);
  });
});
