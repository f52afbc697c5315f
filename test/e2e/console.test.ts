// E2E: the operator console, served by tiernet itself, driven in headless Chromium
// (playwright-core + Debian's /usr/bin/chromium) against a running `tiernet demo`:
// the overview draws the tier chart, a user page shows the VIP timeline and the explanation,
// the agent explorer expands the 10k-deep chain level by level with depth=1 requests only,
// the deepest user's upline pages, the group rule preview answers live (when the groups API
// is deployed), settlements list and open (when deployed; "not available" otherwise), with no
// script error. A second run against `tiernet serve` with an admin token shows the token is
// asked for once and used. Screenshots go to test-artifacts/console/.
// Chromium missing is a failure, not a skip: run scripts/install-chromium.sh.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { startServe, type ServeHandle } from '../support/cli.ts';
import { startDemo, type DemoProcess, type ReadyLine } from './demo-process.ts';

const chromiumPath = process.env.TIERNET_CHROMIUM ?? '/usr/bin/chromium';
const artifacts = join(process.cwd(), 'test-artifacts', 'console');
const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const waitMs = 20_000;

async function launch(): Promise<{ context: BrowserContext; profile: string }> {
  assert.ok(
    existsSync(chromiumPath),
    `Chromium is missing at ${chromiumPath}: run scripts/install-chromium.sh (or set TIERNET_CHROMIUM)`,
  );
  // A fresh profile every run: no cache, cookies or sessionStorage from an earlier run.
  const profile = mkdtempSync(join(tmpdir(), 'tiernet-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    args: chromiumArgs,
    viewport: { width: 1400, height: 1000 },
  });
  return { context, profile };
}

/** Polls a condition evaluated in Node (the test has no DOM types), failing with `what` after timeoutMs. */
async function waitUntil(condition: () => Promise<boolean>, what: string, timeoutMs = waitMs): Promise<void> {
  const deadlineMs = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadlineMs) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function previewCount(page: Page): Promise<number | null> {
  const cards = page.locator('#preview-count .value');
  if ((await cards.count()) === 0) return null;
  return Number((await cards.innerText()).replaceAll(',', ''));
}

async function previewValid(page: Page): Promise<boolean> {
  return (await page.locator('#preview-status').textContent()) === 'valid rule' && (await previewCount(page)) !== null;
}

/**
 * Types a rule and returns the count its live preview shows. A broken JSON first resets the
 * status, so the "valid rule" awaited afterwards is this rule's answer, not an earlier one.
 */
async function previewOf(page: Page, rule: unknown): Promise<number> {
  await page.fill('#rule-input', '{');
  await waitUntil(
    async () => ((await page.locator('#preview-status').textContent()) ?? '').startsWith('JSON'),
    'the JSON error of an unfinished rule',
  );
  await page.fill('#rule-input', JSON.stringify(rule, null, 2));
  await waitUntil(() => previewValid(page), `the preview of ${JSON.stringify(rule)}`);
  return (await previewCount(page)) ?? -1;
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true });
}

/** Whether an endpoint exists: anything but 404 route_not_found. */
async function deployed(baseUrl: string, method: string, path: string, body?: unknown): Promise<boolean> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
  });
  if (response.status !== 404) return true;
  const problem = (await response.json()) as { code?: string };
  return problem.code !== 'route_not_found';
}

