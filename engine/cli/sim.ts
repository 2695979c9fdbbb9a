// `studio sim`: the local Alpaca-protocol simulator, the offline paper broker.
import type { Command } from 'commander';
import { fail, parsePort, workspaceOption } from './common';

export function registerSimCommands(program: Command): void {
  program
    .command('sim')
    .description('run the local Alpaca-protocol simulator (REST + WebSocket) on 127.0.0.1: the offline paper broker')
    .option('--port <n>', 'port to listen on (0 picks a free port)', parsePort, 0)
    .option('--speed <x>', 'simulated seconds per wall-clock second', (v) => Number(v), 1)
    .option('--key <id>', 'accept only this API key id (default: any key pair)')
    .option('--secret <secret>', 'the secret that goes with --key')
    .addOption(workspaceOption())
    .action(async (o: { port: number; speed: number; key?: string; secret?: string }) => {
      if (!(o.speed > 0)) fail(`--speed: expected a positive number, got ${o.speed}`, 2);
      if (!!o.key !== !!o.secret) fail('--key and --secret go together', 2);
      const { startSimulator } = await import('../sim');
      const sim = await startSimulator({ port: o.port, speed: o.speed, keys: o.key ? { keyId: o.key, secret: o.secret! } : undefined });
      process.stdout.write(`Alpaca simulator listening on ${sim.url}\n`);
      for (const [k, v] of Object.entries(sim.urls)) process.stdout.write(`  ${k}: ${v}\n`);
      const stop = () => void sim.close().then(() => process.exit(0));
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });

}
