// Keys come from the environment or a .env file, a readable .env is warned about, and neither
// logs nor JSON ever carry the secret.

import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { createAdapterLogger, loadCredentials } from './credentials';

const dirs: string[] = [];
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

function captureLogger() {
  const lines: string[] = [];
  const logger = createAdapterLogger({ level: 'debug' }, { write: (line: string) => { lines.push(line); } });
  return { logger, lines };
}

describe('Alpaca credentials', () => {
  it('prefers the environment, falls back to .env, and warns when .env is readable by others', () => {
    const dir = mkdtempSync(join(tmpdir(), 'creds-'));
    dirs.push(dir);
    const file = join(dir, '.env');
    writeFileSync(file, '# keys\nAPCA_API_KEY_ID="PKFILE"\nexport APCA_API_SECRET_KEY=file-secret # trailing\n');
    chmodSync(file, 0o644);
    const { logger, lines } = captureLogger();

    const fromEnv = loadCredentials({ env: { APCA_API_KEY_ID: 'PKENV', APCA_API_SECRET_KEY: 'env-secret' }, envFile: file, logger });
    expect(fromEnv?.keyId).toBe('PKENV');
    expect(lines).toEqual([]);

    const fromFile = loadCredentials({ env: {}, envFile: file, logger });
    expect([fromFile?.keyId, fromFile?.revealSecret()]).toEqual(['PKFILE', 'file-secret']);
    expect(lines.length).toBe(1);
    expect(JSON.parse(lines[0])).toMatchObject({ level: 40, mode: '644', msg: expect.stringContaining('chmod 600') });

    chmodSync(file, 0o600);
    loadCredentials({ env: {}, envFile: file, logger });
    expect(lines.length).toBe(1);
    expect(loadCredentials({ env: {}, envFile: join(dir, 'missing') })).toBeUndefined();
  });

  it('never prints the secret, in JSON, inspect or pino output', () => {
    const creds = loadCredentials({ env: { APCA_API_KEY_ID: 'PK1', APCA_API_SECRET_KEY: 'very-secret' } });
    const { logger, lines } = captureLogger();
    logger.info({ creds, config: { secret: 'very-secret', headers: { 'APCA-API-SECRET-KEY': 'very-secret' } } }, 'connecting');
    expect(JSON.stringify(creds)).not.toContain('very-secret');
    expect(inspect(creds)).not.toContain('very-secret');
    expect(lines.join('')).not.toContain('very-secret');
    expect(lines.join('')).toContain('[redacted]');
  });
});
