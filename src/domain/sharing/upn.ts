/**
 * UK Unique Pupil Numbers (DfE "UPN" guidance): 13 characters — a check letter, the 3-digit
 * LA code, the 4-digit establishment number, the 2-digit year of allocation and a 3-digit
 * serial. A temporary UPN ends in a letter instead of its last digit.
 *
 * Only numbers whose check letter is right count as evidence: a 13-character look-alike
 * (an order number, a phone number with a prefix) fails the check 22 times in 23.
 */

/** The check alphabet: A–Z without I, O and S. */
export const UPN_ALPHABET = 'ABCDEFGHJKLMNPQRTUVWXYZ';

const UPN_SHAPE = /^[A-HJ-NP-RT-Z]\d{11}[0-9A-HJ-NP-RT-Z]$/;
// Candidates in free text: not glued to other letters or digits on either side.
const UPN_IN_TEXT = /(?<![A-Za-z0-9])[A-HJ-NP-RT-Z]\d{11}[0-9A-HJ-NP-RT-Z](?![A-Za-z0-9])/g;

function valueOf(char: string): number {
  if (char >= '0' && char <= '9') return char.charCodeAt(0) - 48;
  return UPN_ALPHABET.indexOf(char);
}

/** The check letter for the 12 characters after it (positions 2..13), or null if they are malformed. */
export function upnCheckLetter(body: string): string | null {
  if (!/^\d{11}[0-9A-HJ-NP-RT-Z]$/.test(body)) return null;
  let sum = 0;
  for (let i = 2; i <= 13; i += 1) sum += i * valueOf(body[i - 2]);
  return UPN_ALPHABET[sum % 23];
}

export function isValidUpn(candidate: string): boolean {
  if (!UPN_SHAPE.test(candidate)) return false;
  return upnCheckLetter(candidate.slice(1)) === candidate[0];
}

export function isTemporaryUpn(upn: string): boolean {
  return isValidUpn(upn) && /[A-Z]$/.test(upn);
}

export interface UpnScan {
  /** Distinct valid UPNs, in order of first appearance. */
  valid: string[];
  /** How many UPN-shaped strings failed the check (look-alikes, not evidence). */
  rejected: number;
}

/** Finds valid UPNs in text; look-alikes that fail the check letter are counted, not returned. */
export function findUpns(text: string): UpnScan {
  const valid = new Set<string>();
  let rejected = 0;
  for (const match of text.matchAll(UPN_IN_TEXT)) {
    if (isValidUpn(match[0])) valid.add(match[0]);
    else rejected += 1;
  }
  return { valid: [...valid], rejected };
}