describe('operator console on a running demo (headless Chromium)', { timeout: 300_000 }, () => {
  let demo: DemoProcess;
  let ready: ReadyLine;
  let context: BrowserContext;
  let profile: string;
  let page: Page;
  const pageErrors: string[] = [];
  const downlineRequests: string[] = [];

  before(async () => {
    mkdirSync(artifacts, { recursive: true });
    ({ context, profile } = await launch());
    demo = startDemo(['--duration', '0', '--seed', '11', '--users', '3000', '--history-days', '14', '--port', '0']);
    ready = (await demo.waitFor('ready', 180_000)) as ReadyLine;
    page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('request', (request) => {
      if (request.url().includes('/downline')) downlineRequests.push(request.url());
    });
  });
  after(async () => {
    await context?.close();
    if (profile !== undefined) rmSync(profile, { recursive: true, force: true });
    const code = await demo?.stop();
    assert.equal(code, 0, 'the demo exits 0 on SIGTERM');
  });

  test('/ redirects to the console', async () => {
    const response = await fetch(ready.address, { redirect: 'manual' });
    assert.equal(response.status, 302);
    assert.equal(response.headers.get('location'), '/console/');
  });

  test('overview: the tier chart is drawn with a bar per level, and recent VIP changes are listed', async () => {
    await page.goto(`${ready.console}#/overview`);
    await page.waitForSelector('.tier-chart rect.bar', { timeout: waitMs });
    const values = await page.$$eval('.tier-chart rect.bar', (bars) =>
      bars.map((bar) => Number(bar.getAttribute('data-value'))),
    );
    assert.equal(values.length, 6, 'one bar per level of the demo ladder');
    assert.ok(values.filter((value) => value > 0).length >= 3, `users on several levels: ${values.join(', ')}`);
    await page.waitForSelector('.recent-table tbody tr', { timeout: waitMs });
    await page.waitForSelector('#settlement-runs table, #settlement-runs .notice', { timeout: waitMs });
    await shot(page, 'overview');
  });

  test('user page: VIP timeline, explanation, policy and a paged upline', async () => {
    const userId = ready.heavyBettorIds[0];
    assert.ok(userId !== undefined);
    await page.goto(`${ready.console}#/users/${userId}`);
    await page.waitForSelector('#vip-timeline svg.timeline path.step', { timeout: waitMs });
    assert.ok(
      (await page.locator('#vip-timeline svg.timeline circle.dot-up').count()) >= 1,
      'promotions on the timeline',
    );
    await page.waitForSelector('#vip-explain .explain', { timeout: waitMs });
    const explainText = await page.locator('#vip-explain').innerText();
    assert.match(explainText, /to keep|to rise|top level/i, 'the explanation says what is left to keep or rise');
    await page.waitForSelector('#vip-history tbody tr', { timeout: waitMs });
    await page.waitForSelector('#user-policy table, #user-policy [data-state="not-available"]', { timeout: waitMs });
    await shot(page, 'user');
  });

  test('agent explorer: expands the 10k-deep chain level by level, fetching one level at a time', async () => {
    const rootId = ready.chain.rootId;
    downlineRequests.length = 0;
    await page.goto(`${ready.console}#/agents/${rootId}`);
    const first = String(BigInt(rootId) + 1n);
    await page.waitForSelector(`.tree-row[data-user-id="${first}"]`, { timeout: waitMs });
    let current = first;
    for (let level = 1; level <= 6; level++) {
      await page.click(`.tree-row[data-user-id="${current}"] .toggle`);
      const child = String(BigInt(current) + 1n);
      await page.waitForSelector(`.tree-row[data-user-id="${child}"]`, { timeout: waitMs });
      current = child;
    }
    await page.click(`.tree-row[data-user-id="${current}"] .follow`);
    const deeper = String(BigInt(current) + 10n);
    await page.waitForSelector(`.tree-row[data-user-id="${deeper}"]`, { timeout: waitMs });
    const depth = Number(await page.getAttribute(`.tree-row[data-user-id="${deeper}"]`, 'data-depth'));
    assert.equal(depth, 17, 'seventeen levels below the chain root');
    const rows = await page.locator('.tree-row').count();
    assert.ok(rows <= 20, `only the expanded path is loaded (${rows} rows), never the whole chain`);
    assert.ok(
      downlineRequests.length > 0 && downlineRequests.every((url) => /[?&]depth=1(&|$)/.test(url)),
      'every downline request asks for one level',
    );
    await page.waitForSelector('#agent-team dl', { timeout: waitMs });
    await shot(page, 'agents');

    await page.click(`.tree-row[data-user-id="${first}"] .toggle`);
    assert.equal(await page.locator('.tree-row').count(), 2, 'collapsing removes the expanded path');
  });

  test('the deepest user: depth 10,000 and an upline that pages on demand', async () => {
    await page.goto(`${ready.console}#/users/${ready.chain.deepestId}`);
    await page.waitForSelector('#user-upline .upline-row', { timeout: waitMs });
    assert.equal(await page.locator('#user-upline .upline-row').count(), 20, 'one page of ancestors');
    await page.click('#user-upline .load-more');
    await waitUntil(
      async () => (await page.locator('#user-upline .upline-row').count()) === 40,
      'a second page of ancestors',
    );
    assert.match(await page.locator('#user-summary').innerText(), /10,000/, 'depth shown');
  });

  test('groups: the rule editor previews live (or says the groups API is not available)', async () => {
    const previewDeployed = await deployed(ready.address, 'POST', '/v1/groups/preview', {
      rule: { field: 'vip.level', op: 'gte', value: 1 },
    });
    await page.goto(`${ready.console}#/groups`);
    if (!previewDeployed) {
      await page.waitForSelector('#preview-status [data-state="not-available"]', { timeout: waitMs });
      await shot(page, 'groups');
      return;
    }
    await page.waitForSelector('#preview-count', { timeout: waitMs });
    await page.fill('#rule-input', JSON.stringify({ field: 'vip.level', op: 'gte', value: 2 }, null, 2));
    await waitUntil(() => previewValid(page), 'the preview of the example rule');
    const atLeastSilver = await previewOf(page, { field: 'vip.level', op: 'gte', value: 2 });
    assert.ok(atLeastSilver > 0, 'users at Silver or above');
    const diamonds = await previewOf(page, { field: 'vip.level', op: 'gte', value: 5 });
    assert.ok(
      diamonds >= 0 && diamonds < atLeastSilver,
      `a narrower rule previews fewer users (${diamonds} < ${atLeastSilver})`,
    );
    await previewOf(page, {
      all: [
        { field: 'vip.level', op: 'gte', value: 2 },
        { field: 'user.tags', op: 'has', value: 'mobile' },
      ],
    });
    await shot(page, 'groups-preview');
    await page.fill('#rule-input', '{"field":"vip.level","op":"bogus","value":1}');
    await page.waitForSelector('#preview-status .notice.error', { timeout: waitMs });
    assert.match(await page.locator('#preview-status').innerText(), /op/, 'the refusal names what is wrong');
    if ((await page.locator('.group-table tbody tr').count()) > 0) {
      await page.click('.group-table tbody tr:first-child');
      await page.waitForSelector('#group-members tbody tr', { timeout: waitMs });
    }
    await shot(page, 'groups');
  });

  test('settlements: runs, totals with residue and capped, and paged lines (or "not available")', async () => {
    const settlementsDeployed = await deployed(ready.address, 'GET', '/v1/settlements');
    await page.goto(`${ready.console}#/settlements`);
    if (!settlementsDeployed) {
      await page.waitForSelector('#settlement-list [data-state="not-available"]', { timeout: waitMs });
      await shot(page, 'settlements');
      return;
    }
    // Runs start after periods close; when none has committed yet, settle now from the console
    // (the button POSTs /v1/settlements) and reload until the run shows, within a bound.
    const deadline = Date.now() + 60_000;
    while ((await page.locator('.settlement-row').count()) === 0) {
      if (Date.now() > deadline) throw new Error('no settlement run appeared within 60 s');
      await page.waitForSelector('#settle-now', { timeout: waitMs });
      await page.click('#settle-now');
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      await page.reload();
      await page
        .waitForSelector('#settlement-list table, #settlement-list .notice, .settlement-row', { timeout: waitMs })
        .catch(() => undefined);
    }
    await shot(page, 'settlements');
    await page.click('.settlement-row a');
    await page.waitForSelector('#settlement-totals', { timeout: waitMs });
    const totals = await page.locator('#settlement-totals').innerText();
    assert.match(totals, /residue/i);
    assert.match(totals, /capped/i);
    await page.waitForSelector('.lines-table tbody tr', { timeout: waitMs });
    await shot(page, 'settlement');
  });

  test('no script error on any page', () => {
    assert.deepEqual(pageErrors, []);
  });
});

