// Alpaca API keys for the engine: read from the environment or a `.env` file, warned about
// when the file is readable by other users, and kept out of logs (pino redaction, and objects
// that print `[redacted]` instead of the secret).

import { readFileSync, statSync } from 'node:fs';
import { inspect } from 'node:util';
import pino, { type Logger } from 'pino';

export class AlpacaCredentials {
  readonly #secret: string;

  constructor(readonly keyId: string, secret: string) {
    this.#secret = secret;
  }

  /** The secret, for handing to the SDK only. */
  revealSecret(): string {
    return this.#secret;
  }

  toJSON(): Record<string, string> {
    return { keyId: this.keyId, secret: '[redacted]' };
  }

  [inspect.custom](): string {
    return `AlpacaCredentials { keyId: '${this.keyId}', secret: [redacted] }`;
  }
}

/** Paths a pino logger must censor wherever the adapter logs request or config objects. */
export const REDACT_PATHS = [
  'secret', '*.secret', 'secretKey', '*.secretKey', 'secret_key', '*.secret_key',
  'APCA_API_SECRET_KEY', '*.APCA_API_SECRET_KEY',
  'headers["APCA-API-SECRET-KEY"]', '*.headers["APCA-API-SECRET-KEY"]',
  'headers["apca-api-secret-key"]', '*.headers["apca-api-secret-key"]',
  'headers.authorization', '*.headers.authorization',
];

export function createAdapterLogger(options: pino.LoggerOptions = {}, destination?: pino.DestinationStream): Logger {
  const opts: pino.LoggerOptions = { name: 'alpaca', level: 'info', ...options, redact: { paths: REDACT_PATHS, censor: '[redacted]' } };
  return destination ? pino(opts, destination) : pino(opts);
}

/** Minimal `.env` reading: KEY=VALUE lines, optional quotes, `#` comments. */
export function parseDotenv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (!m) continue;
    let value = m[2];
    if ((value.startsWith('"') && value.endsWith('"')) || (value.startsWith("'") && value.endsWith("'"))) value = value.slice(1, -1);
    else value = value.replace(/\s+#.*$/, '');
    out[m[1]] = value;
  }
  return out;
}

export interface LoadCredentialsOptions {
  env?: Readonly<Record<string, string | undefined>>;
  /** Path of the `.env` file to fall back on; skipped when missing. */
  envFile?: string;
  logger?: Logger;
}

/**
 * Keys from `APCA_API_KEY_ID` / `APCA_API_SECRET_KEY` in the environment, else from the `.env`
 * file. Returns undefined when neither has both.
 */
export function loadCredentials(options: LoadCredentialsOptions = {}): AlpacaCredentials | undefined {
  const env = options.env ?? process.env;
  const fromEnv = (vars: Readonly<Record<string, string | undefined>>): AlpacaCredentials | undefined => {
    const id = vars.APCA_API_KEY_ID?.trim();
    const secret = vars.APCA_API_SECRET_KEY?.trim();
    return id && secret ? new AlpacaCredentials(id, secret) : undefined;
  };
  const direct = fromEnv(env);
  if (direct) return direct;
  const file = options.envFile ?? '.env';
  let mode: number;
  try {
    mode = statSync(file).mode;
  } catch {
    return undefined;
  }
  // Group- or world-readable key files leak to every other account on the machine.
  if ((mode & 0o044) !== 0) {
    options.logger?.warn({ file, mode: (mode & 0o777).toString(8) }, 'the .env file holding Alpaca keys is readable by other users; run chmod 600 on it');
  }
  return fromEnv(parseDotenv(readFileSync(file, 'utf8')));
}
