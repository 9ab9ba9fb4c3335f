import * as fs from 'node:fs';
import { type Browser, chromium } from 'playwright-core';
import { ensureDebianPackages } from './apt';

const CHROMIUM = '/usr/bin/chromium';

/**
 * Debian's Chromium driven by playwright-core (no browser download): installed by the test setup
 * when missing. Started headless with background networking off, since this machine's network is
 * closed and Chromium would otherwise keep reaching for Google's hosts.
 */
export async function launchChromium(): Promise<{ browser: Browser; close: () => Promise<void> }> {
  const executablePath = ensureDebianPackages('chromium', () => (fs.existsSync(CHROMIUM) ? CHROMIUM : undefined), [['chromium']], 900_000);
  const browser = await chromium.launch({
    executablePath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  // Playwright gives the browser a fresh temporary profile and removes it on close.
  return { browser, close: () => browser.close() };
}
