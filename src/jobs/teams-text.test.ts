import { teamsMention, teamsTextLiteral } from './teams-text';

/** Display names a guest, or anyone who can rename themselves in Entra, could choose. */
const HOSTILE = [
  '[click](https://evil.example)',
  'Eve</at> <at>Dana Lead',
  '<script>alert(1)</script>',
  'Tom &amp; Jerry',
  '**URGENT** _all_ `code` ~~gone~~ \\[x\\](y)',
  'Line\nbreak\u202Eoverride',
];

const LINK = /\[[^\]]*\]\([^)]*\)/;

describe('teamsTextLiteral', () => {
  it('leaves ordinary names as they are', () => {
    expect(teamsTextLiteral('Dana Lead')).toBe('Dana Lead');
    expect(teamsTextLiteral("Siobhán O'Neill-Smith (Deputy DSL)")).toBe("Siobhán O'Neill-Smith (Deputy DSL)");
  });

  it.each(HOSTILE)('leaves no markup live in %j', (name) => {
    const out = teamsTextLiteral(name);
    expect(out).not.toMatch(LINK);
    expect(out).not.toMatch(/[<>[\]*_`~\\]/);
    // Every & left is one this escaping wrote: the name's own "&amp;" is shown as typed.
    expect(out.replace(/&(amp|lt|gt|#\d+);/g, '')).not.toContain('&');
    expect(out).not.toMatch(/[\n\r\u202E]/);
  });

  it('shows a typed entity as typed, not as the character it names', () => {
    expect(teamsTextLiteral('Tom &amp; Jerry')).toBe('Tom &amp;amp; Jerry');
    expect(teamsTextLiteral('A & B')).toBe('A &amp; B');
  });
});

describe('teamsMention', () => {
  it.each(HOSTILE)('builds one mention, whose entity text is exactly its text, for %j', (name) => {
    const mention = teamsMention('29:user', name);
    expect(mention.entity).toEqual({ type: 'mention', text: mention.text, mentioned: { id: '29:user', name } });
    expect(mention.text.match(/<at>/g)).toHaveLength(1);
    expect(mention.text.match(/<\/at>/g)).toHaveLength(1);
    expect(mention.text).toMatch(/^<at>[^<>]*<\/at>$/);
    expect(mention.text).not.toMatch(LINK);
  });

  it('is the plain name for an ordinary one', () => {
    expect(teamsMention('29:dana', 'Dana Lead').text).toBe('<at>Dana Lead</at>');
  });
});
