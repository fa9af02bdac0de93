import type { Db } from '../store/db';
import { listAupPeople } from '../store/aup.repo';
import type { Concern } from '../domain/concerns/concern';
import { pupilNameKey } from '../domain/people/pupil-key';
import { formatLocal } from '../domain/clock';
import { getAupStatusForPerson } from './aup-register';

export interface SubjectAupStatus {
  /** The name as the reporter typed it. */
  name: string;
  /** One line per policy, or a single "no record" line. */
  lines: string[];
}

const STATUS_WORDS = { current: 'current', expired: 'expired', outstanding: 'asked, not yet agreed', 'never-asked': 'never asked' } as const;

/**
 * For a concern about misuse of technology, the AUP status of the people it names (pupils, or
 * the adult): what they agreed to and when. People are matched by normalised name, as concerns
 * are linked to pupils; a name with no match says so, so the DSL knows to check by hand.
 */
export async function aupStatusOfConcernSubjects(deps: { db: Db; now: () => Date; validityMonths: number }, concern: Concern, timeZone: string): Promise<SubjectAupStatus[] | undefined> {
  if (concern.category !== 'misuse-of-technology') return undefined;
  const names = [...concern.pupils, ...(concern.adultName ? [concern.adultName] : [])];
  if (!names.length) return undefined;
  const people = await listAupPeople(deps.db, concern.tenantId);
  const byKey = new Map<string, string[]>();
  for (const p of people) {
    const key = pupilNameKey(p.displayName);
    if (key) byKey.set(key, [...new Set([...(byKey.get(key) ?? []), p.personId])]);
  }
  const out: SubjectAupStatus[] = [];
  for (const name of names) {
    // A name with no letters ("???") matches nobody's record.
    const key = pupilNameKey(name);
    const ids = (key && byKey.get(key)) || [];
    const lines: string[] = [];
    for (const personId of ids) {
      const policies = await getAupStatusForPerson({ db: deps.db, now: deps.now, rules: { validityMonths: deps.validityMonths } }, concern.tenantId, personId);
      for (const p of policies) {
        const agreed = p.acknowledgedAt ? `, agreed ${formatLocal(p.acknowledgedAt, timeZone)} (version ${p.acknowledgedVersion})` : '';
        lines.push(`${p.title} (version ${p.versionNumber}): ${STATUS_WORDS[p.status]}${agreed}`);
      }
    }
    out.push({ name, lines: lines.length ? lines : ['No AUP record found under this name: check the register.'] });
  }
  return out;
}
