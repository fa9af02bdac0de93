import { cleanLine } from '../domain/text';

/**
 * Names (from the store or from Teams' rosters) inside the text of a Teams message — not a card:
 * cards show them with `literal()` — and the @mentions built from them.
 *
 * What Microsoft documents, and what this follows:
 * - Teams reads a bot message's `text` as Markdown by default and supports "a subset of markdown
 *   and xml or HTML formatting tags" (Teams platform docs, "Format your bot messages",
 *   learn.microsoft.com/microsoftteams/platform/bots/how-to/format-your-bot-messages). So a
 *   display name such as `[click](https://evil.example)` or `**URGENT**` would be a live link or
 *   bold text in the DSL channel, and `</at> <at>…` would close the mention and open another.
 * - A mention is `<at>name</at>` in the text plus an entity whose `text` "must match a portion of
 *   the message `text` field. If it doesn't, the mention is ignored" (Teams platform docs,
 *   "Channel and group chat conversations with a bot", Add mentions to your messages). Microsoft's
 *   samples XML-encode the name in both (MicrosoftDocs/msteams-docs PR #1143 "mention.text
 *   should be xml encoded", BotBuilder-Samples PR #1977). A raw `&` in a name makes the
 *   connector refuse the message ("Mention entity does not match text", microsoft/botbuilder-js
 *   #2111); `&amp;` is accepted.
 *
 * So `&`, `<` and `>` become XML entities, and the characters that make Markdown emphasis, code,
 * strikethrough, links and escapes (`*` `_` `` ` `` `~` `[` `]` `\`) become numeric character
 * references: XML decodes them back to the character, and CommonMark never reads a character
 * reference as structure ("Entity and numeric character references … cannot be used in place of
 * symbols indicating structure", CommonMark spec 0.31 §2.5, GitHub Flavored Markdown spec §6.2:
 * `&#42;foo&#42;` is "*foo*", not emphasis). Teams does not document its Markdown dialect
 * further, so this is the strongest reading the sources support; how each Teams client shows
 * `&#91;` is not documented. Ordinary names (letters, spaces, apostrophes, hyphens,
 * parentheses) are unchanged.
 * Control characters, line breaks and bidirectional overrides are removed first (`cleanLine`), so
 * a name cannot start a Markdown block on a line of its own.
 *
 * Not covered: a bare address in a name ("www.evil.example") may still be turned into a link by
 * the client's own link detection, which is not Markdown and not documented.
 */
export function teamsTextLiteral(value: string): string {
  return cleanLine(value).replace(/[&<>*_`~[\]\\]/g, (ch) => ENTITIES[ch] ?? `&#${ch.charCodeAt(0)};`);
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };

export interface TeamsMentionEntity {
  type: 'mention';
  text: string;
  mentioned: { id: string; name: string };
}

export interface TeamsMention {
  /** `<at>name</at>`, for the message text. */
  text: string;
  /** The entity for `activity.entities`: its `text` is exactly `text` above. */
  entity: TeamsMentionEntity;
}

/**
 * A mention of one person: the text to put in the message and the entity that goes with it, both
 * from the same escaped name, so Teams always finds the one in the other. `mentioned.name` is the
 * name as Teams knows it (plain JSON data, never rendered as markup).
 */
export function teamsMention(teamsUserId: string, displayName: string): TeamsMention {
  const text = `<at>${teamsTextLiteral(displayName)}</at>`;
  return { text, entity: { type: 'mention', text, mentioned: { id: teamsUserId, name: displayName } } };
}
