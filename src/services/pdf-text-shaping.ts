/**
 * The little text layout the PDF writer does itself, for one line of a left-to-right document:
 * - clusters: a character with the combining marks (and invisible joiners) that follow it;
 * - right-to-left text (Hebrew, Arabic…) put in display order by a reduced form of the Unicode
 *   bidirectional algorithm (UAX #9) for a left-to-right paragraph without explicit embeddings:
 *   rules W2, W4, W5 (reduced), W7, N0 (bracket pairs), N1, N2, I1, L2 and L4 (mirrored brackets). Numbers inside right-to-left
 *   text stay left to right;
 * - Arabic letters joined: each letter takes its isolated, initial, medial or final form from
 *   Unicode's Arabic Presentation Forms (with the mandatory lam-alef ligatures), when the font has
 *   that form. This is not a shaping engine: no other ligatures, no mark positioning, no Indic
 *   reordering or conjuncts (scripts that need those are not in the font we embed anyway).
 */

export interface Cluster {
  /** The characters as written (logical order). */
  text: string;
  /** What to draw: the characters, or the presentation form chosen for an Arabic letter. */
  shown: string;
  /** The bidi embedding level: 0 left to right, 1 right to left, 2 a number inside right-to-left text. */
  level: number;
}

const RTL_SCRIPT = /[\p{Script=Hebrew}\p{Script=Arabic}\p{Script=Syriac}\p{Script=Thaana}\p{Script=Nko}\p{Script=Samaritan}\p{Script=Mandaic}\p{Script=Adlam}]/u;
const ARABIC_LETTER = /[\p{Script=Arabic}\p{Script=Syriac}\p{Script=Thaana}]/u;
// Punctuation of those scripts that is itself right to left (R or AL), e.g. the Arabic question mark.
const RTL_PUNCTUATION = new Set([...'\u061B\u061F\u06D4\u05BE\u05C0\u05C3\u05C6\u05F3\u05F4']);
const ATTACHED = /[\p{M}\p{Default_Ignorable_Code_Point}]/u;
const LTR_LETTER = /[\p{L}\p{Mc}]/u;
const NUMBER_SEPARATOR = new Set([...'.,:/\u00A0\u060C\u066B\u066C']);
const NUMBER_SUFFIX = new Set([...'%$€£#°\u066A']);
const BRACKETS: Record<string, string> = { '(': ')', '[': ']', '{': '}' };
const MIRRORED: Record<string, string> = { '(': ')', ')': '(', '[': ']', ']': '[', '{': '}', '}': '{', '<': '>', '>': '<', '«': '»', '»': '«', '‹': '›', '›': '‹' };

type BidiClass = 'L' | 'R' | 'AL' | 'EN' | 'AN' | 'N';

function bidiClass(ch: string): BidiClass {
  const code = ch.codePointAt(0)!;
  if ((code >= 0x0660 && code <= 0x0669) || code === 0x066b || code === 0x066c) return 'AN';
  if (/\p{Nd}/u.test(ch)) return RTL_SCRIPT.test(ch) && !(code >= 0x06f0 && code <= 0x06f9) ? 'AN' : 'EN';
  if (RTL_PUNCTUATION.has(ch) || (RTL_SCRIPT.test(ch) && /\p{L}/u.test(ch))) return ARABIC_LETTER.test(ch) ? 'AL' : 'R';
  if (LTR_LETTER.test(ch)) return 'L';
  return 'N';
}

/** A line split into clusters: a base character with the marks and invisible characters after it. */
export function clusters(text: string): string[] {
  const out: string[] = [];
  for (const ch of text) {
    if (out.length && ATTACHED.test(ch)) out[out.length - 1] += ch;
    else out.push(ch);
  }
  return out;
}

/** True when the text has right-to-left letters. */
export function hasRightToLeft(text: string): boolean {
  return [...text].some((ch) => {
    const c = bidiClass(ch);
    return c === 'R' || c === 'AL';
  });
}

