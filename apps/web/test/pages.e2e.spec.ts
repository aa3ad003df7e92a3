/**
 * The pages in headless Chromium against `refdiff serve` (embedded database, local worker on the fixture pack): sign
 * in, upload a synthetic scene, run two expressions and compare the drawn masks with the API's; the dashboard's
 * totals against the `usage` query; tenant isolation; a bad key; the admin view; and not one request leaving the
 * gateway's origin. Screenshots of each page go to test-results/web/.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRng, generateScene, referringExpressions } from '@refdiff/synthetic';
import { heatColor } from '../src/lib/heatmap';
import { decodeRle } from '../src/lib/rle';
import { ARTIFACTS, chromiumAvailable, CHROMIUM, foreignRequests, launchBrowser, screenshotPath, type TestBrowser } from './browser';
import { seriousViolations } from './axe';
import { decodeGrayPng, encodePng } from './png';
import { createTenant, gql, startServe, type ServeProcess } from './serve-process';

if (!chromiumAvailable) {
  throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium; .ci/run does it)`);
}

let gw: ServeProcess;
let browser: TestBrowser;
let tenantA: { id: string; token: string };
let tenantB: { id: string; token: string };
const scenePng = `${ARTIFACTS}scene.png`;
/** Tenant names are unique, and a gateway may be reused (REFDIFF_WEB_E2E_URL). */
const RUN = Date.now().toString(36);
const scene = generateScene({ width: 256, height: 192, seed: 11, objects: 3 });
const expressions = referringExpressions(scene, createRng(3))
  .slice(0, 2)
  .map((e) => e.text);
/** Filled in by the playground test, read by the later ones. */
const runA: { ids: string[] } = { ids: [] };

const SEG = `query($id: ID!) { segmentation(id: $id) { id expression status rootWord score scores attentionMapPng options mask { rle { size counts } box area } } }`;
const USAGE = `query($from: DateTime!, $to: DateTime!) { usage(from: $from, to: $to, granularity: HOUR) { totals { requests expressions images gpuMs failures } } }`;

beforeAll(async () => {
  gw = await startServe();
  browser = await launchBrowser();
  tenantA = await createTenant(gw.url, gw.adminToken, `web-e2e-acme-${RUN}`);
  tenantB = await createTenant(gw.url, gw.adminToken, `web-e2e-globex-${RUN}`);
  writeFileSync(scenePng, encodePng(scene.image, scene.width, scene.height));
});

afterAll(async () => {
  await browser?.close();
  await gw?.stop();
});

async function signIn(page: Page, token: string, hash = '') {
  await page.goto(`${gw.url}/${hash}`);
  await page.getByLabel('API key').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

/** The page's canvas as [H, W] 0/1 (any non-black pixel is 1) or as raw RGBA. */
function canvasPixels(page: Page, selector: string): Promise<{ width: number; height: number; rgba: number[] }> {
  return page.locator(selector).evaluate((c: HTMLCanvasElement) => {
    const ctx = c.getContext('2d') as CanvasRenderingContext2D;
    const d = ctx.getImageData(0, 0, c.width, c.height);
    return { width: c.width, height: c.height, rgba: Array.from(d.data) };
  });
}

describe('sign-in', () => {
  it('shows an error in words for a bad key and keeps nothing in the session', async () => {
    const { page, context } = await browser.newPage();
    await page.goto(`${gw.url}/`);
    await page.getByLabel('API key').fill(`rd_live_v1_${'x'.repeat(43)}`);
    await page.getByRole('button', { name: 'Sign in' }).click();
    const alert = page.getByRole('alert');
    await expect.poll(() => alert.textContent()).toMatch(/Sign-in failed\. The API key was not accepted/);
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    await expect(page.getByRole('button', { name: 'Sign out' }).count()).resolves.toBe(0);
    await page.screenshot({ path: screenshotPath('signin-error'), fullPage: true });
    expect(await seriousViolations(page), 'accessibility of the signin-error page').toEqual([]);

    // Not even key-shaped: the same error, from the gateway.
    await page.getByLabel('API key').fill('hunter2');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => alert.textContent()).toMatch(/not accepted/);
    await context.close();
  });
});

