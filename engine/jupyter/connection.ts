// The connection file a Jupyter client writes before starting a kernel: where to bind the five
// sockets and the key that signs every message.
import fs from 'node:fs';
import { z } from 'zod';

const Port = z.number().int().min(1).max(65535);

export const ConnectionInfo = z.object({
  transport: z.enum(['tcp', 'ipc']).default('tcp'),
  ip: z.string().min(1),
  shell_port: Port,
  iopub_port: Port,
  stdin_port: Port,
  control_port: Port,
  hb_port: Port,
  key: z.string().default(''),
  signature_scheme: z.string().default('hmac-sha256'),
  kernel_name: z.string().optional(),
});
export type ConnectionInfo = z.infer<typeof ConnectionInfo>;

export type Channel = 'shell' | 'iopub' | 'stdin' | 'control' | 'hb';

export function endpoint(info: ConnectionInfo, channel: Channel): string {
  const port = info[`${channel}_port`];
  return info.transport === 'tcp' ? `tcp://${info.ip}:${port}` : `ipc://${info.ip}-${port}`;
}

export function readConnectionFile(file: string): ConnectionInfo {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`${file}: cannot read the connection file (${(e as Error).message})`);
  }
  const parsed = ConnectionInfo.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${file}: ${issue.path.join('.') || 'connection file'}: ${issue.message}`);
  }
  return parsed.data;
}
