import { z } from 'zod';

/**
 * Card submissions are parsed here, before any handler sees them. Data in a card is whatever
 * a client sent: it never carries identity or roles, only the verb and form values.
 */
const FormValue = z.union([z.string(), z.number(), z.boolean()]).transform((v) => String(v));

export const CardActionSchema = z.object({
  action: z.object({
    type: z.literal('Action.Execute'),
    verb: z.string().min(1).max(64),
    data: z.record(z.string(), z.unknown()).optional().default({}),
  }),
  trigger: z.enum(['manual', 'automatic']).optional(),
});
export type CardAction = z.infer<typeof CardActionSchema>;

export const ReportDataSchema = z
  .object({
    submissionId: z.string().regex(/^[0-9a-f-]{36}$/).optional(),
    kept: z.record(z.string(), FormValue).optional(),
  })
  .passthrough();

export function parseCardAction(value: unknown): CardAction | undefined {
  const parsed = CardActionSchema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

/** The form fields of a submission: scalar values only, anything else dropped. */
export function formValues(data: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(data)) {
    if (key === 'verb' || key === 'kept' || key === 'submissionId') continue;
    const parsed = FormValue.safeParse(value);
    if (parsed.success) out[key] = parsed.data;
  }
  return out;
}