describe('playground', () => {
  it('uploads a synthetic scene, runs two expressions and draws the masks the API returned', async () => {
    expect(expressions).toHaveLength(2);
    const { page, context } = await browser.newPage();
    // Progress comes over the WebSocket subscription, not the long poll.
    const sockets: string[] = [];
    const polls: string[] = [];
    page.on('websocket', (ws) => sockets.push(ws.url()));
    page.on('request', (r) => {
      if (r.postData()?.includes('waitForSegmentations')) polls.push(r.url());
    });
    await signIn(page, tenantA.token);
    await page.getByRole('heading', { name: 'Playground' }).waitFor();
    // The key is kept in this tab's session storage only.
    expect(await page.evaluate(() => [Object.values(sessionStorage), localStorage.length, document.cookie])).toEqual([[tenantA.token], 0, '']);
    await page.setInputFiles('#image-file', scenePng);
    await page.getByRole('img', { name: 'The image to segment' }).waitFor();
    await page.getByLabel('Expressions, one per line').fill(expressions.join('\n'));
    await page.getByRole('button', { name: 'Run' }).click();
    // Progress shows while it runs (the fixture worker takes seconds), then the summary.
    await page.locator('[data-role=progress]').getByText(/^Segmenting: [01] of 2 done/).waitFor({ timeout: 30_000 });
    expect(await page.locator('[data-role=progress] progress').count()).toBe(1);
    await page.locator('[data-role=progress]').getByText(/^Finished: 2 of 2 succeeded\.$/).waitFor({ timeout: 150_000 });
    expect(sockets).toEqual([`${gw.url.replace(/^http/, 'ws')}/graphql`]);
    expect(polls).toEqual([]);

    const cards = page.locator('article.result');
    expect(await cards.count()).toBe(2);
    const union = new Uint8Array(scene.width * scene.height);
    for (let i = 0; i < 2; i++) {
      const card = cards.nth(i);
      const id = (await card.getAttribute('data-segmentation-id')) as string;
      runA.ids.push(id);
      const { segmentation: api } = await gql(gw.url, tenantA.token, SEG, { id });
      expect(api.status).toBe('SUCCEEDED');
      expect(api.expression).toBe(expressions[i]);
      const [h, w] = api.mask.rle.size;
      expect([w, h]).toEqual([scene.width, scene.height]);
      const expected = decodeRle(api.mask.rle);
      const area = expected.reduce((a: number, b: number) => a + b, 0);
      expect(area).toBe(api.mask.area);
      expect(area).toBeGreaterThan(0);
      for (let p = 0; p < union.length; p++) union[p] |= expected[p];

      // The black-and-white mask canvas (what "Download mask PNG" holds) is the API's mask, pixel for pixel.
      const mask = await canvasPixels(page, `article[data-segmentation-id="${id}"] canvas[data-role=mask]`);
      expect([mask.width, mask.height]).toEqual([w, h]);
      let mismatched = 0;
      for (let p = 0; p < w * h; p++) if ((mask.rgba[p * 4] > 127 ? 1 : 0) !== expected[p]) mismatched++;
      expect(mismatched).toBe(0);

      // The overlay differs from the uploaded image exactly where the mask is (a tint, nothing else drawn).
      const overlay = await canvasPixels(page, `article[data-segmentation-id="${id}"] canvas[data-role=overlay]`);
      let changedOutside = 0;
      let changedInside = 0;
      for (let p = 0; p < w * h; p++) {
        const same = overlay.rgba[p * 4] === scene.image[p * 3] && overlay.rgba[p * 4 + 1] === scene.image[p * 3 + 1] && overlay.rgba[p * 4 + 2] === scene.image[p * 3 + 2];
        if (!same && !expected[p]) changedOutside++;
        if (!same && expected[p]) changedInside++;
      }
      expect(changedOutside).toBe(0);
      expect(changedInside).toBeGreaterThan(area * 0.99);

      // The attention heat map (asked for by default): the API's map, colour-mapped pixel for pixel at its size.
      expect(api.options).toMatchObject({ returnAttention: true });
      expect(api.attentionMapPng).toMatch(/^data:image\/png;base64,/);
      const map = decodeGrayPng(Buffer.from(api.attentionMapPng.split(',')[1], 'base64'));
      expect(map.width * map.height).toBeGreaterThan(0);
      const heat = await canvasPixels(page, `article[data-segmentation-id="${id}"] canvas[data-role=attention]`);
      expect([heat.width, heat.height]).toEqual([map.width, map.height]);
      let heatWrong = 0;
      for (let p = 0; p < map.width * map.height; p++) {
        const [r, g, b] = heatColor(map.data[p]);
        if (heat.rgba[p * 4] !== r || heat.rgba[p * 4 + 1] !== g || heat.rgba[p * 4 + 2] !== b) heatWrong++;
      }
      expect(heatWrong).toBe(0);
      // A map with some structure: not one flat value.
      expect(Math.max(...map.data) - Math.min(...map.data)).toBeGreaterThan(10);

      // What the analyser found and how the proposals scored, as the API says.
      expect(await card.locator('[data-role=root]').textContent()).toBe(api.rootWord ?? '—');
      const proposals = api.scores?.proposals ?? [];
      expect(await card.locator('table.proposals tbody tr').count()).toBe(proposals.length);
      expect(await card.locator('tr.chosen th').textContent()).toContain(`#${api.scores.chosen}`);

      // Every other proposal's box, on request, from the API's boxes.
      await card.getByLabel(/Show every proposal/).check();
      const others = proposals.filter((p: { bbox: number[] | null }, k: number) => k !== api.scores.chosen && p.bbox && p.bbox[2] >= p.bbox[0]);
      expect(await card.locator('.proposal-box').count()).toBe(others.length);

      // The RLE download is the API's RLE.
      const [download] = await Promise.all([page.waitForEvent('download'), card.locator('[data-role=download-rle]').click()]);
      const saved = JSON.parse(readFileSync(await download.path(), 'utf8'));
      expect(saved).toMatchObject({ id, size: api.mask.rle.size, counts: api.mask.rle.counts });
    }
    // All results on one image: it differs from the scene exactly on the union of the two masks.
    const combined = await canvasPixels(page, 'canvas[data-role=combined]');
    let wrong = 0;
    for (let p = 0; p < union.length; p++) {
      const same = combined.rgba[p * 4] === scene.image[p * 3] && combined.rgba[p * 4 + 1] === scene.image[p * 3 + 1] && combined.rgba[p * 4 + 2] === scene.image[p * 3 + 2];
      if (same === Boolean(union[p])) wrong++;
    }
    expect(wrong).toBeLessThanOrEqual(union.reduce((a, b) => a + b, 0) * 0.01);
    await page.screenshot({ path: screenshotPath('playground'), fullPage: true });
    expect(await seriousViolations(page), 'accessibility of the playground page').toEqual([]);

    // Phone width: the results reflow into the viewport, no sideways scrolling of the page.
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.screenshot({ path: screenshotPath('playground-phone'), fullPage: true });
    await context.close();
  });

  it('cancels a run in progress', async () => {
    const tenantC = await createTenant(gw.url, gw.adminToken, `web-e2e-cancel-${RUN}`);
    // Another scene: the worker's per-image caches would make a repeat of the first run finish before Cancel.
    const other = generateScene({ width: 240, height: 200, seed: 12, objects: 3 });
    const { page, context } = await browser.newPage();
    // With the WebSocket refused (a proxy that does not pass them), the page falls back to the long poll.
    await page.routeWebSocket(/\/graphql$/, (ws) => ws.close({ code: 1011, reason: 'refused by the test' }));
    const polls: string[] = [];
    page.on('request', (r) => {
      if (r.postData()?.includes('waitForSegmentations')) polls.push(r.url());
    });
    await signIn(page, tenantC.token);
    await page.setInputFiles('#image-file', { name: 'other.png', mimeType: 'image/png', buffer: encodePng(other.image, other.width, other.height) });
    await page.getByLabel('Expressions, one per line').fill(expressions.join('\n'));
    await page.getByRole('button', { name: 'Run' }).click();
    await page.locator('[data-role=progress]').getByText(/^Segmenting: 0 of 2 done/).waitFor({ timeout: 30_000 });
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.locator('[data-role=progress]').getByText(/^Finished: 0 of 2 succeeded\.$/).waitFor({ timeout: 60_000 });
    const ids = await page.locator('article.result').evaluateAll((as) => as.map((a) => a.getAttribute('data-segmentation-id')));
    expect(await page.locator('article.result[data-status=CANCELLED]').count()).toBe(2);
    expect(polls.length).toBeGreaterThan(0);
    for (const id of ids) expect((await gql(gw.url, tenantC.token, SEG, { id })).segmentation.status).toBe('CANCELLED');
    await page.screenshot({ path: screenshotPath('playground-cancelled'), fullPage: true });
    await context.close();
  });

  it('takes an image dropped on the drop zone', async () => {
    const { page, context } = await browser.newPage();
    await signIn(page, tenantA.token);
    const b64 = readFileSync(scenePng).toString('base64');
    const dataTransfer = await page.evaluateHandle((data) => {
      const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
      const dt = new DataTransfer();
      dt.items.add(new File([bytes], 'dropped.png', { type: 'image/png' }));
      return dt;
    }, b64);
    await page.locator('.dropzone').dispatchEvent('drop', { dataTransfer });
    await page.getByRole('img', { name: 'The image to segment' }).waitFor();
    await page.getByText(new RegExp(`^dropped\\.png · [\\d.]+ KiB · ${scene.width}×${scene.height}$`)).waitFor();
    await context.close();
  });

  it('shows upload errors in words', async () => {
    const { page, context } = await browser.newPage();
    await signIn(page, tenantA.token);
    await page.setInputFiles('#image-file', { name: 'notes.png', mimeType: 'image/png', buffer: Buffer.from('not an image at all') });
    await page.getByLabel('Expressions, one per line').fill('the red circle');
    await page.getByRole('button', { name: 'Run' }).click();
    await expect.poll(() => page.locator('[data-role=error]').textContent()).toMatch(/not a PNG, JPEG or WebP image/);
    await context.close();
  });
});

