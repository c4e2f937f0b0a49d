import { type Browser, chromium } from 'playwright-core';

/**
 * Debian's Chromium, headless, as root in CI: without the background-networking flags it
 * tries Google's hosts at every start, which this machine's closed network refuses.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}