/** Bidi levels of a left-to-right paragraph's clusters (see the rules named above). */
function levels(parts: readonly string[]): number[] {
  const types: BidiClass[] = parts.map((p) => bidiClass(p));
  // W2: a European number after Arabic letters is an Arabic number. W7: after a left-to-right letter, it is left to right.
  let strong: BidiClass = 'L';
  for (let i = 0; i < types.length; i++) {
    const t = types[i]!;
    if (t === 'L' || t === 'R' || t === 'AL') strong = t;
    else if (t === 'EN') types[i] = strong === 'AL' ? 'AN' : strong === 'L' ? 'L' : 'EN';
  }
  // W4: one separator between two numbers of one kind joins them. W5 (reduced): %, currency signs next to a European number go with it.
  for (let i = 1; i < types.length - 1; i++) {
    if (types[i] === 'N' && NUMBER_SEPARATOR.has(parts[i]![0]!) && types[i - 1] === types[i + 1] && (types[i - 1] === 'EN' || types[i - 1] === 'AN')) types[i] = types[i - 1]!;
  }
  for (let i = 0; i < types.length; i++) {
    if (types[i] === 'N' && NUMBER_SUFFIX.has(parts[i]![0]!) && (types[i - 1] === 'EN' || types[i + 1] === 'EN')) types[i] = 'EN';
  }
  // N0: a pair of brackets takes the paragraph's direction when the text inside has it, else the
  // other direction when the text inside and the text before the pair both have that (BD16 pairs).
  const strongOf = (t: BidiClass): 'L' | 'R' | undefined => (t === 'L' ? 'L' : t === 'N' ? undefined : 'R');
  const stack: { closer: string; at: number }[] = [];
  const pairs: [number, number][] = [];
  for (let i = 0; i < types.length; i++) {
    if (types[i] !== 'N') continue;
    const ch = parts[i]![0]!;
    if (BRACKETS[ch]) {
      if (stack.length === 63) break;
      stack.push({ closer: BRACKETS[ch]!, at: i });
      continue;
    }
    const open = stack.map((s) => s.closer).lastIndexOf(ch);
    if (open < 0) continue;
    pairs.push([stack[open]!.at, i]);
    stack.length = open;
  }
  for (const [open, close] of pairs.sort((a, b) => a[0] - b[0])) {
    const inside = new Set(types.slice(open + 1, close).map(strongOf));
    let direction: 'L' | 'R' | undefined;
    if (inside.has('L')) direction = 'L';
    else if (inside.has('R')) {
      let before: 'L' | 'R' = 'L';
      for (let k = open - 1; k >= 0; k--) {
        const d = strongOf(types[k]!);
        if (d) {
          before = d;
          break;
        }
      }
      direction = before === 'R' ? 'R' : 'L';
    }
    if (direction) types[open] = types[close] = direction;
  }
  // N1, N2: neutrals between two strong directions that agree take that direction (numbers count as right to left), else the paragraph's.
  const direction = (t: BidiClass | undefined): 'L' | 'R' | undefined => (t === 'L' ? 'L' : t === 'R' || t === 'AL' || t === 'EN' || t === 'AN' ? 'R' : undefined);
  const resolved = types.map((t) => direction(t));
  for (let i = 0; i < types.length; i++) {
    if (resolved[i]) continue;
    let end = i;
    while (end < types.length && !resolved[end]) end++;
    const before = i === 0 ? 'L' : resolved[i - 1];
    const after = end === types.length ? 'L' : resolved[end];
    for (let k = i; k < end; k++) resolved[k] = before === after ? before : 'L';
    i = end - 1;
  }
  // I1: in a level-0 paragraph, right-to-left text is level 1 and numbers (not made left to right) level 2.
  return types.map((t, i) => (t === 'EN' || t === 'AN' ? 2 : resolved[i] === 'R' ? 1 : 0));
}

interface Joining {
  type: 'D' | 'R' | 'U';
  forms: { isolated: string; final: string; initial?: string; medial?: string };
}

