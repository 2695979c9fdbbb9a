// `studio sim`: the local Alpaca-protocol simulator, the offline paper broker. It replays the
// workspace lake's minute bars (or generated ones when the lake has none) and fills orders with
// the backtest's exchange, so a paper session behaves like the backtest of the same period.
import type { Command } from 'commander';
import { fail, parsePort, workspaceOption, wsDir } from './common';

interface SimCliOptions {
  port: number;
  speed: number;
  key?: string;
  secret?: string;
  workspace?: string;
  from?: string;
  matching: string;
  seed: number;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const FALLBACK_SYMBOLS = ['FAKEPACA', 'BTC/USD', 'ETH/USD'];

export function registerSimCommands(program: Command): void {
  program
    .command('sim')
    .description('run the local Alpaca-protocol simulator (REST + WebSocket) on 127.0.0.1: the offline paper broker')
    .option('--port <n>', 'port to listen on (0 picks a free port)', parsePort, 0)
    .option('--speed <x>', 'simulated seconds per wall-clock second', (v) => Number(v), 1)
    .option('--from <date>', 'start at the first session on or after this date (YYYY-MM-DD); default: the first session in the lake')
    .option('--matching <mode>', 'backtest: fill as the backtest would, when each minute bar ends; quotes: fill at once at the quote', 'backtest')
    .option('--seed <n>', 'seed of the generated market when the lake has no 1Min bars', (v) => Number(v), 42)
    .option('--key <id>', 'accept only this API key id (default: any key pair)')
    .option('--secret <secret>', 'the secret that goes with --key')
    .addOption(workspaceOption())
    .action(async (o: SimCliOptions) => {
      if (!(o.speed > 0)) fail(`--speed: expected a positive number, got ${o.speed}`, 2);
      if (!!o.key !== !!o.secret) fail('--key and --secret go together', 2);
      if (o.from !== undefined && !(DATE.test(o.from) && Number.isFinite(Date.parse(o.from)))) fail(`--from: expected a date YYYY-MM-DD, got "${o.from}"`, 2);
      if (o.matching !== 'backtest' && o.matching !== 'quotes') fail(`--matching: expected backtest or quotes, got "${o.matching}"`, 2);
      if (!Number.isInteger(o.seed)) fail(`--seed: expected an integer, got ${o.seed}`, 2);
      const { startSimulator, SyntheticSource, CombinedSource } = await import('../sim');
      const { lakeDirOf, loadLakeReplay } = await import('../sim/lake-source');
      const { currentOrNextSession, etToUtc } = await import('../sim/time');

      const lakeDir = lakeDirOf(wsDir(o));
      let replay: Awaited<ReturnType<typeof loadLakeReplay>>;
      try {
        replay = await loadLakeReplay(lakeDir, o.from);
      } catch (e) {
        fail(`--from ${o.from}: ${(e as Error).message}`, 2);
      }
      const generated = new SyntheticSource({ seed: o.seed });
      // The test stream's FAKEPACA and the crypto pairs stay generated next to a lake of stocks,
      // so /v2/test and /v1beta3/crypto/us have something to say.
      const extras = replay ? FALLBACK_SYMBOLS.filter((s) => !replay.symbols.includes(s)) : [];
      const source = replay ? new CombinedSource(replay.source, generated, extras) : generated;
      let start: number | undefined;
      // At the first bar's close, as a backtest's first event: a client starting then already
      // has a last trade and a completed bar, which the very first instant of a lake lacks.
      if (replay) start = replay.firstMs + 60_000;
      else if (o.from) start = currentOrNextSession(etToUtc(Number(o.from.slice(0, 4)), Number(o.from.slice(5, 7)), Number(o.from.slice(8, 10)), 0, 0)).open;

      const sim = await startSimulator({
        port: o.port,
        speed: o.speed,
        source,
        start,
        matching: o.matching,
        keys: o.key ? { keyId: o.key, secret: o.secret! } : undefined,
      });
      const out = (line: string) => process.stdout.write(`${line}\n`);
      out(`Alpaca simulator listening on ${sim.url}`);
      for (const [k, v] of Object.entries(sim.urls)) out(`  ${k}: ${v}`);
      const day = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
      if (replay) {
        out(`market data: replaying the workspace lake (${lakeDir}): ${replay.bars} 1Min bars of ${replay.symbols.join(', ')}, ${day(replay.firstMs)} to ${day(replay.lastMs)} UTC`);
        if (extras.length) out(`  also generated (seed ${o.seed}): ${extras.join(', ')}`);
      } else {
        out(`market data: generated (synthetic, seed ${o.seed}): the workspace lake (${lakeDir}) has no 1Min bars`);
      }
      out(`clock: starts ${new Date(sim.clock.now()).toISOString()}, ${o.speed}x wall time`);
      out(sim.matching === 'backtest'
        ? 'orders: US equities fill by the backtest\'s exchange at the end of each minute bar (crypto at the quote)'
        : 'orders: fill at the standing quote as each simulated trade prints');
      const stop = () => void sim.close().then(() => process.exit(0));
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
}
