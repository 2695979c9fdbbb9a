// The Studio view in a real Chromium against the real `studio serve`: drag a shipped strategy onto
// the backtest panel, set a parameter from its schema, run it on the host's worker pool, and read
// equity, drawdown, metrics and trades that match the run the host stored under runs/; sweep,
// walk forward, reopen and compare stored runs. Takes docs/screenshot-studio.png.
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

/** The finished runs the host stored, read from the workspace's runs/ folder. */
function storedRuns(): { id: string; summary: { trades: number; finalEquity: number; fees: number; expectancy: number | null; params: Record<string, unknown>; symbols: string[] }; request: Record<string, unknown> }[] {
  const dir = path.join(served.workspace, 'runs');
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && fs.existsSync(path.join(dir, e.name, 'run.json')))
    .map((e) => e.name)
    .filter((id) => JSON.parse(fs.readFileSync(path.join(dir, id, 'run.json'), 'utf8')).status === 'done')
    .map((id) => ({ id, summary: JSON.parse(fs.readFileSync(path.join(dir, id, 'summary.json'), 'utf8')), request: JSON.parse(fs.readFileSync(path.join(dir, id, 'run.json'), 'utf8')).request }));
}

describe('the Studio view', () => {
  it('lists the shipped strategies in a new workspace', async () => {
    await page.goto(served.url);
    await expect.poll(() => page.getByTestId('connection').textContent()).toContain('Host connected');
    await page.locator('[data-nav=studio]').click();
    await page.locator('[data-testid=strategy][data-name=sma-cross]').waitFor();
    const names = await page.getByTestId('strategy').evaluateAll((els) => els.map((e) => e.getAttribute('data-name')));
    expect(names).toEqual(expect.arrayContaining(['sma-cross', 'zscore-reversion', 'breakout-bracket']));
    expect(await page.locator('.nav-item', { hasText: 'Studio' }).locator('.badge').count()).toBe(0);
    // The two with an array form are marked for fast sweeps; the bracket breakout has none.
    const fast = await page.locator('[data-testid=strategy]:has([data-testid=strategy-fast-sweep])').evaluateAll((els) => els.map((e) => e.getAttribute('data-name')).sort());
    expect(fast).toEqual(['sma-cross', 'zscore-reversion']);
  });

  it('runs sma-cross dragged onto the backtest panel and shows what the host stored', async () => {
    await page.locator('[data-testid=strategy][data-name=sma-cross]').dragTo(page.getByTestId('backtest-panel'));
    expect(await page.getByTestId('backtest-strategy').textContent()).toBe('sma-cross');
    // The form starts from the zod defaults.
    expect(await page.locator('[data-param=fast]').inputValue()).toBe('10');
    expect(await page.locator('[data-param=slow]').inputValue()).toBe('30');
    // The first symbol with daily bars in the lake (a new workspace may still be writing it).
    await expect.poll(() => page.getByTestId('bt-symbols').inputValue(), { timeout: 60_000 }).toMatch(/^[A-Z]+$/);
    const symbol = await page.getByTestId('bt-symbols').inputValue();
    await page.locator('[data-param=fast]').fill('5');
    await page.locator('[data-param=slow]').fill('20');
    await page.getByTestId('bt-run').click();
    await page.getByTestId('bt-results').waitFor({ timeout: 60_000 });

    const runs = storedRuns();
    expect(runs).toHaveLength(1);
    const stored = runs[0].summary;
    expect(stored.params).toEqual({ fast: 5, slow: 20, size: 100 });
    expect(stored.symbols).toEqual([symbol]);
    expect(stored.trades).toBeGreaterThan(0);
    expect(await page.getByTestId('metric-trades').locator('.metric-value').textContent()).toBe(String(stored.trades));
    const shownEquity = await page.getByTestId('metric-final-equity').locator('.metric-value').textContent();
    expect(Number(shownEquity?.replace(/,/g, ''))).toBeCloseTo(stored.finalEquity, 2);
    expect(await page.getByTestId('trade-row').count()).toBe(Math.min(stored.trades, 1000));
    // Equity and drawdown, drawn by Plotly.
    const chart = page.locator('.equity-chart [data-testid=plotly-output]');
    await chart.locator('.main-svg').first().waitFor({ timeout: 60_000 });
    expect(await chart.locator('g.trace.scatter').count()).toBe(2);
    // The trades on the symbol's candles: a marker at every entry and every exit.
    await page.locator('.price-chart .boxlayer g.trace').first().waitFor({ timeout: 60_000 });
    await expect.poll(() => page.locator('.price-chart g.trace.scatter path.point').count()).toBe(2 * stored.trades);
    // A click on a trade shades it on the price chart, zoomed to it.
    expect(await page.locator('.price-chart .shapelayer path').count()).toBe(0);
    await page.getByTestId('trade-row').first().click();
    await expect.poll(() => page.locator('.price-chart .shapelayer path').count()).toBe(1);
    // The monthly-returns heatmap: a row per year of the run.
    await page.locator('[data-testid=monthly-returns] .heatmaplayer').first().waitFor({ timeout: 60_000 });
    const years = await page.locator('[data-testid=monthly-returns] .ytick text').allTextContents();
    expect(years.length).toBeGreaterThan(0);
    for (const y of years) expect(y).toMatch(/^20\d\d$/);
  });

  it('says which parameter is out of range, and stores no result for it', async () => {
    await page.locator('[data-param=slow]').fill('1');
    await page.getByTestId('bt-run').click();
    await page.getByTestId('bt-error').waitFor();
    expect(await page.getByTestId('bt-error').textContent()).toMatch(/parameter 'slow': Too small: expected number to be >=2/);
    expect(storedRuns()).toHaveLength(1);
  });

  it('switches strategy with a click and runs it with its own parameters', async () => {
    await page.locator('[data-testid=strategy][data-name=zscore-reversion]').click();
    expect(await page.getByTestId('backtest-strategy').textContent()).toBe('zscore-reversion');
    expect(await page.locator('[data-param=period]').inputValue()).toBe('20');
    await page.getByTestId('bt-run').click();
    await expect.poll(() => storedRuns().length, { timeout: 60_000 }).toBe(2);
    await page.getByTestId('bt-results').waitFor();
    const z = storedRuns().find((r) => r.summary.params.period === 20);
    expect(z).toBeDefined();
    expect(await page.getByTestId('metric-trades').locator('.metric-value').textContent()).toBe(String(z?.summary.trades));
  });

  it('charges the fees and slippage chosen in the form and sends the latency', async () => {
    expect(await page.getByTestId('metric-fees').locator('.metric-value').textContent()).toBe('0.00');
    await page.getByTestId('bt-fees').selectOption('percent:0.001');
    await page.getByTestId('bt-slippage').selectOption('fixed-bps:5');
    await page.getByTestId('bt-latency').fill('250');
    await page.getByTestId('bt-run').click();
    await expect.poll(() => storedRuns().length, { timeout: 60_000 }).toBe(3);
    const costly = storedRuns().find((r) => r.request.fees === 'percent:0.001');
    expect(costly?.request).toMatchObject({ slippage: 'fixed-bps:5', latencyMs: 250 });
    expect(costly?.summary.fees).toBeGreaterThan(0);
    await expect.poll(() => page.getByTestId('metric-fees').locator('.metric-value').textContent()).not.toBe('0.00');
    const shown = Number((await page.getByTestId('metric-fees').locator('.metric-value').textContent())?.replace(/,/g, ''));
    expect(shown).toBeCloseTo(costly?.summary.fees ?? NaN, 2);
    await page.getByTestId('bt-latency').fill('-3');
    await page.getByTestId('bt-run').click();
    expect(await page.getByTestId('bt-error').textContent()).toBe('latency: expected milliseconds >= 0, got "-3"');
  });

  it('streams the run from the lake when asked, with the figures of the run that read it whole', async () => {
    await page.getByTestId('bt-latency').fill('0');
    await page.getByTestId('bt-fees').selectOption('none');
    await page.getByTestId('bt-slippage').selectOption('none');
    await page.getByTestId('bt-stream').check();
    await page.getByTestId('bt-run').click();
    await expect.poll(() => storedRuns().length, { timeout: 60_000 }).toBe(4);
    const streamed = storedRuns().find((r) => r.request.stream !== undefined);
    expect(streamed?.request.stream).toEqual({ chunkDays: 64 });
    // The same strategy, parameters and symbol as run 2, read whole: the same trades and equity.
    const whole = storedRuns().find((r) => r.summary.params.period === 20 && r.request.stream === undefined && r.request.fees === 'none');
    expect(streamed?.summary.trades).toBe(whole?.summary.trades);
    expect(streamed?.summary.finalEquity).toBe(whole?.summary.finalEquity);
    await expect.poll(() => page.getByTestId('metric-trades').locator('.metric-value').textContent()).toBe(String(whole?.summary.trades));
  });

  it('sweeps two parameters into a ranked table and a heatmap, and backtests a row with a click', async () => {
    await page.getByTestId('bt-stream').uncheck();
    await page.locator('[data-testid=strategy][data-name=sma-cross]').click();
    await page.getByTestId('tab-sweep').click();
    await page.getByTestId('sweep-on-fast').check();
    await page.getByTestId('sweep-from-fast').fill('5');
    await page.getByTestId('sweep-to-fast').fill('15');
    await page.getByTestId('sweep-step-fast').fill('5');
    await page.getByTestId('sweep-on-slow').check();
    await page.getByTestId('sweep-from-slow').fill('20');
    await page.getByTestId('sweep-to-slow').fill('30');
    await page.getByTestId('sweep-step-slow').fill('10');
    expect(await page.getByTestId('sweep-count').textContent()).toBe('6 combinations');
    await page.getByTestId('sweep-objective').selectOption('totalReturn');
    // Guided search (TPE): four of the six, proposed batch by batch.
    await page.getByTestId('sweep-sample').fill('4');
    await page.getByTestId('sweep-guided').check();
    expect(await page.getByTestId('sweep-count').textContent()).toBe('4 of 6 combinations, guided by TPE');
    await page.getByTestId('sweep-run').click();
    await expect.poll(() => page.getByTestId('sweep-row').count(), { timeout: 60_000 }).toBe(4);
    await page.getByTestId('sweep-guided').uncheck();
    // Random search: three combinations drawn from the six.
    await page.getByTestId('sweep-sample').fill('3');
    expect(await page.getByTestId('sweep-count').textContent()).toBe('3 of 6 combinations, drawn at random');
    await page.getByTestId('sweep-run').click();
    await expect.poll(() => page.getByTestId('sweep-row').count(), { timeout: 60_000 }).toBe(3);
    await page.getByTestId('sweep-sample').fill('');
    await page.getByTestId('sweep-run').click();
    await expect.poll(() => page.getByTestId('sweep-row').count(), { timeout: 60_000 }).toBe(6);
    const combos = await page.getByTestId('sweep-row').evaluateAll((rows) => rows.map((r) => `${r.querySelector('[data-col=fast]')?.textContent}/${r.querySelector('[data-col=slow]')?.textContent}`));
    expect(new Set(combos)).toEqual(new Set(['5/20', '5/30', '10/20', '10/30', '15/20', '15/30']));
    // sma-cross has a targets() form: the six were screened with it and the best two re-run through onBar.
    expect(await page.getByTestId('sweep-screen').textContent()).toBe("Screened 6 combinations with the strategy's targets() form; the best 2 re-run through onBar: identical.");
    // The best Sharpe ratio deflated for the six combinations tried.
    // Earlier backtests of sma-cross on this symbol outside the grid count as trials too (runs/trials.jsonl).
    const deflatedText = (await page.getByTestId('sweep-deflated').textContent()) ?? '';
    const m = /^Best Sharpe -?\d+\.\d\d; the best of (\d+) combinations with no edge would show \d+\.\d\d by luck: ?P\(better than that\) = [01]\.\d\d \(deflated Sharpe ratio\)\.(?: The \d+ include (\d+) tried earlier\.)?$/.exec(deflatedText);
    expect(m, deflatedText).not.toBeNull();
    const research = /^Tried before this sweep: (\d+) backtests? and (\d+) sweeps? since \d{4}-\d\d-\d\d; (\d+) distinct combinations in all\.$/.exec((await page.getByTestId('sweep-research').textContent()) ?? '');
    expect(research).not.toBeNull();
    // The random sample of three drawn before is a sweep of this question, its combinations among these six.
    expect(Number(research?.[2])).toBeGreaterThanOrEqual(1);
    expect(Number(m?.[1])).toBe(6 + Number(m?.[2] ?? 0));
    expect(Number(research?.[3])).toBeGreaterThanOrEqual(Number(m?.[1]));
    // Best first by the objective.
    const scores = (await page.getByTestId('sweep-score').allTextContents()).map((t) => Number(t.replace('%', '')));
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
    // Each row's neighbourhood: the mean over the combinations one grid step away and itself
    // (fast 10 is next to 5 and 15, and both slows are next to each other: all six).
    const shown = (t: string) => Number(t.replace('%', ''));
    const center = combos.indexOf('10/20');
    const nb = shown((await page.getByTestId('sweep-neighbourhood').nth(center).textContent()) ?? '');
    expect(nb).toBeCloseTo(scores.reduce((a, b) => a + b, 0) / 6, 1);
    await page.getByTestId('sweep-by-neighbourhood').check();
    const smoothed = (await page.getByTestId('sweep-neighbourhood').allTextContents()).map(shown);
    expect([...smoothed].sort((a, b) => b - a)).toEqual(smoothed);
    await page.getByTestId('sweep-by-neighbourhood').uncheck();
    // The strategy's research gauges count the three sweeps and the backtests before them.
    await expect
      .poll(() => page.locator('[data-testid=strategy][data-name=sma-cross] [data-testid=strategy-tried]').textContent())
      .toMatch(/^tried: \d+ backtests?, 3 sweeps, \d+ combinations$/);
    // All three sweeps were kept under runs/sweeps/: the sample of three reopens, then the grid of six.
    const kept = await page.getByTestId('sweep-stored').locator('option').allTextContents();
    expect(kept[0]).toBe('3 kept');
    expect(kept.slice(1).map((t) => t.replace(/^.* · /, ''))).toEqual(['6 of 6', '3 of 3', '4 of 4']);
    const keptIds = await page.getByTestId('sweep-stored').locator('option').evaluateAll((os) => os.map((o) => (o as unknown as { value: string }).value).filter((v) => v !== ''));
    for (const id of keptIds) expect(fs.existsSync(path.join(served.workspace, 'runs', 'sweeps', `${id}.json`))).toBe(true);
    await page.getByTestId('sweep-stored').selectOption(keptIds[1]);
    await expect.poll(() => page.getByTestId('sweep-row').count()).toBe(3);
    await page.getByTestId('sweep-stored').selectOption(keptIds[0]);
    await expect.poll(() => page.getByTestId('sweep-row').count()).toBe(6);
    expect(await page.getByTestId('sweep-row').evaluateAll((rows) => rows.map((r) => `${r.querySelector('[data-col=fast]')?.textContent}/${r.querySelector('[data-col=slow]')?.textContent}`))).toEqual(combos);
    // Two swept parameters: a heatmap, drawn by Plotly.
    await page.locator('.sweep-chart .heatmaplayer').first().waitFor({ timeout: 60_000 });
    // The README's second picture: the Studio with a sweep's heatmap and ranking.
    await page.screenshot({ path: path.resolve(import.meta.dirname, '..', '..', 'docs', 'screenshot-studio.png') });
    // A click on the second row backtests that combination with the form's other parameters.
    const row = page.getByTestId('sweep-row').nth(1);
    const [fast, slow] = combos[1].split('/').map(Number);
    const trades = Number(await row.getByTestId('sweep-trades').textContent());
    const before = storedRuns().length;
    await row.click();
    await expect.poll(() => storedRuns().length, { timeout: 60_000 }).toBe(before + 1);
    const picked = storedRuns().find((r) => r.summary.params.fast === fast && r.summary.params.slow === slow && r.summary.params.size === 100);
    expect(picked?.summary.trades).toBe(trades);
    expect(await page.locator('[data-param=fast]').inputValue()).toBe(String(fast));
    await expect.poll(() => page.getByTestId('metric-trades').locator('.metric-value').textContent()).toBe(String(trades));
  });

  it('walks forward over the same grid and shows every fold out of sample', async () => {
    // Back on the Sweep tab, the grid and the ranked results are still there.
    await page.getByTestId('tab-sweep').click();
    expect(await page.getByTestId('sweep-row').count()).toBe(6);
    await page.getByTestId('wf-folds').fill('3');
    await page.getByTestId('wf-in-sample').fill('0.5');
    await page.getByTestId('wf-run').click();
    await expect.poll(() => page.getByTestId('wf-row').count(), { timeout: 60_000 }).toBe(3);
    // Each fold names the winner of its in-sample window, from the grid.
    const winners = await page.getByTestId('wf-row').evaluateAll((rows) => rows.map((r) => `${r.querySelector('[data-col=fast]')?.textContent}/${r.querySelector('[data-col=slow]')?.textContent}`));
    for (const w of winners) expect(['5/20', '5/30', '10/20', '10/30', '15/20', '15/30']).toContain(w);
    // Each winner's in-sample return next to its out-of-sample one, and their ratio of CAGRs.
    for (const t of await page.getByTestId('wf-is-return').allTextContents()) expect(t).toMatch(/^-?\d+\.\d\d%$/);
    for (const t of await page.getByTestId('wf-efficiency').allTextContents()) expect(t).toMatch(/^-?\d+\.\d\d$|^—$/);
    expect(await page.getByTestId('wf-summary').textContent()).toMatch(/^3 folds in [\d.]+ s; \d of 3 out-of-sample folds profitable(; walk-forward efficiency -?[\d.]+)?; stitched: return -?[\d.]+%/);
    await page.locator('[data-testid=wf-results] .plotly-output .main-svg').first().waitFor({ timeout: 60_000 });
    // Anchored: every in-sample window starts where the first one does.
    const rolling = await page.locator('[data-testid=wf-row] td:nth-child(2)').allTextContents();
    await page.getByTestId('wf-anchored').check();
    await page.getByTestId('wf-run').click();
    await expect
      .poll(async () => {
        const cells = await page.locator('[data-testid=wf-row] td:nth-child(2)').allTextContents();
        return cells.length === 3 && cells.join('|') !== rolling.join('|');
      }, { timeout: 60_000 })
      .toBe(true);
    const starts = (await page.locator('[data-testid=wf-row] td:nth-child(2)').allTextContents()).map((t) => t.split(' → ')[0]);
    expect(starts).toEqual([rolling[0].split(' → ')[0], rolling[0].split(' → ')[0], rolling[0].split(' → ')[0]]);
    await page.getByTestId('wf-anchored').uncheck();
  });

  it('lists the stored runs and opens one: its metrics, chart and trades read back from runs/', async () => {
    const stored = storedRuns();
    await expect.poll(() => page.getByTestId('run-card').count()).toBe(fs.readdirSync(path.join(served.workspace, 'runs'), { withFileTypes: true }).filter((e) => e.isDirectory() && fs.existsSync(path.join(served.workspace, 'runs', e.name, 'run.json'))).length);
    // An sma-cross 5/20 run on the first daily symbol, without costs.
    const first = stored.find((r) => r.summary.params.fast === 5 && r.summary.params.slow === 20 && r.request.fees === 'none' && r.request.stream === undefined);
    expect(first).toBeDefined();
    await page.locator(`[data-testid=run-card][data-run="${first?.id}"]`).click();
    await expect.poll(() => page.getByTestId('metric-final-equity').locator('.metric-value').textContent()).toBe(first?.summary.finalEquity.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 }));
    expect(await page.getByTestId('metric-trades').locator('.metric-value').textContent()).toBe(String(first?.summary.trades));
    expect(await page.getByTestId('trade-row').count()).toBe(Math.min(first?.summary.trades ?? 0, 1000));
    await page.locator('.equity-chart .main-svg').first().waitFor({ timeout: 60_000 });
  });

  it('adds a Monte Carlo of the trade sequence when asked, and the trade and drawdown figures', async () => {
    await page.getByTestId('bt-monte-carlo').check();
    const storedIds = new Set(storedRuns().map((r) => r.id));
    const before = storedIds.size;
    await page.getByTestId('bt-run').click();
    await expect.poll(() => storedRuns().length, { timeout: 60_000 }).toBe(before + 1);
    await page.getByTestId('monte-carlo').waitFor({ timeout: 60_000 });
    const trades = await page.getByTestId('metric-trades').locator('.metric-value').textContent();
    expect(await page.getByTestId('monte-carlo').textContent()).toContain(`2,000 bootstrap resamples of ${trades} trades`);
    const [low, median, high] = ((await page.getByTestId('mc-return').textContent()) ?? '').split(' … ').map((t) => Number(t.replace('%', '')));
    expect(low).toBeLessThanOrEqual(median);
    expect(median).toBeLessThanOrEqual(high);
    const latest = storedRuns().find((r) => !storedIds.has(r.id));
    expect(await page.getByTestId('metric-expectancy').locator('.metric-value').textContent()).toBe(
      latest?.summary.expectancy === null ? '—' : latest?.summary.expectancy?.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 }),
    );
    expect(await page.getByTestId('metric-dd-duration').locator('.metric-value').textContent()).toMatch(/^\d+ days$|^—$/);
  });

  it('compares stored runs: their returns on one chart and their figures side by side', async () => {
    const [a, b] = storedRuns().filter((r) => r.request.stream === undefined);
    for (const r of [a, b]) await page.locator(`[data-testid=run-card][data-run="${r.id}"] [data-testid=run-compare]`).check();
    await page.getByTestId('compare').waitFor();
    await page.locator('[data-testid=compare] .main-svg').first().waitFor({ timeout: 60_000 });
    await expect.poll(() => page.locator('[data-testid=compare] g.trace.scatter').count()).toBe(2);
    const shown = await page.locator('[data-testid=compare] tr[data-row="total return"] td').allTextContents();
    const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
    // Columns in the order the runs were ticked.
    const sum = (r: typeof a) => JSON.parse(fs.readFileSync(path.join(served.workspace, 'runs', r.id, 'summary.json'), 'utf8')) as { totalReturn: number };
    expect(shown).toEqual([pct(sum(a).totalReturn), pct(sum(b).totalReturn)]);
    await page.getByTestId('compare-clear').click();
    expect(await page.getByTestId('compare').count()).toBe(0);
  });

  it('runs over the dates and price adjustment chosen in the form', async () => {
    await page.getByTestId('bt-timeframe').selectOption('1Day');
    await page.getByTestId('bt-from').fill('2024-03-01');
    await page.getByTestId('bt-to').fill('2024-03-31');
    await page.getByTestId('bt-adjustment').selectOption('raw');
    const before = storedRuns().length;
    await page.getByTestId('bt-run').click();
    await expect.poll(() => storedRuns().length, { timeout: 60_000 }).toBe(before + 1);
    const march = storedRuns().find((r) => r.request.from === '2024-03-01');
    expect(march?.request).toMatchObject({ to: '2024-03-31', adjustment: 'raw' });
    // NYSE sessions in March 2024: 21 weekdays less Good Friday.
    await expect.poll(() => page.getByTestId('metric-bars').locator('.metric-value').textContent()).toBe('20');
    await page.getByTestId('bt-from').fill('2024-04-01');
    await page.getByTestId('bt-to').fill('2024-03-01');
    await page.getByTestId('bt-run').click();
    expect(await page.getByTestId('bt-error').textContent()).toBe('dates: from 2024-04-01 is after to 2024-03-01');
    await page.getByTestId('bt-from').fill('');
    await page.getByTestId('bt-to').fill('');
    await page.getByTestId('bt-adjustment').selectOption('all');
  });

  it('shows a trade of a long minute-bar run on the bars around it', async () => {
    await page.locator('[data-testid=strategy][data-name=sma-cross]').click();
    await page.getByTestId('bt-monte-carlo').uncheck();
    await page.getByTestId('bt-timeframe').selectOption('1Min');
    const before = storedRuns().length;
    await page.getByTestId('bt-run').click();
    await expect.poll(() => storedRuns().length, { timeout: 60_000 }).toBe(before + 1);
    // A year of minute bars is more than one read of the chart holds: it shows the first 20,000.
    const title = page.locator('.price-chart .gtitle');
    await expect.poll(() => title.textContent(), { timeout: 60_000 }).toContain('first 20,000 bars');
    // The newest trade (December) is not among them: picking it reads the days around it.
    await page.getByTestId('trade-row').first().click();
    await expect.poll(() => title.textContent(), { timeout: 60_000 }).not.toContain('first 20,000 bars');
    await expect.poll(() => page.locator('.price-chart .shapelayer path').count()).toBe(1);
    expect(await page.locator('.price-chart g.trace.scatter path.point').count()).toBeGreaterThanOrEqual(2);
  });
});
