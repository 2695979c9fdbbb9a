// A headless Chromium for the e2e tests: Debian's /usr/bin/chromium when installed, otherwise the
// binary that ships inside the @sparticuz/chromium npm package (so `npm install` is enough).
import fs from 'node:fs';
import { chromium as playwright, type Browser } from 'playwright-core';

/** Flags that keep Chromium off the (closed) network and quiet. */
const QUIET = ['--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-default-apps', '--no-default-browser-check'];
/** @sparticuz/chromium's Lambda flags we do not want: they would weaken the page's security model. */
const DROP = new Set(['--disable-web-security', '--allow-running-insecure-content', '--single-process']);

export async function launchChromium(): Promise<Browser> {
  const debian = process.env.STUDIO_CHROMIUM ?? '/usr/bin/chromium';
  if (fs.existsSync(debian)) {
    return playwright.launch({ executablePath: debian, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-quic', ...QUIET] });
  }
  const { default: chromium } = await import('@sparticuz/chromium');
  const args = chromium.args.filter((a: string) => !DROP.has(a));
  return playwright.launch({ executablePath: await chromium.executablePath(), headless: true, args: [...args, ...QUIET] });
}
