import { randomUUID } from 'node:crypto';
import type { Db } from '../../src/store/db';
import type { ConcernRepository } from '../../src/store/concern.repo';
import { submitConcernReport } from '../../src/services/report-concern';
import { applyTriageAction } from '../../src/services/triage-concern';
import type { TriageCommand } from '../../src/domain/concerns/triage';

type Person = { aadObjectId: string; name: string };

/** Applies one triage command as `actor`, through the service (its chronology event included). */
export function triageAs(deps: { db: Db; concerns: ConcernRepository }, tenantId: string, actor: Person, concernId: string, command: TriageCommand) {
  return applyTriageAction({ ...deps, now: () => new Date(), patterns: { threshold: 3, windowDays: 30 } }, { tenantId, concernId, actor, command, actionId: randomUUID(), verb: `concern.${command.kind}` });
}

/** A concern reported by `reporter`, then owned and noted by `dsl`: three chronology events. */
export async function reportAndTriage(
  deps: { db: Db; concerns: ConcernRepository },
  people: { tenantId: string; reporter: Person; dsl: Person },
  n: number,
): Promise<{ concernId: string; reference: string }> {
  const outcome = await submitConcernReport(
    { ...deps, now: () => new Date() },
    {
      tenantId: people.tenantId,
      timeZone: 'Europe/London',
      reporter: people.reporter,
      raw: { about: 'pupil', category: 'online-bullying', pupils: `Pupil ${n}`, whatHappened: `Messages in a group chat, case ${n}.`, occurredOn: '2026-11-20', location: 'Online', urgency: 'standard' },
    },
  );
  if (outcome.kind !== 'accepted') throw new Error('report refused');
  const { concernId, reference } = outcome.concern;
  await triageAs(deps, people.tenantId, people.dsl, concernId, { kind: 'take-ownership' });
  await triageAs(deps, people.tenantId, people.dsl, concernId, { kind: 'add-note', note: `Note ${n}` });
  return { concernId, reference };
}