describe('usage dashboard', () => {
  it("shows the same totals as the usage query, and the tenant's recent requests linking to their results", async () => {
    expect(runA.ids).toHaveLength(2);
    const { page, context } = await browser.newPage();
    await signIn(page, tenantA.token, '#/usage');
    await page.getByRole('heading', { name: 'Totals' }).waitFor();
    const to = new Date();
    const { usage } = await gql(gw.url, tenantA.token, USAGE, { from: new Date(to.getTime() - 24 * 3600_000).toISOString(), to: to.toISOString() });
    const shown = async (k: string) => (await page.locator(`[data-total=${k}]`).textContent())?.replace(/,/g, '');
    expect(usage.totals.expressions).toBe(2);
    for (const k of ['requests', 'expressions', 'images', 'failures']) expect(Number(await shown(k)), k).toBe(usage.totals[k]);
    expect(Number(await page.locator('[data-total=gpuMs]').getAttribute('data-value'))).toBe(usage.totals.gpuMs);

    // Per day over the last 7 days: the same totals as the query asked the same way.
    await page.getByRole('combobox', { name: /^Range/ }).selectOption('7d');
    await expect.poll(() => page.getByRole('combobox', { name: /^Per/ }).inputValue()).toBe('DAY');
    await page.getByRole('heading', { name: 'Per day' }).waitFor();
    const to7 = new Date();
    const week = await gql(gw.url, tenantA.token, USAGE.replace('granularity: HOUR', 'granularity: DAY'), {
      from: new Date(to7.getTime() - 7 * 24 * 3600_000).toISOString(),
      to: to7.toISOString(),
    });
    for (const k of ['requests', 'expressions', 'images', 'failures']) expect(Number(await shown(k)), k).toBe(week.usage.totals[k]);
    expect(await page.locator('svg.bars').first().locator('rect').count()).toBeGreaterThanOrEqual(7);

    const rows = page.locator('table[data-role=recent] tbody tr');
    expect((await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-segmentation-id')))).sort()).toEqual([...runA.ids].sort());
    await page.screenshot({ path: screenshotPath('usage'), fullPage: true });
    expect(await seriousViolations(page), 'accessibility of the usage page').toEqual([]);
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.screenshot({ path: screenshotPath('usage-phone'), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 900 });

    const openedId = (await rows.first().getAttribute('data-segmentation-id')) as string;
    await rows.first().getByRole('link').click();
    await page.getByRole('heading', { name: 'Request' }).waitFor();
    await page.locator('canvas[data-role=mask]').waitFor();
    // The request page draws the mask over the real image (GET /v1/images/:id): the overlay is the uploaded scene
    // everywhere outside the mask, and tinted on it.
    await page.getByText(/^Mask over the image;/).waitFor();
    const { segmentation: opened } = await gql(gw.url, tenantA.token, SEG, { id: openedId });
    const openedMask = decodeRle(opened.mask.rle);
    const drawn = await canvasPixels(page, 'canvas[data-role=overlay]');
    expect([drawn.width, drawn.height]).toEqual([scene.width, scene.height]);
    let outsideWrong = 0;
    let insideSame = 0;
    for (let p = 0; p < openedMask.length; p++) {
      const same = drawn.rgba[p * 4] === scene.image[p * 3] && drawn.rgba[p * 4 + 1] === scene.image[p * 3 + 1] && drawn.rgba[p * 4 + 2] === scene.image[p * 3 + 2];
      if (!openedMask[p] && !same) outsideWrong++;
      if (openedMask[p] && same) insideSame++;
    }
    expect(outsideWrong).toBe(0);
    expect(insideSame).toBeLessThanOrEqual(opened.mask.area * 0.01);
    await page.screenshot({ path: screenshotPath('request'), fullPage: true });
    expect(await seriousViolations(page), 'accessibility of the request page').toEqual([]);
    await context.close();
  });
});

describe('tenancy', () => {
  it("never shows one tenant's data on another tenant's pages", async () => {
    const { page, context } = await browser.newPage();
    await signIn(page, tenantB.token, '#/usage');
    await page.getByRole('heading', { name: 'Totals' }).waitFor();
    await page.getByText('No requests yet.').waitFor();
    const to = new Date();
    const { usage } = await gql(gw.url, tenantB.token, USAGE, { from: new Date(to.getTime() - 24 * 3600_000).toISOString(), to: to.toISOString() });
    expect(usage.totals.expressions).toBe(0);
    expect(await page.locator('[data-total=expressions]').textContent()).toBe('0');
    const text = (await page.locator('main').textContent()) ?? '';
    for (const e of expressions) expect(text).not.toContain(e);
    expect(text).not.toContain(tenantA.id);
    expect(text).toContain(tenantB.id);
    await page.screenshot({ path: screenshotPath('usage-other-tenant'), fullPage: true });

    // A's result by its id: not found for B, and none of A's data on the page.
    await page.goto(`${gw.url}/#/requests/${runA.ids[0]}`);
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/Not found/);
    expect(await page.locator('canvas').count()).toBe(0);
    // The admin view is refused without the ADMIN scope.
    await page.goto(`${gw.url}/#/admin`);
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/ADMIN scope/);
    expect(await page.getByRole('link', { name: 'Admin' }).count()).toBe(0);
    await context.close();
  });
});

