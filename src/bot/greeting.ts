/**
 * Whether a chat message only asks to start a report ("hi", "report a concern", "good morning
 * Jigsaw!"), so the empty form is the answer. Anything more is the concern itself, typed
 * straight into the chat ("Worried about Jay, he said…", "Hi, Jay told me…"): its words must be
 * kept in the form, so the whole message has to be a greeting, not just its first word.
 */
const GREETING = /^(?:(?:hi|hello|hey|hiya|good (?:morning|afternoon|evening)|morning|afternoon)(?: there| jigsaw)?[\s!.,]*)?(?:(?:i(?: want| need| would like|'d like) to |(?:want|need) to |can i |please )?(?:report|raise|start|new|make)?(?: an?| a new| new)?(?: (?:safeguarding|online[- ]safety))?(?: ?(?:concern|report|worry))?(?: please)?)?[\s!.?,]*$/i;

export function isGreeting(typed: string): boolean {
  return GREETING.test(typed.trim().replace(/\s+/g, ' ').replace(/’/g, "'"));
}
