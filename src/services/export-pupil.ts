import type { Db } from '../store/db';
import type { ConcernRepository } from '../store/concern.repo';
import { logAccess } from '../store/access-log.repo';
import { listAupAcknowledgementsByName, listConcernIdsForPupil, listFileTransfersForPupil } from '../store/subject-access.repo';
import { isPupilKey, normalisePupilKey } from '../domain/people/pupil-key';

/**
 * A subject access export for the Data Protection Officer: every concern that names the pupil
 * (decrypted), each with its chronology, the transfers of the pupil's file to a new school, and
 * AUP acknowledgements recorded under the name.
 * Each concern exported is written to the access log, like any other view of it, once the whole
 * export was read (one that fails part-way is not logged).
 */
export interface PupilExport {
  exportedAt: string;
  pupil: { query: string; key: string };
  concerns: Record<string, unknown>[];
  fileTransfers: Record<string, unknown>[];
  aupAcknowledgements: Record<string, unknown>[];
  notes: string[];
}

export async function exportPupil(
  deps: { db: Db; concerns: ConcernRepository; now: Date; actor: { aadObjectId: string; name: string } },
  query: { pupil: string; tenantId?: string },
): Promise<PupilExport> {
  const byKey = isPupilKey(query.pupil);
  const key = byKey ? query.pupil : normalisePupilKey(query.pupil);
  const ids = await listConcernIdsForPupil(deps.db, key, query.tenantId);
  const concerns: Record<string, unknown>[] = [];
  const exported: { tenantId: string; concernId: string }[] = [];
  for (const { tenantId, concernId } of ids) {
    const concern = await deps.concerns.get(deps.db, tenantId, concernId);
    if (!concern) continue;
    const chronology = await deps.concerns.listEvents(deps.db, tenantId, concernId);
    concerns.push({
      tenantId,
      reference: concern.reference,
      recordedAt: concern.createdAt.toISOString(),
      category: concern.category,
      about: concern.about,
      urgency: concern.urgency,
      status: concern.status,
      recipient: concern.recipient,
      reportedBy: concern.reporter,
      occurredOn: concern.occurredOn,
      occurredTime: concern.occurredTime,
      location: concern.location,
      pupils: concern.pupils,
      adultConcerned: concern.adultName,
      whatHappened: concern.whatHappened,
      childWords: concern.childWords,
      actionTaken: concern.actionTaken,
      chronology: chronology.map((e) => ({ seq: e.seq, type: e.type, actor: e.actor, at: e.occurredAt.toISOString(), details: e.details })),
    });
    exported.push({ tenantId, concernId });
  }
  const byName = byKey ? [] : await listAupAcknowledgementsByName(deps.db, query.pupil.trim(), query.tenantId);
  const fileTransfers = await listFileTransfersForPupil(deps.db, key, query.tenantId);
  // Logged once everything was read: an export that fails part-way (a concern that cannot be
  // decrypted) is no export, and must not be recorded as a disclosure.
  for (const { tenantId, concernId } of exported) {
    await logAccess(deps.db, { tenantId, actorAadId: deps.actor.aadObjectId, actorName: deps.actor.name, concernId, verb: 'subject-access.export', outcome: 'allowed', at: deps.now });
  }
  return {
    exportedAt: deps.now.toISOString(),
    pupil: { query: query.pupil, key },
    concerns,
    fileTransfers,
    aupAcknowledgements: byName.map((r) => ({ ...r, acknowledged_at: new Date(r.acknowledged_at as string).toISOString() })),
    notes: [
      'Concerns are matched by the normalised pupil name (case, accents, punctuation and word order ignored; a class suffix such as "(6B)" dropped; the letters of every script kept). Check for other spellings and for pupils with the same name before disclosure.',
      'A pupil recorded under a name with no letters or digits (such as "???") is not found by name: each such record has a key of its own, unlinked:<concern id>:<position>, which can be exported by that key.',
      'Other people named in a concern (other pupils, staff, family) are third parties: redact them before disclosure where the law requires.',
      'AUP acknowledgements are matched by exact display name.',
    ],
  };
}
