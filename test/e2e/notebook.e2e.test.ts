// The notebook editor in a real Chromium against the real `studio serve` and kernel processes:
// Jupyter's keys, outputs that survive a page reload mid-run, interrupting an infinite loop,
// autosave to disk, stale cells, the variable inspector, a million-row table, math in markdown,
// and a change made on disk by another program.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../support/browser';
import { serveStudio, type Served } from '../support/serve';
import { serializeNotebook, type NbCell } from '../../engine/notebook/ipynb';

let served: Served;
let browser: Browser;
let page: Page;
let file: string;

/** A notebook whose second cell has a cell_type Jupyter does not know. */
const BROKEN = '{"cells": [{"cell_type": "code", "source": "1", "metadata": {}, "outputs": [], "execution_count": null}, {"cell_type": "python", "source": "x", "metadata": {}}], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}\n';

const code = (id: string, source: string): NbCell => ({ id, cellType: 'code', source, metadata: {}, outputs: [], executionCount: null });

beforeAll(async () => {
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'studio-nb-e2e-'));
  // An existing workspace: no example notebooks or sample lake, just this notebook.
  fs.writeFileSync(path.join(workspace, 'studio.json'), '{}\n');
  fs.mkdirSync(path.join(workspace, 'notebooks'));
  file = path.join(workspace, 'notebooks', 'e2e.ipynb');
  fs.writeFileSync(file, serializeNotebook({ metadata: {}, cells: [
    { id: 'md', cellType: 'markdown', source: '# Returns\n\nLog return: $r_t = \\ln(p_t / p_{t-1})$', metadata: {}, outputs: [], executionCount: null },
    code('base', 'const base = 2'),
    code('uses', 'base * 21'),
  ] }));
  // Listed after e2e.ipynb, so the editor opens that one first.
  fs.writeFileSync(path.join(workspace, 'notebooks', 'zz-broken.ipynb'), BROKEN);
  served = await serveStudio({ workspace });
  browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, colorScheme: 'light' });
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  page = await context.newPage();
  page.on('pageerror', (e) => console.error('page error:', e.message));
});

afterAll(async () => {
  await browser?.close();
  await served?.stop();
  if (served) fs.rmSync(served.workspace, { recursive: true, force: true });
});

const cells = () => page.getByTestId('cell');
const cell = (id: string) => page.locator(`[data-cell-id="${id}"]`);
const lastCell = () => cells().last();
const outputsOf = (c: ReturnType<typeof cell>) => c.locator('[data-testid=outputs]').textContent({ timeout: 60_000 });
const mode = () => page.getByTestId('nb-mode').textContent();

/** Selects a cell in command mode by clicking its gutter. */
async function select(c: ReturnType<typeof cell>) {
  await c.locator('.gutter').click({ position: { x: 5, y: 30 } });
  await expect.poll(mode).toBe('Command');
}

/** Adds a code cell below the last one with B and types into it, staying in edit mode. */
async function addCell(source: string) {
  await select(lastCell());
  const before = await cells().count();
  await page.keyboard.press('b');
  await expect.poll(() => cells().count()).toBe(before + 1);
  const added = cell((await lastCell().getAttribute('data-cell-id'))!);
  await page.keyboard.press('Enter');
  await added.locator('.monaco-editor.focused').waitFor();
  // Pasted: typed key by key, the editor's auto-closing brackets would add a second `}`.
  await page.evaluate(`navigator.clipboard.writeText(${JSON.stringify(source)})`);
  await page.keyboard.press('Control+V');
  return added;
}

/** Adds a code cell below the last one with B, types into it, and runs it with Shift-Enter. */
async function typeAndRun(source: string) {
  const added = await addCell(source);
  await page.keyboard.press('Shift+Enter');
  return added;
}

