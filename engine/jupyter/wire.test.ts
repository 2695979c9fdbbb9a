// The wire format's promise: what we sign, Jupyter's clients verify, and anything unsigned,
// wrongly signed or malformed is refused before it can be executed.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createHmac } from 'node:crypto';
import { codePointsToUtf16, createSigner, decode, encode, newHeader, utf16ToCodePoints, WireError } from './wire';

const signer = createSigner('secret-key');
const message = (code: string) => ({
  ids: [Buffer.from('client-1')],
  header: newHeader('execute_request', 'session-1'),
  parent_header: {},
  content: { code, silent: false },
});

describe('the Jupyter wire format', () => {
  it('signs with HMAC-SHA256 over the four JSON frames, as jupyter_client does', () => {
    const frames = encode(message('1 + 1'), signer);
    const at = frames.findIndex((f) => f.toString() === '<IDS|MSG>');
    const h = createHmac('sha256', 'secret-key');
    for (const f of frames.slice(at + 2, at + 6)) h.update(f);
    expect(frames[at + 1].toString()).toBe(h.digest('hex'));
    expect(frames[0].toString()).toBe('client-1');
  });

  it('round-trips any content', () => {
    fc.assert(fc.property(fc.string(), fc.jsonValue(), (code, extra) => {
      const m = { ...message(code), content: { code, extra } };
      const back = decode(encode(m, signer), signer);
      expect(back.content).toEqual(JSON.parse(JSON.stringify(m.content)));
      expect(back.ids.map(String)).toEqual(['client-1']);
    }));
  });

  it('refuses a message whose content was changed after signing', () => {
    fc.assert(fc.property(fc.string({ minLength: 1 }), (injected) => {
      const frames = encode(message('1 + 1'), signer);
      const at = frames.findIndex((f) => f.toString() === '<IDS|MSG>');
      frames[at + 5] = Buffer.from(JSON.stringify({ code: injected }));
      expect(() => decode(frames, signer)).toThrow(/bad signature/);
    }));
  });

  it('refuses unsigned messages, messages signed with another key, and malformed ones', () => {
    expect(() => decode(encode(message('x'), createSigner('')), signer)).toThrow(/unsigned/);
    expect(() => decode(encode(message('x'), createSigner('other-key')), signer)).toThrow(/bad signature/);
    expect(() => decode([Buffer.from('no delimiter')], signer)).toThrow(WireError);
    const frames = encode(message('x'), createSigner(''));
    frames[frames.length - 4] = Buffer.from('not json');
    expect(() => decode(frames, createSigner(''))).toThrow(/header is not JSON/);
  });

  it('converts Jupyter cursor positions (code points) to JavaScript offsets and back', () => {
    const text = 'const 📈 = 1; pri';
    expect(codePointsToUtf16(text, [...text].length)).toBe(text.length);
    expect(utf16ToCodePoints(text, text.length)).toBe([...text].length);
    expect(codePointsToUtf16(text, 7)).toBe(8);
  });
});
