// A form built from a strategy's parameter JSON Schema (generated from its zod schema): numbers,
// integers, booleans, enums and strings, starting from the declared defaults.
export interface ParamSchema {
  properties?: Record<string, ParamProp>;
}

interface ParamProp {
  type?: string;
  default?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  description?: string;
  enum?: unknown[];
}

export type ParamValues = Record<string, string | boolean>;

/** Form values from the schema's defaults (numbers kept as text so a half-typed value is allowed). */
export function defaultValues(schema: ParamSchema | null): ParamValues {
  const out: ParamValues = {};
  for (const [name, p] of Object.entries(schema?.properties ?? {})) {
    out[name] = p.type === 'boolean' ? p.default === true : p.default === undefined ? '' : String(p.default);
  }
  return out;
}

/** Form values to parameters: empty fields are left to the default, numbers parsed. */
export function toParams(schema: ParamSchema | null, values: ParamValues): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, p] of Object.entries(schema?.properties ?? {})) {
    const v = values[name];
    if (v === undefined || v === '') continue;
    if (p.type === 'boolean') out[name] = v === true;
    // A value that is not a number goes as typed, so the engine's message names it.
    else if (p.type === 'number' || p.type === 'integer') out[name] = typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : v;
    else out[name] = v;
  }
  return out;
}

const SAFE = Number.MAX_SAFE_INTEGER;
function bounds(p: ParamProp): string {
  const lo = p.minimum ?? (p.exclusiveMinimum !== undefined ? `>${p.exclusiveMinimum}` : undefined);
  const hi = p.maximum !== undefined && Math.abs(p.maximum) < SAFE ? p.maximum : undefined;
  const loText = typeof lo === 'number' && Math.abs(lo) >= SAFE ? undefined : lo;
  if (loText === undefined && hi === undefined) return '';
  return `${loText ?? ''}…${hi ?? ''}`;
}

export function ParamForm({ schema, values, onChange }: { schema: ParamSchema | null; values: ParamValues; onChange(v: ParamValues): void }) {
  const props = Object.entries(schema?.properties ?? {});
  if (props.length === 0) return <div className="muted small">This strategy has no parameters.</div>;
  return (
    <div className="param-form">
      {props.map(([name, p]) => (
        <label key={name} className="param" title={p.description}>
          <span className="param-name">{name}</span>
          {p.type === 'boolean' ? (
            <input type="checkbox" data-param={name} checked={values[name] === true} onChange={(e) => onChange({ ...values, [name]: e.target.checked })} />
          ) : p.enum ? (
            <select data-param={name} value={String(values[name] ?? '')} onChange={(e) => onChange({ ...values, [name]: e.target.value })}>
              {p.enum.map((o) => (
                <option key={String(o)} value={String(o)}>{String(o)}</option>
              ))}
            </select>
          ) : (
            <input data-param={name} inputMode={p.type === 'string' ? 'text' : 'decimal'} value={String(values[name] ?? '')} onChange={(e) => onChange({ ...values, [name]: e.target.value })} />
          )}
          <span className="muted small">{bounds(p)}</span>
        </label>
      ))}
    </div>
  );
}