describe('the notebook editor in Chromium', () => {
  it('opens a notebook with math rendered, types a cell, runs it with Shift-Enter and sees its output', async () => {
    await page.goto(served.url);
    await page.getByTestId('notebook').waitFor();
    await cell('md').locator('.katex').first().waitFor();
    expect(await cell('md').locator('h1').textContent()).toBe('Returns');

    const added = await typeAndRun('const answer: number = 6 * 7;\nanswer');
    await expect.poll(() => outputsOf(added), { timeout: 60_000 }).toContain('42');
    await expect.poll(() => added.getAttribute('data-state')).toBe('done');
    // Shift-Enter on the last cell adds a fresh one below, as Jupyter does.
    expect(await lastCell().getAttribute('data-cell-id')).not.toBe(await added.getAttribute('data-cell-id'));
  });

  it('finds the edit saved on disk without pressing save', async () => {
    await select(cell('base'));
    await page.keyboard.press('Enter');
    await cell('base').locator('.monaco-editor.focused').waitFor();
    await page.keyboard.press('End');
    await page.keyboard.type(' // autosaved');
    await page.keyboard.press('Escape');
    await expect.poll(() => fs.readFileSync(file, 'utf8'), { timeout: 10_000 }).toContain('const base = 2 // autosaved');
    expect(fs.readdirSync(path.dirname(file)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('marks a reader stale when the cell it reads is re-run, and runs stale cells', async () => {
    await cell('base').getByTestId('run-cell').click();
    await cell('uses').getByTestId('run-cell').click();
    await expect.poll(() => outputsOf(cell('uses'))).toContain('42');
    await cell('base').getByTestId('run-cell').click();
    await expect.poll(() => cell('uses').getAttribute('data-state')).toBe('stale');
    // While `base` is queued or running the reason says so; once it has run, it says it was redefined.
    await expect.poll(() => cell('uses').getByTestId('cell-status').textContent()).toContain('`base` was redefined');
    await page.getByTestId('run-stale').click();
    await expect.poll(() => cell('uses').getAttribute('data-state')).toBe('done');
  });

  it('keeps streaming the output of a long cell across a page reload, losing nothing', async () => {
    const long = await typeAndRun('for (let i = 0; i < 30; i++) {\nconsole.log("tick", i);\nawait new Promise((r) => setTimeout(r, 100));\n}');
    const id = (await long.getAttribute('data-cell-id'))!;
    await expect.poll(() => outputsOf(cell(id))).toContain('tick 3');
    await page.reload();
    await page.getByTestId('notebook').waitFor();
    await expect.poll(() => cell(id).getAttribute('data-state'), { timeout: 30_000 }).toBe('done');
    const text = (await outputsOf(cell(id)))!;
    for (let i = 0; i < 30; i++) expect(text).toContain(`tick ${i}\n`);
  });

  it('interrupts an infinite loop with I,I and runs another cell', async () => {
    const loop = await typeAndRun('let spins = 0;\nwhile (true) { spins++ }');
    await expect.poll(() => loop.getAttribute('data-state')).toBe('running');
    await page.keyboard.press('Escape');
    await select(loop);
    await page.keyboard.press('i');
    await page.keyboard.press('i');
    await expect.poll(() => page.getByTestId('nb-note').textContent(), { timeout: 15_000 }).toContain('restarting the kernel');
    await expect.poll(() => loop.getAttribute('data-state')).toBe('aborted');
    expect(await cell('uses').getAttribute('data-state')).toBe('stale');
    const after = await typeAndRun('"still alive: " + (1 + 1)');
    await expect.poll(() => outputsOf(after), { timeout: 30_000 }).toContain('still alive: 2');
  });

  it('uses Jupyter’s command keys: M/Y change type, D,D deletes, Z undoes, C/V copy and paste', async () => {
    const target = await typeAndRun('const probe = "k"');
    await expect.poll(() => target.getAttribute('data-state')).toBe('done');
    const id = (await target.getAttribute('data-cell-id'))!;
    await select(cell(id));
    await page.keyboard.press('m');
    await expect.poll(() => cell(id).getAttribute('data-cell-type')).toBe('markdown');
    await page.keyboard.press('y');
    await expect.poll(() => cell(id).getAttribute('data-cell-type')).toBe('code');
    const count = await cells().count();
    await page.keyboard.press('c');
    await page.keyboard.press('v');
    await expect.poll(() => cells().count()).toBe(count + 1);
    await page.keyboard.press('d');
    await page.keyboard.press('d');
    await expect.poll(() => cells().count()).toBe(count);
    await page.keyboard.press('z');
    await expect.poll(() => cells().count()).toBe(count + 1);
    await page.keyboard.press('z');
    await expect.poll(() => cells().count()).toBe(count);
    // The undone paste leaves the cell below it selected; K goes back up to the copied one.
    await page.keyboard.press('k');
    await expect.poll(() => page.locator('.cell.active').getAttribute('data-cell-id')).toBe(id);
  });

  it('finds commands in the palette (Ctrl-Shift-P)', async () => {
    await select(cell('uses'));
    await page.keyboard.press('Control+Shift+P');
    await page.getByTestId('command-palette').waitFor();
    await page.keyboard.type('run stale');
    await expect.poll(() => page.getByTestId('command-palette').locator('li').first().getAttribute('data-command')).toBe('run-stale');
    await page.keyboard.press('Escape');
    await expect.poll(() => page.getByTestId('command-palette').count()).toBe(0);
  });

  it('type-checks a cell against earlier cells and the engine API in the editor', async () => {
    // `base` comes from an earlier cell (a number); backtest() is the engine API's, with typed metrics.
    const added = await addCell('const label: string = base;\nconst r = await backtest({ strategy: "sma-cross", symbols: ["ZALF"] });\nconst sharpe: string = r.metrics.sharpe;');
    const id = (await added.getAttribute('data-cell-id'))!;
    const squiggles = cell(id).locator('.squiggly-error');
    await expect.poll(() => squiggles.count(), { timeout: 30_000 }).toBe(2);
    // F8 walks the problems, showing each message in Monaco's marker widget.
    const messages: string[] = [];
    for (let i = 0; i < 2; i++) {
      await page.keyboard.press('F8');
      await expect.poll(() => page.locator('.marker-widget').textContent(), { timeout: 10_000 }).toMatch(/\(\d+\)/);
      messages.push((await page.locator('.marker-widget').textContent()) ?? '');
    }
    expect(messages.filter((m) => m.includes("Type 'number' is not assignable to type 'string'"))).toHaveLength(2);
    expect(messages.join('\n')).not.toContain('Cannot find name');
    await select(cell(id));
    await page.keyboard.press('d');
    await page.keyboard.press('d');
    await expect.poll(() => cell(id).count()).toBe(0);
  });

  it('stays responsive while a cell prints 100 MB, showing a bounded head, a note and the last lines', async () => {
    const flood = await typeAndRun('const mb = "x".repeat(1_048_575);\nfor (let i = 0; i < 100; i++) {\n  console.log(mb);\n  await new Promise((r) => setTimeout(r, 20));\n}\nconsole.log("the end");\n"flooded"');
    await expect.poll(() => flood.getAttribute('data-state')).toBe('running');
    // While it prints, the page still answers: selecting another cell and moving with J/K work.
    await select(cell('uses'));
    await page.keyboard.press('k');
    await expect.poll(() => page.locator('.cell.active').getAttribute('data-cell-id')).toBe('base');
    await expect.poll(() => flood.getAttribute('data-state'), { timeout: 60_000 }).toBe('done');
    const text = (await outputsOf(flood))!;
    expect(text).toContain('flooded');
    // Printed text is one stream output, collapsed behind "show more"; what the page holds is bounded.
    expect(await flood.locator('.out-stream').count()).toBe(1);
    expect(text.length).toBeLessThan(100_000);
    await flood.locator('.out-stream').getByRole('button', { name: /show more/ }).click();
    const expanded = (await outputsOf(flood))!;
    expect(expanded).toMatch(/characters of stdout dropped: (output is rate-limited|a cell shows at most 2 MB of printed text)/);
    expect(expanded).toContain('the end');
    expect(expanded.length).toBeLessThan(3 * 1024 * 1024);
  });

  it('trims more than 50 outputs behind a click, and resizes a Plotly chart with its panel', async () => {
    const many = await typeAndRun('for (let i = 0; i < 60; i++) display.markdown(`item ${i}`)');
    await expect.poll(() => many.getAttribute('data-state')).toBe('done');
    expect(await many.getByTestId('output-rich').count()).toBe(50);
    await many.getByTestId('show-all-outputs').click();
    await expect.poll(() => many.getByTestId('output-rich').count()).toBe(60);

    const chart = await typeAndRun('display({ data: [{ type: "scatter", x: [1, 2, 3], y: [3, 1, 2] }], layout: { title: "resize me" } })');
    const svg = chart.locator('.plotly-output .main-svg').first();
    await svg.waitFor({ timeout: 30_000 });
    const before = Number(await svg.getAttribute('width'));
    // Off-screen cells skip layout (content-visibility), so a chart resizes when it is in view.
    const width = async () => {
      await svg.scrollIntoViewIfNeeded();
      return Number(await svg.getAttribute('width'));
    };
    await page.getByTestId('toggle-variables').click();
    await expect.poll(width, { timeout: 10_000 }).toBeLessThan(before);
    await page.getByTestId('toggle-variables').click();
    await expect.poll(width, { timeout: 10_000 }).toBe(before);

    // A WebGL trace (which the content security policy keeps from running) is drawn as its SVG twin.
    const gl = await typeAndRun('display({ data: [{ type: "scattergl", mode: "lines", x: [1, 2, 3, 4], y: [3, 1, 2, 4] }] })');
    await gl.locator('.plotly-output .scatterlayer .trace path.js-line').first().waitFor({ timeout: 30_000 });
    expect(await gl.locator('.plotly-output').textContent()).not.toMatch(/WebGL is not supported/);
    expect(await gl.locator('.plotly-output').getAttribute('title')).toBe("1 WebGL trace drawn as SVG: WebGL plots need eval, which the studio's content security policy forbids");
  });

  it('shows live variables in the inspector and scrolls a million-row table fetched on demand', async () => {
    const big = await typeAndRun('const big = Array.from({ length: 1_000_000 }, (_, i) => ({ i, sq: i * 2 }));\nbig');
    await expect.poll(() => big.getByTestId('table-summary').textContent({ timeout: 60_000 }), { timeout: 60_000 }).toContain('1,000,000 rows');
    const scroller = big.getByTestId('table-scroll');
    await scroller.evaluate((el) => el.scrollTo(0, el.scrollHeight));
    await expect.poll(() => big.locator('[data-row="999999"]').textContent(), { timeout: 30_000 }).toContain('1999998');
    await scroller.evaluate((el) => el.scrollTo(0, el.scrollHeight / 2));
    await expect.poll(() => big.locator('[data-row="500000"]').textContent(), { timeout: 30_000 }).toContain('1000000');

    await page.getByTestId('toggle-variables').click();
    const row = page.getByTestId('variable').filter({ has: page.locator('td', { hasText: /^big$/ }) });
    await expect.poll(() => row.textContent(), { timeout: 15_000 }).toContain('1000000 × 2');
  });

  it('offers a change made on disk by another program for reload, and never overwrites it', async () => {
    const theirs = serializeNotebook({ metadata: {}, cells: [code('theirs', 'const fromElsewhere = 1')] });
    fs.writeFileSync(file, theirs);
    await page.getByTestId('disk-changed').waitFor({ timeout: 10_000 });
    expect(fs.readFileSync(file, 'utf8')).toBe(theirs);
    await page.getByTestId('reload-from-disk').click();
    await expect.poll(() => cells().count()).toBe(1);
    expect(await cell('theirs').textContent()).toContain('fromElsewhere');
  });

  it('says what is wrong with a malformed notebook and leaves the file as it was', async () => {
    await page.getByTestId('notebook-file').filter({ hasText: 'zz-broken' }).click();
    const banner = page.locator('.banner.error');
    await expect.poll(() => banner.textContent()).toMatch(/zz-broken\.ipynb: cells\.1\.cell_type: .*("code"|code).*("markdown"|markdown)/);
    expect(fs.readFileSync(path.join(path.dirname(file), 'zz-broken.ipynb'), 'utf8')).toBe(BROKEN);
  });
});
