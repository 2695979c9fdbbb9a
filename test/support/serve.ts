// Starts the real `studio serve` CLI on a free port with a throwaway workspace, and stops it.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface Served {
  url: string;
  port: number;
  token: string;
  workspace: string;
  stop(): Promise<void>;
}

export async function serveStudio(opts: { workspace?: string; timeoutMs?: number } = {}): Promise<Served> {
  const workspace = opts.workspace ?? fs.mkdtempSync(path.join(os.tmpdir(), 'studio-e2e-'));
  const child: ChildProcess = spawn(process.execPath, [path.join(ROOT, 'bin', 'studio.js'), 'serve', '--workspace', workspace, '--port', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, STUDIO_LOG_DIR: path.join(workspace, '.logs'), STUDIO_DATA_DIR: path.join(workspace, '.data') },
  });
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`studio serve printed no URL in time:\n${out}`)), opts.timeoutMs ?? 60_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /Strategy Studio at (http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`studio serve exited (${code}):\n${out}`));
    });
  });
  const u = new URL(url);
  return {
    url,
    port: Number(u.port),
    token: u.searchParams.get('token')!,
    workspace,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

export interface StudioPage {
  served: Served;
  browser: import('playwright-core').Browser;
  page: import('playwright-core').Page;
  /** Closes the browser, stops the server and removes its throwaway workspace. */
  close(): Promise<void>;
}

/** `studio serve` on a throwaway workspace and a Chromium page on it, as every e2e file starts. */
export async function openStudioPage(viewport: { width: number; height: number }): Promise<StudioPage> {
  const { launchChromium } = await import('./browser');
  const served = await serveStudio();
  let browser: import('playwright-core').Browser;
  try {
    browser = await launchChromium();
  } catch (e) {
    await served.stop();
    throw e;
  }
  const page = await browser.newPage({ viewport, colorScheme: 'light' });
  page.on('pageerror', (e) => console.error('page error:', e.message));
  return {
    served,
    browser,
    page,
    async close() {
      await browser.close();
      await served.stop();
      fs.rmSync(served.workspace, { recursive: true, force: true });
    },
  };
}
