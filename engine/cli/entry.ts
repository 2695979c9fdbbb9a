// The bundled CLI's entry point (dist/engine/cli.js), started by bin/studio.js.
import { main } from './main';

main(process.argv).catch((e: unknown) => {
  process.stderr.write(`studio: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