describe('admin view', () => {
  it('lists the tenants, their keys and the healthy local worker; creates a tenant and a key, and revokes it', async () => {
    const { page, context } = await browser.newPage();
    await signIn(page, gw.adminToken, '#/admin');
    await page.getByRole('heading', { name: 'Workers' }).waitFor();
    const tenants = page.locator('table[data-role=tenants]');
    await tenants.getByText(`web-e2e-acme-${RUN}`).waitFor();
    await tenants.getByText(`web-e2e-globex-${RUN}`).waitFor();
    expect(await page.locator('table[data-role=workers] tbody tr').count()).toBeGreaterThanOrEqual(1);
    expect(await page.locator('table[data-role=workers]').textContent()).toContain('healthy');
    // Each worker's queue depth and image cache as the API reports them; the playground's runs looked images up.
    const { workerPool } = await gql(gw.url, gw.adminToken, '{ workerPool { workers { target queueDepth cache { entries hits misses hitRate } } } }');
    const local = workerPool.workers[0];
    expect(local.cache.hits + local.cache.misses).toBeGreaterThan(0);
    const workerRow = page.locator('table[data-role=workers] tbody tr', { hasText: local.target });
    expect(await workerRow.locator('[data-role=queue-depth]').textContent()).toBe(String(local.queueDepth));
    expect(await workerRow.locator('[data-role=cache-hit-rate]').textContent()).toBe(`${(local.cache.hitRate * 100).toFixed(1)}%`);
    expect(await workerRow.locator('[data-role=cache-lookups]').textContent()).toBe(`${local.cache.hits} / ${local.cache.misses}`);
    expect(await workerRow.locator('[data-role=cache-size]').textContent()).toMatch(new RegExp(`^${local.cache.entries} · `));
    expect(Number(await page.locator('[data-queue=succeeded]').textContent())).toBeGreaterThanOrEqual(2);
    await page.screenshot({ path: screenshotPath('admin'), fullPage: true });
    expect(await seriousViolations(page), 'accessibility of the admin page').toEqual([]);

    // Create a tenant and a key from the page; the token shown once signs in to that tenant; revoking it locks it out.
    const name = `web-e2e-initech-${RUN}`;
    await page.getByLabel('Tenant name').fill(name);
    await page.getByRole('button', { name: 'Create tenant' }).click();
    await tenants.getByText(name).waitFor();
    const newTenantId = (await tenants.locator('tr', { hasText: name }).getAttribute('data-tenant-id')) as string;
    // Quotas edited on the page are the tenant's quotas.
    const tenantRow = tenants.locator('tr', { hasText: name });
    await tenantRow.getByRole('button', { name: `Edit quotas of ${name}` }).click();
    await tenantRow.getByLabel('Monthly expressions').fill('5');
    await tenantRow.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => tenantRow.locator('td').nth(1).textContent()).toBe('5');
    const { tenant } = await gql(gw.url, gw.adminToken, 'query($id: ID!) { tenant(id: $id) { quotas { monthlyExpressionQuota } } }', { id: newTenantId });
    expect(tenant.quotas.monthlyExpressionQuota).toBe(5);
    const keyForm = page.getByRole('form', { name: 'New API key' });
    await keyForm.getByLabel('Tenant').selectOption(newTenantId);
    await keyForm.getByLabel('Key name').fill('from-the-admin-page');
    await keyForm.getByRole('button', { name: 'Create key' }).click();
    const newToken = ((await page.locator('[data-role=new-token]').textContent()) ?? '').trim();
    expect(newToken).toMatch(/^rd_live_v1_/);
    const { me } = await gql(gw.url, newToken, '{ me { tenantId scopes } }');
    expect(me).toEqual({ tenantId: newTenantId, scopes: ['READ', 'SEGMENT'] });

    const { page: other, context: otherContext } = await browser.newPage();
    await signIn(other, newToken, '#/usage');
    expect(await other.locator('[data-role=tenant-id]').textContent()).toBe(newTenantId);
    await other.getByText('0 of 5 expressions this month (UTC)').waitFor();

    const keyRow = page.locator('table[data-role=keys] tr', { hasText: 'from-the-admin-page' });
    await keyRow.getByRole('button', { name: /^Revoke key/ }).click();
    await keyRow.getByRole('button', { name: /^Confirm: revoke key/ }).click();
    await expect.poll(() => keyRow.textContent()).toMatch(/revoked/);
    await other.reload();
    await expect.poll(() => other.getByRole('alert').textContent()).toMatch(/Sign-in failed.*revoked/);
    await otherContext.close();
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.screenshot({ path: screenshotPath('admin-phone'), fullPage: true });
    await context.close();
  });
});

describe('origin', () => {
  it("loads nothing from outside the gateway's origin, and says so in a CSP", async () => {
    expect(browser.requests.length).toBeGreaterThan(10);
    expect(foreignRequests(browser.requests, gw.url)).toEqual([]);
    const res = await fetch(`${gw.url}/`);
    expect(res.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
    expect(await res.text()).toContain('<div id="root">');
  });
});
