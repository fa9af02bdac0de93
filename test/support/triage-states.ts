import type { Person } from '../../src/domain/concerns/concern';
import { decideTriage, RISK_LEVELS, type TriageCommand, type TriageState } from '../../src/domain/concerns/triage';

/**
 * Every triage state a concern can be in, found by applying every command the state machine
 * knows (as each of two people, allowed to take over or not, with each owner a card could have
 * shown) from a new concern until nothing new appears. `decideTriage` is the only source of the
 * state the store saves (`saveTriageState`), so these are the states a card can be rendered for.
 */
export const DANA: Person = { aadObjectId: 'aad-dana', name: 'Dana Lead' };
export const PRIYA: Person = { aadObjectId: 'aad-priya', name: 'Priya Deputy' };
const PEOPLE = [DANA, PRIYA];

function allCommands(): TriageCommand[] {
  return [
    { kind: 'take-ownership' },
    { kind: 'add-note', note: 'A note.' },
    { kind: 'record-action', outcome: 'monitor' },
    { kind: 'record-sharing', withWhom: 'MASH', what: 'The report', why: 'Referral', consentSought: true },
    ...RISK_LEVELS.map((r): TriageCommand => ({ kind: 'set-risk', riskLevel: r.id })),
    { kind: 'link', pupils: ['Jay Smith'], references: [] },
    { kind: 'close', outcome: 'monitor', rationale: 'Done.' },
    { kind: 'reopen', reason: 'New information.' },
    { kind: 'add-participant', aadObjectId: 'aad-hr' },
    ...PEOPLE.map((p): TriageCommand => ({ kind: 'take-over', reason: 'On leave.', fromOwner: p.aadObjectId })),
  ];
}

const keyOf = (s: TriageState) => JSON.stringify([s.status, s.owner?.aadObjectId ?? null, s.riskLevel ?? null]);

export function reachableTriageStates(): TriageState[] {
  const start: TriageState = { status: 'new' };
  const seen = new Map<string, TriageState>([[keyOf(start), start]]);
  const queue = [start];
  while (queue.length) {
    const state = queue.shift()!;
    for (const command of allCommands()) {
      for (const actor of PEOPLE) {
        for (const mayTakeOver of [true, false]) {
          for (const about of ['pupil', 'adult'] as const) {
            const decision = decideTriage(state, command, actor, { reference: 'C-2026-00001', about, mayTakeOver, participantName: 'Hana HR', alreadyParticipant: false });
            if (!decision.ok || seen.has(keyOf(decision.next))) continue;
            seen.set(keyOf(decision.next), decision.next);
            queue.push(decision.next);
          }
        }
      }
    }
  }
  return [...seen.values()];
}
