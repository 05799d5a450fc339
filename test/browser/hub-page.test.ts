import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { type BrowserContext, chromium } from 'playwright-core';
import { createPlan, sendPlan } from '../../lib/ledger/payouts.js';
import { encodeAccount, NETWORKS } from '../../lib/pow/index.js';
import type { Powgate } from '../../lib/server.js';
import { startTestPowgate } from '../helpers/powgate.js';

declare const document: {
  querySelector(selector: string): { textContent: string | null } | null;
  querySelectorAll(selector: string): ArrayLike<unknown>;
  documentElement: { scrollWidth: number };
};
declare const window: { innerWidth: number };

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
const dev = NETWORKS['nano-dev'];

function account(n: number): string {
  const key = new Uint8Array(32);
  key[0] = n;
  key[31] = 3;
  return encodeAccount(key, 'nano_');
}

describe('dashboard hub page in headless Chromium', function () {
  this.timeout(90_000);
  let gate: Powgate;
  let context: BrowserContext;
  let profile: string;
  let dir: string;

  before(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: install Debian's chromium (npm test does) or set CHROMIUM_PATH`);
    dir = mkdtempSync(path.join(os.tmpdir(), 'powgate-hub-page-'));
    gate = await startTestPowgate({
      backends: { hub: { type: 'hub', broker: 'embedded', listen: '127.0.0.1:0' } },
      tiers: [{ backends: ['hub'] }],
      precache: { enabled: false },
      ledger: { data_dir: dir },
      services: {
        listed: { key: 'k'.repeat(24), display: 'Listed Wallet', website: 'https://wallet.example', public: true },
        hidden: { key: 'h'.repeat(24), display: 'Hidden Service', public: false },
      },
    });
    const ledger = gate.ledger;
    const db = gate.database;
    if (ledger === undefined || db === undefined) throw new Error('no ledger');
    const now = Date.now();
    const record = (n: number, difficulty: bigint, at: number) =>
      ledger.record({ backend: 'hub', type: 'ondemand', outcome: 'accepted', account: account(n), accountValid: true, root: 'E'.repeat(64), difficulty, at });
    record(1, dev.sendThreshold, now - 20 * 60_000);
    record(2, dev.receiveThreshold, now - 20 * 60_000);
    await ledger.flush();
    const plan = await createPlan(db, {
      from: now - 30 * 60_000,
      to: now - 10 * 60_000,
      amount: 10n ** 30n,
      fee: { text: '1%', numerator: 1n, denominator: 100n },
      minimum: 1n,
      network: 'nano-dev',
    });
    await sendPlan(db, plan.id, { send: async () => 'F'.repeat(64) });
    // The current period: worker 1 three sends, worker 2 one.
    for (let i = 0; i < 3; i++) record(1, dev.sendThreshold, now - 1000);
    record(2, dev.sendThreshold, now - 1000);
    await ledger.flush();
    profile = mkdtempSync(path.join(os.tmpdir(), 'powgate-chromium-'));
    context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS });
  });
  after(async () => {
    await context?.close();
    await gate?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  for (const viewport of [
    { width: 1440, height: 900 },
    { width: 390, height: 844 },
  ]) {
    it(`shows workers with their share of the current period, the reward history and public services (${viewport.width} px)`, async () => {
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
      await page.goto(`${gate.url}/hub`);
      await page.waitForSelector(`tr[data-account="${account(1)}"]`, { timeout: 15_000 });
      const share = (n: number) => page.locator(`tr[data-account="${account(n)}"] td[data-share]`).innerText();
      expect(await share(1)).to.equal('75.00 %');
      expect(await share(2)).to.equal('25.00 %');
      const text = (f: string) => page.locator(`[data-field="${f}"]`).innerText();
      expect(await text('workers-total')).to.equal('2');
      expect(await text('works-total')).to.equal('6');
      expect(await text('period-works')).to.equal('4');
      expect(await text('period-weight')).to.equal('256');
      expect(await text('rewards-distributed')).to.equal('0.99 XNO');
      expect(await text('rewards-fees')).to.equal('0.01 XNO');
      const paid1 = await page.locator(`tr[data-account="${account(1)}"]`).innerText();
      expect(paid1).to.include('0.974769 XNO');
      const history = await page.locator('[data-field="payouts"]').innerText();
      expect(history).to.include('1 XNO').and.include('2 / 2');
      const services = await page.locator('[data-field="public-services"]').innerText();
      expect(services).to.include('Listed Wallet').and.include('https://wallet.example');
      expect(services).not.to.include('Hidden Service');
      const widths = await page.evaluate(() => ({ page: document.documentElement.scrollWidth, view: window.innerWidth }));
      expect(widths.page).to.be.at.most(widths.view);
      mkdirSync(SHOTS, { recursive: true });
      await page.screenshot({ path: path.join(SHOTS, `hub-${viewport.width}x${viewport.height}.png`), fullPage: true });
      await page.close();
      expect(errors, 'console errors').to.deep.equal([]);
      expect(foreign, 'requests that left powgate').to.deep.equal([]);
    });
  }
});
