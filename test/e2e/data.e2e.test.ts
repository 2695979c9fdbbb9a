// The Data explorer in a real Chromium against the real `studio serve`: the datasets tree, a SQL
// query typed into Monaco and run with Ctrl-Enter, a million-row and a ten-million-row result
// scrolled to their far ends (rows fetched page by page from the host), a candlestick chart, an
// export, and a damaged file reported in the tree.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { openStudioPage, type Served, type StudioPage } from '../support/serve';

let served: Served;
let page: Page;

let studio: StudioPage | undefined;

beforeAll(async () => {
  studio = await openStudioPage({ width: 1440, height: 1000 });
  ({ served, page } = studio);
});

afterAll(() => studio?.close());

const rowCount = async () => Number((await page.getByTestId('grid-count').textContent())!.replace(/[^\d]/g, ''));

describe('the Data explorer', () => {
  it('lists the sample datasets from the manifest', async () => {
    await page.goto(served.url);
    await page.locator('.nav-item', { hasText: 'Data' }).click();
    await page.getByTestId('dataset').first().waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('dataset').count()).toBeGreaterThanOrEqual(20);
    expect(await page.getByTestId('dataset-group').first().textContent()).toMatch(/bars\s*[\d,]+ rows/);
    // The bars schema is the view's: partition keys, then the typed columns of the files.
    await page.locator('.tree-schema > summary').first().click();
    const schema = (await page.getByTestId('dataset-schema').first().textContent())!;
    expect(schema).toContain('symbol VARCHAR');
    expect(schema).toContain('ts TIMESTAMP WITH TIME ZONE');
    expect(schema).toContain('close DOUBLE');
  });

  it('runs a query typed into the SQL editor with Ctrl-Enter', async () => {
    await page.locator('[data-testid=sql-editor][data-ready="1"]').waitFor();
    await page.locator('[data-testid=sql-editor] .view-lines').click();
    await page.keyboard.press('Control+A');
    // Monaco closes the quote as it opens and types over the closing one.
    await page.keyboard.type("select symbol, ts, open, high, low, close, volume from bars where timeframe = '1Min' order by symbol, ts");
    await page.keyboard.press('Control+Enter');
    await expect.poll(rowCount, { timeout: 60_000 }).toBeGreaterThan(900_000);
    await page.locator('[data-testid=grid-row][data-row="0"][data-loaded="1"]').waitFor();
    expect(await page.locator('[data-testid=grid-row][data-row="0"]').textContent()).toContain('ZALF');
  });

  it('scrolls the grid to the far end and shows rows fetched from there', async () => {
    const n = await rowCount();
    const scroll = page.getByTestId('grid-scroll');
    await scroll.evaluate((el) => el.scrollTo({ top: el.scrollHeight / 2 }));
    const middle = page.locator('[data-testid=grid-row][data-loaded="1"]').filter({ hasText: /Z[A-Z]{3}/ });
    await expect.poll(async () => Math.max(...(await middle.evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-row'))))), 0)).toBeGreaterThan(n * 0.4);
    await scroll.evaluate((el) => el.scrollTo({ top: el.scrollHeight }));
    const last = page.locator(`[data-testid=grid-row][data-row="${n - 1}"]`);
    await last.waitFor();
    await expect.poll(() => last.getAttribute('data-loaded')).toBe('1');
    // The sample's last symbol sorts last; its last minute is the 2024-12-31 close.
    expect(await last.textContent()).toMatch(/ZJLT.*2024-12-31T20:59:00/);
  });

  it('exports the result into the workspace as Parquet', async () => {
    await page.getByTestId('export-parquet').click();
    await page.getByTestId('export-path').waitFor({ timeout: 60_000 });
    const text = (await page.getByTestId('export-path').textContent())!;
    const file = /→ (.*\.parquet)/.exec(text)![1];
    expect(file.startsWith(path.join(served.workspace, 'exports'))).toBe(true);
    expect(fs.statSync(file).size).toBeGreaterThan(1000);
  });

  it('scrolls a ten-million-row result to its end and back to the middle', async () => {
    await page.locator('[data-testid=sql-editor] .view-lines').click();
    await page.keyboard.press('Control+A');
    await page.keyboard.type('select i as n, i * 2 as twice from range(10000000) t(i)');
    await page.getByTestId('run-sql').click();
    await expect.poll(rowCount, { timeout: 60_000 }).toBe(10_000_000);
    const scroll = page.getByTestId('grid-scroll');
    await scroll.evaluate((el) => el.scrollTo({ top: el.scrollHeight }));
    const last = page.locator('[data-testid=grid-row][data-row="9999999"]');
    await expect.poll(() => last.getAttribute('data-loaded')).toBe('1');
    expect(await last.textContent()).toMatch(/9999999\s*19999998/);
    // The last row is on screen, not just in the DOM below the viewport.
    const [box, frame] = [await last.boundingBox(), await scroll.boundingBox()];
    expect(box!.y + box!.height).toBeLessThanOrEqual(frame!.y + frame!.height + 1);
    await scroll.evaluate((el) => el.scrollTo({ top: (el.scrollHeight - el.clientHeight) / 2 }));
    const loaded = page.locator('[data-testid=grid-row][data-loaded="1"]');
    await expect.poll(async () => Math.min(...(await loaded.evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-row'))))))).toBeGreaterThan(4_900_000);
    const row = await loaded.first().evaluate((e) => [Number(e.getAttribute('data-row')), e.textContent ?? '']);
    // A row's cells are its own: n is the row number and twice is 2n.
    expect(row[1]).toContain(`${row[0]}${2 * Number(row[0])}`);
  });

  it('draws a candlestick chart with volume for a symbol and range', async () => {
    await page.getByTestId('chart-symbol').selectOption('ZBRV');
    await page.getByTestId('chart-timeframe').selectOption('1Day');
    await page.getByTestId('chart-from').fill('2024-03-01');
    await page.getByTestId('chart-to').fill('2024-03-31');
    await page.getByTestId('show-chart').click();
    await page.locator('[data-testid=candle-chart] .main-svg').first().waitFor({ timeout: 60_000 });
    // March 2024 had 20 NYSE sessions (Good Friday, March 29, was a holiday).
    expect(await page.getByTestId('chart-count').textContent()).toContain('20 bars');
    expect(await page.locator('[data-testid=candle-chart] .trace.boxes').count()).toBeGreaterThan(0);
    expect(await page.locator('[data-testid=candle-chart] .barlayer .trace').count()).toBeGreaterThan(0);
  });

  it('draws a year of minute bars as a range band, the latest 20,000 of them', async () => {
    await page.getByTestId('chart-timeframe').selectOption('1Min');
    await page.getByTestId('chart-from').fill('');
    await page.getByTestId('chart-to').fill('');
    await page.getByTestId('show-chart').click();
    await expect.poll(() => page.getByTestId('chart-count').textContent(), { timeout: 60_000 }).toMatch(/20,000 bars \(latest shown\) · (WebGL|SVG \(no WebGL here\)) range band/);
    const chart = page.getByTestId('candle-chart');
    // Both test browsers have WebGL (SwiftShader), but Plotly's WebGL traces build code with
    // `new Function`, which the studio's content security policy forbids: the chart must know that
    // from the start and draw SVG lines, not try WebGL and show Plotly's "not supported" notice.
    expect(await page.getByTestId('chart-count').textContent()).toMatch(/· SVG \(no WebGL here\) range band/);
    expect(await page.evaluate("!!document.createElement('canvas').getContext('webgl')")).toBe(true);
    await chart.locator('.scatterlayer .trace path.js-line').first().waitFor({ timeout: 60_000 });
    expect(await chart.textContent()).not.toMatch(/WebGL is not supported/);
    expect(await chart.locator('.gl-container canvas').count()).toBe(0);
    const types = await chart.evaluate((el) => (el.querySelector('.js-plotly-plot') as unknown as { _fullData: { type: string }[] })._fullData.map((t) => t.type));
    expect(types).toEqual(['scatter', 'scatter', 'scatter', 'scatter']);
    expect(await chart.locator('.trace.boxes').count()).toBe(0);
  });

  it('reports a Parquet file deleted by hand in the datasets tree', async () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(served.workspace, 'lake', 'manifest.json'), 'utf8')) as { entries: { file: string; symbol: string; timeframe: string }[] };
    const victim = manifest.entries.filter((e) => e.timeframe === '1Day')[2];
    fs.rmSync(path.join(served.workspace, 'lake', victim.file));
    await page.getByRole('button', { name: '↻ Datasets' }).click();
    await page.getByTestId('dataset-problem').first().waitFor();
    expect(await page.getByTestId('dataset-problem').first().textContent()).toMatch(/file missing/);
  });
});
