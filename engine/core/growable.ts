// Columns that grow by doubling: the engine's logs and stores keep typed arrays (no per-entry
// objects for the garbage collector) and make room as they fill.

type Column = Float64Array | BigInt64Array | Int32Array | Uint8Array;

/** `a` if it holds `need` elements, else a copy of it in a column twice as long (or `need`, if more). */
export function withRoom<T extends Column>(a: T, need: number): T {
  if (need <= a.length) return a;
  const b = new (a.constructor as new (length: number) => T)(Math.max(need, a.length * 2));
  b.set(a as never);
  return b;
}
