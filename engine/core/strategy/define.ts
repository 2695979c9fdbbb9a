// Declaring a strategy and turning user-supplied parameters into validated ones. Bad parameters
// come back as values naming the strategy and the parameter, never as exceptions.

import { z } from 'zod';
import type { ParamsSchema, StrategyDefinition } from './types';

/** Identity at runtime; gives a strategy literal its types (params inferred from the schema). */
export function defineStrategy<S extends ParamsSchema>(definition: StrategyDefinition<S>): StrategyDefinition<S> {
  return definition;
}

export interface ParamIssue {
  /** Parameter name (dotted for nested fields); empty for the object as a whole. */
  readonly param: string;
  readonly message: string;
}

export type ParamsResult<T> = { ok: true; params: T } | { ok: false; message: string; issues: ParamIssue[] };

/**
 * Applies defaults and validates. Unknown names are errors even when the schema would strip
 * them, because a misspelt `--param fsat=5` silently running with the default is worse.
 */
export function resolveParams<S extends ParamsSchema>(
  definition: StrategyDefinition<S>,
  raw: Readonly<Record<string, unknown>> = {},
): ParamsResult<z.output<S>> {
  const issues: ParamIssue[] = [];
  const known = Object.keys(definition.params.shape);
  for (const key of Object.keys(raw)) {
    if (!known.includes(key)) issues.push({ param: key, message: `unknown parameter (known: ${known.join(', ') || 'none'})` });
  }
  const parsed = definition.params.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) issues.push({ param: issue.path.map(String).join('.'), message: issue.message });
  }
  if (issues.length > 0 || !parsed.success) {
    const lines = issues.map((i) => (i.param ? `parameter '${i.param}': ${i.message}` : i.message));
    return { ok: false, message: `strategy '${definition.name}': ${lines.join('; ')}`, issues };
  }
  return { ok: true, params: parsed.data };
}

/** JSON Schema of the parameters (with defaults and bounds) for forms and sweep builders. */
export function paramsJsonSchema(definition: StrategyDefinition): Record<string, unknown> {
  return z.toJSONSchema(definition.params, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
}
