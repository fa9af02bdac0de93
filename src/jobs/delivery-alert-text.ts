/**
 * The admins' alert for a delivery that is not getting through, in words an admin can act on.
 * A refusal (403, 404, 400, 401, 413) will not fix itself: the alert says so and says what to
 * change; anything else (5xx, a network failure) may be Teams' own trouble and pass.
 * `givesUpAfter`: for a bulk notice refused for good, how many refusals Jigsaw takes before
 * giving up on it.
 */
export function deliveryAlertText(failure: { status?: number }, failures: number, toDslChannel: boolean, givesUpAfter?: number): string {
  const where = toDslChannel ? 'the DSL channel' : "a person's chat with Jigsaw";
  const keeps =
    givesUpAfter !== undefined
      ? `This is a sharing-audit notice, not a concern: Jigsaw tries it again, and gives up on it once Teams has refused it ${givesUpAfter} times.`
      : toDslChannel
        ? 'Jigsaw keeps trying, and delivers the message as soon as Teams accepts it; until then the DSL team has not seen it.'
        : 'Jigsaw keeps trying, and delivers the message as soon as Teams accepts it.';
  switch (failure.status) {
    case 403:
    case 404:
      return `Teams refused a message from Jigsaw to ${where} (HTTP ${failure.status}): Jigsaw is not allowed to post there. This will not fix itself. ${
        toDslChannel
          ? "Most often Jigsaw has been removed from the DSL channel's team, or the channel was deleted: add the Jigsaw app back to that team, or, if the channel has gone, run setup again in the new DSL channel."
          : 'Most often the person has removed or blocked the Jigsaw app, or has left the school: ask them to add Jigsaw back in Teams, or check that their role in Jigsaw is still right.'
      } ${keeps}`;
    case 401:
      return `Teams refused a message from Jigsaw to ${where} (HTTP 401): Jigsaw's bot credentials were not accepted. This will not fix itself: IT should check the bot's app registration and its client secret. ${keeps}`;
    case 400:
    case 413:
      return `Teams refused a message from Jigsaw to ${where} as invalid (HTTP ${failure.status}). This will not fix itself: report it to whoever supports Jigsaw for your school, with the reference below. ${keeps}`;
    default:
      return `A message from Jigsaw has failed to reach Teams ${failures} time(s) (last error: HTTP ${failure.status ?? 'none (network)'}). Jigsaw keeps retrying. Check that the app is installed where it posts and that Teams is reachable.`;
  }
}
