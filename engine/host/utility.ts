// The host inside Electron: a utility process started by app/main.ts. It serves the contract
// over its parentPort; the main process relays those messages to and from the window.
import { createLogger } from '../log/logger';
import { defaultWorkspaceDir } from '../workspace/paths';
import { servePort, type PortLike } from '../rpc/transports';
import { createHost } from './host';

// Electron adds parentPort to `process` in a utility process; plain Node has none.
const parentPort = (process as unknown as { parentPort?: PortLike }).parentPort;
if (!parentPort) {
  process.stderr.write('host-utility: must run as an Electron utility process\n');
  process.exit(1);
}
const log = createLogger('host');
const workspaceDir = process.env.STUDIO_WORKSPACE || defaultWorkspaceDir();
const host = await createHost({ workspaceDir, log });
servePort(parentPort, host.dispatcher);
log.info({ workspace: workspaceDir }, 'host ready in utility process');
