import { describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { createLogger } from './logger';

describe('logs', () => {
  it('redact secrets in fields and tokens in messages', () => {
    const lines: string[] = [];
    const destination = new Writable({ write(c, _e, cb) { lines.push(String(c)); cb(); } });
    const log = createLogger('t', { destination });
    log.info({ token: 'abc123', creds: { APCA_API_SECRET_KEY: 'sk-live', keyId: 'PK1' }, port: 5 }, 'serving at http://127.0.0.1:5/?token=abc123');
    const out = lines.join('');
    expect(out).not.toMatch(/abc123|sk-live|PK1/);
    expect(out).toMatch(/\[redacted\]/);
    expect(JSON.parse(lines[0]).port).toBe(5);
  });
});
