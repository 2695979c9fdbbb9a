// The studio in a real Chromium against the real `studio serve`: the shell, the example notebook,
// a cell that queries the lake through DuckDB in the kernel process and draws a Plotly chart.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import fs from 'node:fs';
import type { Page } from 'playwright-core';
import { openStudioPage, ROOT, type Served, type StudioPage } from '../support/serve';

let served: Served;
let page: Page;

let studio: StudioPage | undefined;

beforeAll(async () => {
  studio = await openStudioPage({ width: 1440, height: 900 });
  ({ served, page } = studio);
});

afterAll(() => studio?.close());

describe('the studio in Chromium', () => {
  it('shows the app shell connected to the host, with the example notebook', async () => {
    await page.goto(served.url);
    await expect.poll(() => page.getByTestId('connection').textContent()).toContain('Host connected (WebSocket)');
    for (const label of ['Notebooks', 'Data', 'Studio', 'Models', 'Runner']) {
      await page.locator('.nav-item', { hasText: label }).waitFor();
    }
    expect(await page.locator('.nav-item', { hasText: 'Runner' }).locator('.badge').textContent()).toBe('coming');
    await page.getByTestId('notebook-file').filter({ hasText: '01-explore-data.ipynb' }).waitFor();
    await page.getByTestId('notebook').waitFor();
  });

  it('runs a cell that queries the lake and renders a Plotly chart', async () => {
    const chartCell = page.getByTestId('cell').filter({ hasText: 'candlestick' });
    // The parameters cell defines `symbol`; run it first, then the chart cell.
    await page.getByTestId('cell').filter({ hasText: "const symbol = 'ZALF'" }).getByTestId('run-cell').click();
    await chartCell.getByTestId('run-cell').click();
    await chartCell.locator('[data-testid=plotly-output] .main-svg').first().waitFor({ timeout: 60_000 });
    const candles = await chartCell.locator('[data-testid=plotly-output] .trace.boxes, [data-testid=plotly-output] g.trace').count();
    expect(candles).toBeGreaterThan(0);
    await expect.poll(() => chartCell.getAttribute('data-state')).toBe('done');
    expect(await chartCell.locator('.outputs').textContent()).toMatch(/\d+ daily bars of ZALF/);
    fs.mkdirSync(path.join(ROOT, 'docs'), { recursive: true });
    // Frame the chart cell: the README's picture should show the query and its chart.
    await chartCell.evaluate((el) => el.scrollIntoView({ block: 'start' }));
    await page.screenshot({ path: path.join(ROOT, 'docs', 'screenshot.png') });
  });

  it('types a new cell, runs it with Shift-Enter and sees its output', async () => {
    await page.getByRole('button', { name: '+ Code' }).click();
    const newest = page.getByTestId('cell').last();
    await newest.locator('.monaco-editor').waitFor();
    const last = page.locator(`[data-cell-id="${await newest.getAttribute('data-cell-id')}"]`);
    await page.keyboard.type('const answer = 6 * 7;\nanswer');
    await page.keyboard.press('Shift+Enter');
    await expect.poll(() => last.locator('.outputs').textContent(), { timeout: 30_000 }).toContain('42');
  });

  it('shows the lake in the Data view and runs SQL there', async () => {
    await page.locator('.nav-item', { hasText: 'Data' }).click();
    await page.getByTestId('dataset').first().waitFor();
    expect(await page.getByTestId('dataset').count()).toBeGreaterThanOrEqual(20);
    await page.getByTestId('sql-editor').and(page.locator('[data-ready="1"]')).waitFor();
    await page.getByTestId('run-sql').click();
    await page.getByTestId('grid-row').and(page.locator('[data-loaded="1"]')).first().waitFor();
    expect(await page.getByTestId('result-grid').textContent()).toContain('ZALF');
  });
});