// Each Arabic letter's presentation forms, read from Unicode itself: the compatibility decomposition
// (NFKC) of each presentation form is its letter, and each letter's forms are listed in the order
// isolated, final, initial, medial (a letter with two forms joins only on its right).
let joiningTable: { letters: Map<string, Joining>; lamAlef: Map<string, { isolated: string; final: string }> } | undefined;
function joining() {
  if (joiningTable) return joiningTable;
  const letters = new Map<string, Joining>();
  const lamAlef = new Map<string, { isolated: string; final: string }>();
  for (const [from, to] of [
    [0xfe80, 0xfefc],
    [0xfb50, 0xfbff],
  ] as const) {
    let code = from;
    while (code <= to) {
      const letter = String.fromCodePoint(code).normalize('NFKC');
      let count = 1;
      while (code + count <= to && String.fromCodePoint(code + count).normalize('NFKC') === letter) count++;
      const forms = Array.from({ length: count }, (_, i) => String.fromCodePoint(code + i));
      code += count;
      if ([...letter].length === 2 && letter[0] === '\u0644' && count === 2) lamAlef.set(letter[1]!, { isolated: forms[0]!, final: forms[1]! });
      if ([...letter].length !== 1 || letters.has(letter) || !ARABIC_LETTER.test(letter)) continue;
      if (count === 4) letters.set(letter, { type: 'D', forms: { isolated: forms[0]!, final: forms[1]!, initial: forms[2]!, medial: forms[3]! } });
      else if (count === 2) letters.set(letter, { type: 'R', forms: { isolated: forms[0]!, final: forms[1]! } });
      else if (count === 1) letters.set(letter, { type: 'U', forms: { isolated: forms[0]!, final: forms[0]! } });
    }
  }
  joiningTable = { letters, lamAlef };
  return joiningTable;
}

const JOIN_CAUSING = new Set(['\u0640', '\u200D']); // tatweel, zero width joiner

/**
 * A line's clusters in display order, each with its level and, for Arabic letters, the joined form
 * to draw when `hasGlyph` says the font has it. A lam-alef pair becomes one cluster (its ligature).
 */
export function layoutLine(text: string, hasGlyph: (ch: string) => boolean): Cluster[] {
  const parts = clusters(text);
  const { letters, lamAlef } = joining();
  const base = (i: number) => (i >= 0 && i < parts.length ? [...parts[i]!][0]! : '');
  const typeAt = (i: number): 'D' | 'R' | 'U' | 'C' | undefined => (JOIN_CAUSING.has(base(i)) ? 'C' : letters.get(base(i))?.type);
  // A zero width non-joiner written after a letter (it is kept in that letter's cluster) stops it joining the next.
  const apart = (i: number) => parts[i]?.includes('\u200C') ?? false;
  const joinsBefore = (i: number) => !apart(i - 1) && (typeAt(i - 1) === 'D' || typeAt(i - 1) === 'C');
  const joinsAfter = (i: number) => !apart(i) && ['D', 'R', 'C'].includes(typeAt(i + 1) ?? '');
  const shaped: { text: string; shown: string }[] = [];
  const kept: string[] = [];
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    const letter = base(i);
    const rest = part.slice(letter.length);
    const ligature = letter === '\u0644' && !rest && lamAlef.get(parts[i + 1] ?? '');
    if (ligature) {
      const form = joinsBefore(i) ? ligature.final : ligature.isolated;
      if (hasGlyph(form)) {
        shaped.push({ text: part + parts[i + 1]!, shown: form });
        kept.push(part + parts[i + 1]!);
        i++;
        continue;
      }
    }
    const entry = letters.get(letter);
    let shown = part;
    if (entry && entry.type !== 'U') {
      const before = joinsBefore(i);
      const after = entry.type === 'D' && joinsAfter(i);
      const form = before && after ? entry.forms.medial : before ? entry.forms.final : after ? entry.forms.initial : entry.forms.isolated;
      if (form && hasGlyph(form)) shown = form + rest;
    }
    shaped.push({ text: part, shown });
    kept.push(part);
  }
  const level = levels(kept);
  const order = shaped.map((_, i) => i);
  // L2: reverse every run at or above each level, from the highest to 1.
  for (const at of [2, 1]) {
    for (let i = 0; i < order.length; i++) {
      if (level[order[i]!]! < at) continue;
      let end = i;
      while (end < order.length && level[order[end]!]! >= at) end++;
      order.splice(i, end - i, ...order.slice(i, end).reverse());
      i = end - 1;
    }
  }
  return order.map((i) => {
    const c = shaped[i]!;
    const odd = level[i]! % 2 === 1;
    return { text: c.text, shown: odd && MIRRORED[c.shown] ? MIRRORED[c.shown]! : c.shown, level: level[i]! };
  });
}
