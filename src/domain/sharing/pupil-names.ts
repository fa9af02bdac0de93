import { foldToBaseLetters } from '../text';
import type { RosterPupil } from './types';

/**
 * Finding roster pupils' full names inside file and folder names.
 *
 * Names are compared after normalisation: diacritics folded ("Zoë" →
 * "zoe"), case folded, camelCase split ("AmeliaOkonkwo"), and every run of separators
 * (space, dot, underscore, hyphen, comma, apostrophe…) turned into one boundary. A pupil
 * matches when the given name and family name appear next to each other, in either order
 * ("Amelia Okonkwo", "OKONKWO Amelia", "okonkwo, amelia"), or glued into one token
 * ("ameliaokonkwo"), starting and ending on token boundaries. A given name alone or an
 * initial is too weak to be evidence.
 */

/** Folds case and diacritics; keeps letters and digits only, one space between tokens. */
export function normaliseName(text: string): string {
  return tokeniseName(text).join(' ');
}

export function tokeniseName(text: string): string[] {
  return tokeniseKeepingCase(text).map((t) => t.toLowerCase());
}

/** The same tokens as `tokeniseName`, in their original case (to tell "SEND" from "Send"). */
export function tokeniseKeepingCase(text: string): string[] {
  const split = foldToBaseLetters(
    text
      // AmeliaOkonkwo → Amelia Okonkwo; SENRegister → SEN Register; but UPNs stays one word.
      .replace(/([\p{Ll}\d])(\p{Lu})/gu, '$1 $2')
      .replace(/(\p{Lu})(\p{Lu}\p{Ll}{2})/gu, '$1 $2'),
  );
  // Apostrophes inside a name join it: O'Brien → obrien, as "OBrien" would be typed.
  return split
    .replace(/(\p{L})['’](\p{L})/gu, '$1$2')
    .split(/[^\p{L}\p{N}]+/u)
    .filter((t) => t.length > 0);
}

export interface PupilNameMatch {
  pupilId: string;
}

// The longest run of file-name tokens a full name may span ("Mary Jane van der Berg" is 5).
const MAX_NAME_TOKENS = 8;

/**
 * An index over the roster. Every full name is filed as its tokens glued together, in both
 * orders ("ameliaokonkwo", "okonkwoamelia"); a file name is scanned by gluing runs of its
 * tokens that start and end on token boundaries. Gluing makes every spelling of the
 * separators equal ("O'Brien", "OBrien", "O Brien"; "van der Berg", "VanDerBerg") and a
 * lookup costs a few map probes per token, whatever the roster's size.
 */
export class PupilNameIndex {
  private readonly byGluedName = new Map<string, string[]>();

  constructor(pupils: readonly RosterPupil[]) {
    for (const pupil of pupils) {
      const family = tokeniseName(pupil.familyName).join('');
      if (family.length === 0) continue;
      for (const givenName of [pupil.givenName, pupil.preferredName ?? '']) {
        const given = tokeniseName(givenName).join('');
        if (given.length === 0) continue;
        this.add(given + family, pupil.id);
        this.add(family + given, pupil.id);
      }
    }
  }

  private add(glued: string, pupilId: string): void {
    const ids = this.byGluedName.get(glued);
    if (!ids) this.byGluedName.set(glued, [pupilId]);
    else if (!ids.includes(pupilId)) ids.push(pupilId);
  }

  get size(): number {
    return this.byGluedName.size;
  }

  /** Distinct pupils whose full name appears in `text`. */
  findPupils(text: string): PupilNameMatch[] {
    const tokens = tokeniseName(text);
    const found = new Set<string>();
    for (let i = 0; i < tokens.length; i += 1) {
      let glued = '';
      for (let j = i; j < tokens.length && j < i + MAX_NAME_TOKENS; j += 1) {
        glued += tokens[j];
        const ids = this.byGluedName.get(glued);
        if (ids) for (const id of ids) found.add(id);
      }
    }
    return [...found].map((pupilId) => ({ pupilId }));
  }
}
