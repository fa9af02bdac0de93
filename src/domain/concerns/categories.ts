/**
 * Concern categories, grouped by the 4Cs of KCSIE (plus the technical, data and adult
 * categories schools also record). Ids are stable: they are stored and used as card values.
 */
export type FourC = 'content' | 'contact' | 'conduct' | 'commerce' | 'technical' | 'data' | 'adult';

export interface Category {
  readonly id: CategoryId;
  readonly fourC: FourC;
  readonly title: string;
  /** A short hint shown in the picker, from the school policies' own examples. */
  readonly hint: string;
}

export const CATEGORY_IDS = [
  'harmful-content',
  'radicalisation',
  'illegal-content',
  'grooming',
  'unwanted-contact',
  'online-bullying',
  'nudes-sharing',
  'upskirting',
  'sexual-harassment',
  'misuse-of-technology',
  'social-media',
  'commerce',
  'filtering-failure',
  'data-breach',
  'concern-about-adult',
] as const;
export type CategoryId = (typeof CATEGORY_IDS)[number];

export const FOUR_C_TITLES: Record<FourC, string> = {
  content: 'Content',
  contact: 'Contact',
  conduct: 'Conduct',
  commerce: 'Commerce',
  technical: 'Technical',
  data: 'Data',
  adult: 'Adult',
};

export const CATEGORIES: readonly Category[] = [
  { id: 'harmful-content', fourC: 'content', title: 'Harmful content', hint: 'pornography, violence, self-harm or suicide material, hate, fake news' },
  { id: 'radicalisation', fourC: 'content', title: 'Radicalisation / extremism', hint: 'extremist or terrorist material (Prevent duty)' },
  { id: 'illegal-content', fourC: 'content', title: 'Illegal content', hint: 'suspected indecent images of children, criminally racist material' },
  { id: 'grooming', fourC: 'contact', title: 'Grooming / exploitation', hint: 'adults posing as children, requests to meet, sexual or criminal exploitation' },
  { id: 'unwanted-contact', fourC: 'contact', title: 'Unwanted contact', hint: 'strangers, peer pressure, advertising aimed at a child' },
  { id: 'online-bullying', fourC: 'conduct', title: 'Online bullying', hint: 'cyberbullying, exclusion, threats, self-harm bullying' },
  { id: 'nudes-sharing', fourC: 'conduct', title: 'Sharing nudes / semi-nudes', hint: 'consensual or coerced sharing, live-streamed undressing' },
  { id: 'upskirting', fourC: 'conduct', title: 'Upskirting', hint: 'a criminal offence (Voyeurism Act 2019)' },
  { id: 'sexual-harassment', fourC: 'conduct', title: 'Sexual harassment', hint: 'online or offline, including "low-level" behaviour' },
  { id: 'misuse-of-technology', fourC: 'conduct', title: 'Misuse of technology (AUP)', hint: "bypassing filtering, using another's account, offensive messages" },
  { id: 'social-media', fourC: 'conduct', title: 'Social media', hint: 'posts about pupils or staff, underage accounts, staff–pupil friend requests' },
  { id: 'commerce', fourC: 'commerce', title: 'Commerce', hint: 'gambling, scams, phishing, in-app purchases' },
  { id: 'filtering-failure', fourC: 'technical', title: 'Filtering failure', hint: 'a site that should be blocked was reached, or over-blocking' },
  { id: 'data-breach', fourC: 'data', title: 'Data breach', hint: 'personal data shared wrongly, a lost device, an open sharing link' },
  { id: 'concern-about-adult', fourC: 'adult', title: 'Concern about an adult', hint: 'a member of staff, volunteer or contractor' },
];

const byId = new Map(CATEGORIES.map((c) => [c.id, c]));

export function isCategoryId(value: string): value is CategoryId {
  return byId.has(value as CategoryId);
}

export function getCategory(id: CategoryId): Category {
  const category = byId.get(id);
  if (!category) throw new Error(`unknown category ${id}`);
  return category;
}

/**
 * UKCIS guidance for staff other than the DSL, shown as soon as this category is chosen
 * and repeated on the receipt.
 */
export const NUDES_SHARING_INSTRUCTION =
  'Do not view, copy, print, forward, share or delete the image, and do not ask the child or anyone else to do so. ' +
  'Do not investigate. Tell the Designated Safeguarding Lead now: report it here and then speak to them. ' +
  'If one person involved is over 18, this is child sexual abuse, not "sexting".';

/** Guidance for the other categories that carry a specific instruction in the policies. */
export const CATEGORY_GUIDANCE: Partial<Record<CategoryId, string>> = {
  'nudes-sharing': NUDES_SHARING_INSTRUCTION,
  'illegal-content': 'Do not investigate, copy or forward the material: it is evidence for the police. Do not switch off or wipe a device. Tell the DSL now.',
  upskirting: 'Upskirting is a criminal offence. Do not view or share any image. Tell the DSL now.',
  radicalisation: 'Record what you saw or heard in the person\'s own words. The DSL decides on a Prevent referral.',
  'concern-about-adult': 'Report only to the right person: this goes privately to the headteacher (or, if it is about the headteacher, to the chair of governors). Do not discuss it with the adult concerned or with colleagues.',
  'data-breach': 'The Data Protection Officer is told as well: the ICO may need to know within 72 hours.',
};
