// Paper unless told otherwise; the live account only after the user types the confirmation.

import { describe, expect, it } from 'vitest';
import { chooseEndpoint } from './endpoint';

describe('choosing the Alpaca endpoint', () => {
  it('is paper by default, a local server with --url, and live only when the user types "live"', async () => {
    const asked: string[] = [];
    const answer = (a: string | null) => async (q: string) => { asked.push(q); return a; };
    expect(await chooseEndpoint({}, answer('live'))).toEqual({ kind: 'paper' });
    expect(await chooseEndpoint({ url: 'http://127.0.0.1:4000/v2' }, answer('live'))).toEqual({ kind: 'simulator', url: 'http://127.0.0.1:4000' });
    expect(asked).toEqual([]);

    expect(await chooseEndpoint({ live: true }, answer(' live\n'))).toEqual({ kind: 'live', confirmed: true });
    expect(asked[0]).toContain('real money');
    await expect(chooseEndpoint({ live: true }, answer('yes'))).rejects.toThrow('--live not confirmed (expected "live", got "yes"); nothing was sent to Alpaca');
    await expect(chooseEndpoint({ live: true }, answer(null))).rejects.toThrow('--live needs a confirmation');
    await expect(chooseEndpoint({ live: true, url: 'http://127.0.0.1:1' }, answer('live'))).rejects.toThrow('--live and --url exclude each other');
    await expect(chooseEndpoint({ url: 'ftp://x' }, answer(null))).rejects.toThrow('--url: expected an http(s) URL, got "ftp://x"');
    await expect(chooseEndpoint({ url: 'not a url' }, answer(null))).rejects.toThrow('--url: expected a URL such as http://127.0.0.1:PORT, got "not a url"');
    expect(asked.length).toBe(3);
  });
});