describe('operator console with an admin token (headless Chromium)', { timeout: 120_000 }, () => {
  const token = 'console-test-token-0123456789';
  const directory = mkdtempSync(join(tmpdir(), 'tiernet-console-'));
  let server: ServeHandle;
  let context: BrowserContext;
  let profile: string;

  before(async () => {
    mkdirSync(artifacts, { recursive: true });
    ({ context, profile } = await launch());
    server = await startServe(['--data-dir', directory], { TIERNET_ADMIN_TOKEN: token, TIERNET_LOG_LEVEL: 'warn' });
  });
  after(async () => {
    await context?.close();
    if (profile !== undefined) rmSync(profile, { recursive: true, force: true });
    assert.equal(await server?.stop(), 0);
    rmSync(directory, { recursive: true, force: true });
  });

  test('asks for the token on 401, then keeps it for the tab and sends it as a bearer token', async () => {
    const page = await context.newPage();
    const authorizations: string[] = [];
    page.on('request', (request) => {
      if (request.url().includes('/v1/')) authorizations.push(request.headers().authorization ?? '');
    });
    await page.goto(`${server.baseUrl}/console/#/overview`);
    await page.waitForSelector('#token-panel:not([hidden])', { timeout: waitMs });
    assert.match(await page.locator('#token-note').innerText(), /needs an admin token/);
    await page.fill('#token-input', token);
    await page.click('#token-form button[type="submit"]');
    // A fresh install has no user: the bars exist with zero height.
    await page.waitForSelector('.tier-chart rect.bar', { state: 'attached', timeout: waitMs });
    assert.equal(
      await page.evaluate<string | null>('sessionStorage.getItem("tiernet.adminToken")'),
      token,
      'kept in sessionStorage',
    );
    assert.ok(authorizations.includes(`Bearer ${token}`), 'sent as a bearer token');
    await page.reload();
    await page.waitForSelector('.tier-chart rect.bar', { state: 'attached', timeout: waitMs });
    assert.equal(await page.locator('#token-panel').isHidden(), true, 'not asked again in the same tab');
    await shot(page, 'token');
  });
});
