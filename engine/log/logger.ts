// Structured logs (pino) to the user's log folder, with secrets redacted wherever they appear.
import fs from 'node:fs';
import path from 'node:path';
import { pino, type Logger } from 'pino';
import { userLogDir } from '../workspace/paths';

export const REDACT_PATHS = [
  'token', '*.token', 'secret', '*.secret', 'password', '*.password', 'apiKey', '*.apiKey',
  'keyId', '*.keyId', 'secretKey', '*.secretKey', 'APCA_API_KEY_ID', 'APCA_API_SECRET_KEY',
  '*.APCA_API_KEY_ID', '*.APCA_API_SECRET_KEY', 'headers.authorization', '*.headers.authorization',
  'headers["apca-api-secret-key"]', '*.headers["apca-api-secret-key"]', 'url', '*.url',
];

/** Removes `token=` query values from free text (URLs in messages). */
export function redactText(s: string): string {
  return s.replace(/([?&]token=)[^&\s]+/g, '$1[redacted]');
}

export function createLogger(name: string, opts: { dir?: string; level?: string; destination?: pino.DestinationStream } = {}): Logger {
  const options: pino.LoggerOptions = {
    name,
    level: opts.level ?? process.env.STUDIO_LOG_LEVEL ?? 'info',
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    hooks: {
      logMethod(args, method) {
        const redacted = args.map((a) => (typeof a === 'string' ? redactText(a) : a)) as Parameters<typeof method>;
        return method.apply(this, redacted);
      },
    },
  };
  if (opts.destination) return pino(options, opts.destination);
  const dir = opts.dir ?? userLogDir();
  fs.mkdirSync(dir, { recursive: true });
  return pino(options, pino.destination({ dest: path.join(dir, `${name}.log`), sync: false, mkdir: true }));
}
