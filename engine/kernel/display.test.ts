import { describe, expect, it } from 'vitest';
import { PLOTLY_MIME, TABLE_MIME, rich, toMimeBundle } from './display';

describe('mime bundles', () => {
  it('shows a Plotly figure as the Plotly mime type with a text fallback', () => {
    const b = toMimeBundle({ data: [{ x: [1, 2], y: [3, 4], type: 'scatter' }], layout: { title: { text: 't' } } });
    expect(b[PLOTLY_MIME]).toEqual({ data: [{ x: [1, 2], y: [3, 4], type: 'scatter' }], layout: { title: { text: 't' } } });
    expect(b['text/plain']).toContain('1 trace');
  });

  it('shows an array of rows as a table with bigints made JSON-safe', () => {
    const b = toMimeBundle([{ a: 1n, b: 'x' }, { a: 2n, b: 'y' }]);
    expect(b[TABLE_MIME]).toEqual({ schema: { fields: [{ name: 'a' }, { name: 'b' }] }, data: [{ a: 1, b: 'x' }, { a: 2, b: 'y' }], total: 2 });
    expect(String(b['text/plain']).split('\n')[0]).toMatch(/^a\s+b/);
  });

  it('passes through rich values and inspects the rest', () => {
    expect(toMimeBundle(rich({ 'text/html': '<b>x</b>' }))).toEqual({ 'text/html': '<b>x</b>' });
    expect(toMimeBundle(42)).toEqual({ 'text/plain': '42' });
    expect(toMimeBundle({ k: [1] })['application/json']).toEqual({ k: [1] });
  });
});
