// The simulator's control endpoint bodies (`POST /__sim/faults`, `POST /__sim/clock`): what a
// test may switch, validated so a mistyped field is answered with a 400 naming it instead of
// reaching the simulator's state.

import { z } from 'zod';

const symbol = z.string().min(1);

export const FaultsBody = z.strictObject({
  clear: z.literal(true).optional(),
  /** The next `count` requests under `pathPrefix` answer `status` (429, 5xx, or any error). */
  fail: z.strictObject({
    status: z.number().int().min(400).max(599),
    count: z.number().int().min(1).default(1),
    pathPrefix: z.string().startsWith('/').optional(),
    message: z.string().optional(),
  }).optional(),
  delayMs: z.number().min(0).max(60_000).optional(),
  rejectOrders: z.number().int().min(0).optional(),
  halt: symbol.optional(),
  resume: symbol.optional(),
  correctTrade: symbol.optional(),
  cancelTrade: symbol.optional(),
  hold: z.strictObject({ pathPrefix: z.string().startsWith('/').optional(), after: z.number().int().min(0).optional() }).optional(),
  dropStreams: z.enum(['all', 'data', 'trading']).optional(),
});
export type FaultsBody = z.infer<typeof FaultsBody>;

export const ClockBody = z.union([
  z.strictObject({ advanceMs: z.number().min(0) }),
  z.strictObject({ to: z.iso.datetime({ offset: true }) }),
]);

/** `fail.status: expected number, received string` for the first problem of a body. */
export function describeProblem(error: z.ZodError): string {
  const issue = error.issues[0];
  const where = issue.path.length ? issue.path.join('.') : 'body';
  return `${where}: ${issue.message}`;
}
