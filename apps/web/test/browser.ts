/**
 * Headless Chromium for the page tests: Debian's `chromium` driven by playwright-core (no browser download), a fresh
 * profile per launch, and a record of every request the pages make so tests can prove they stay on one origin.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const chromiumAvailable = existsSync(CHROMIUM);

/** Screenshots land here (git-ignored): <repo>/test-results/web/. */
export const ARTIFACTS = fileURLToPath(new URL('../../../test-results/web/', import.meta.url));

export interface TestBrowser {
  browser: Browser;
  /** Every URL any page of this browser requested, in order. */
  requests: string[];
  newPage(options?: { width?: number; height?: number }): Promise<{ context: BrowserContext; page: Page }>;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<TestBrowser> {
  // playwright-core refuses --user-data-dir in launch(); it gives every launch a fresh temporary profile itself.
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const requests: string[] = [];
  mkdirSync(ARTIFACTS, { recursive: true });
  return {
    browser,
    requests,
    newPage: async ({ width = 1280, height = 900 } = {}) => {
      const context = await browser.newContext({ viewport: { width, height }, acceptDownloads: true });
      context.on('request', (r) => requests.push(r.url()));
      const page = await context.newPage();
      return { context, page };
    },
    close: async () => {
      await browser.close();
    },
  };
}

export function screenshotPath(name: string): string {
  return join(ARTIFACTS, `${name}.png`);
}

/** URLs that are neither on `origin` nor in-page (data:, blob:). */
export function foreignRequests(requests: readonly string[], origin: string): string[] {
  return requests.filter((u) => !u.startsWith(`${origin}/`) && u !== origin && !u.startsWith('data:') && !u.startsWith('blob:'));
}
