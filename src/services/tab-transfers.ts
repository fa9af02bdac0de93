import { randomUUID } from 'node:crypto';
import { writeTabAccess } from '../store/tab-access-log.repo';
import { confirmTransferReceipt, insertTransfer, listTransfers } from '../store/tab-transfers.repo';
import { getTenant } from '../store/tenant.repo';
import { getCategory, isCategoryId } from '../domain/concerns/categories';
import { describeEvent } from '../domain/concerns/triage';
import { formatLocal } from '../domain/clock';
import { renderPdf, type PdfLine } from './pdf-text-document';
import { TabRefusal, type TabConcernDeps } from './tab-concerns';
import type { TabUser } from './tab-identity';

const DETAIL_LABELS: Record<string, string> = { note: 'Note', rationale: 'Rationale', reason: 'Reason', withWhom: 'Shared with', what: 'What', why: 'Why', noConsentReason: 'Consent not sought because', previousOwner: 'Taken over from' };

async function pupilOf(deps: TabConcernDeps, user: TabUser, concernId: string, position: number): Promise<{ pupilKey: string; reference: string }> {
  if (!user.roles.has('dsl')) throw new TabRefusal(403, 'forbidden', "Only members of the DSL team can transfer a pupil's file.");
  const routing = await deps.tabConcerns.getRouting(deps.db, user.tenantId, concernId);
  const pupilKey = routing?.recipient === 'dsl-team' ? await deps.tabConcerns.pupilKeyAt(deps.db, user.tenantId, concernId, position) : undefined;
  if (!routing || !pupilKey) throw new TabRefusal(404, 'not_found', 'That pupil could not be found.');
  return { pupilKey, reference: routing.reference };
}

/**
 * Exports a pupil's safeguarding file as a PDF for their new school and records the transfer
 * (KCSIE: within 5 school days, separately from the main pupil file, receipt confirmed). The
 * export is written to the access log; the file itself is not kept.
 */
export async function exportPupilFile(deps: TabConcernDeps, user: TabUser, concernId: string, position: number, destinationSchool: string) {
  let pupil: { pupilKey: string; reference: string };
  try {
    pupil = await pupilOf(deps, user, concernId, position);
  } catch (err) {
    // A refused export is an attempt to take a pupil's file: recorded like a refused view.
    if (err instanceof TabRefusal) {
      const routing = await deps.tabConcerns.getRouting(deps.db, user.tenantId, concernId);
      await writeTabAccess(deps.db, { tenantId: user.tenantId, actorAadId: user.aadObjectId, actorName: user.name, action: 'pupil.file.export', concernId: routing?.concernId, reference: routing?.reference, outcome: 'refused', at: deps.now() });
    }
    throw err;
  }
  const { pupilKey, reference } = pupil;
  const destination = destinationSchool.replace(/[\u0000-\u001F\u007F]/g, ' ').trim().slice(0, 200);
  if (destination.length < 2) throw new TabRefusal(400, 'invalid', 'Name the school the file is going to.', { errors: { destinationSchool: 'Name the school the file is going to.' } });
  const now = deps.now();
  const tenant = await getTenant(deps.db, user.tenantId);
  const tz = tenant?.timeZone ?? 'Europe/London';
  const name = (await deps.concerns.pupilName(deps.db, user.tenantId, concernId, position)) ?? '';
  const ids = await deps.tabConcerns.listDslConcernIdsForPupil(deps.db, user.tenantId, pupilKey);
  const transferId = randomUUID();
  const lines: PdfLine[] = [
    { text: `Child protection file: ${name}`, style: 'title' },
    { text: `CONFIDENTIAL. From ${tenant?.schoolName ?? 'the school'} to ${destination}. For the Designated Safeguarding Lead only; keep separately from the main pupil file.`, style: 'body' },
    { text: `Transfer ${transferId}. Exported ${formatLocal(now, tz)} by ${user.name}. ${ids.length} concern${ids.length === 1 ? '' : 's'}.`, style: 'small' },
    { text: 'Please confirm receipt to the sending school\'s DSL.', style: 'small' },
  ];
  const concerns = [];
  for (const id of ids) {
    const c = await deps.concerns.get(deps.db, user.tenantId, id);
    if (c) concerns.push(c);
  }
  // Other children in a shared concern are third parties (UK GDPR): the file says so once, for
  // the sending DSL to check before it goes, as the subject access export does.
  const shared = concerns.filter((c) => c.pupils.length > 1).length;
  if (shared) {
    lines.push({
      text: `${shared === 1 ? 'One of these concerns names' : `${shared} of these concerns name`} other children too ("Pupils named", and perhaps in the text). They are third parties: before sending, check that the new school needs what this file says about them, and redact what it does not.`,
      style: 'small',
    });
  }
  for (const c of concerns) {
    const id = c.concernId;
    const title = isCategoryId(c.category) ? getCategory(c.category).title : c.category;
    lines.push({ text: `${c.reference}: ${title} (${c.urgency}, ${c.status})`, style: 'heading' });
    lines.push({ text: `Reported ${formatLocal(c.createdAt, tz)} by ${c.reporter.name}. Happened ${c.occurredOn}${c.occurredTime ? ` ${c.occurredTime}` : ''}, ${c.location}.` });
    lines.push({ text: `Pupils named: ${c.pupils.join(', ')}` });
    lines.push({ text: `What happened: ${c.whatHappened}` });
    if (c.childWords) lines.push({ text: `The child's words: "${c.childWords}"` });
    if (c.actionTaken) lines.push({ text: `Action taken by the reporter: ${c.actionTaken}` });
    lines.push({ text: 'Chronology', style: 'heading' });
    for (const e of await deps.concerns.listEvents(deps.db, user.tenantId, id)) {
      lines.push({ text: `${formatLocal(e.occurredAt, tz)}, ${e.actor.name}: ${describeEvent(e.type, e.details)}` });
      for (const [k, v] of Object.entries(e.details)) if (DETAIL_LABELS[k] && typeof v === 'string' && v) lines.push({ text: `    ${DETAIL_LABELS[k]}: ${v}` });
    }
  }
  // A character the PDF's font lacks is drawn as a replacement (and listed at the end): the sending school's records keep it as written.
  const pdf = renderPdf(lines, `Child protection file: ${name} — CONFIDENTIAL`, {
    unshownNote: `${tenant?.schoolName ?? 'The sending school'}'s safeguarding records keep the exact text: ask its DSL if any of it matters.`,
  });
  await deps.db.transaction(async (tx) => {
    await insertTransfer(tx, { tenantId: user.tenantId, transferId, pupilKey, destinationSchool: destination, concernCount: ids.length, exportedBy: user.aadObjectId, exportedByName: user.name, at: now });
    await writeTabAccess(tx, { tenantId: user.tenantId, actorAadId: user.aadObjectId, actorName: user.name, action: 'pupil.file.export', concernId, reference, pupilKey, outcome: 'allowed', at: now });
  });
  return { pdf, transferId, fileName: `child-protection-file-${transferId.slice(0, 8)}.pdf` };
}

export async function listPupilTransfers(deps: TabConcernDeps, user: TabUser, concernId: string, position: number) {
  const { pupilKey } = await pupilOf(deps, user, concernId, position);
  const transfers = await listTransfers(deps.db, user.tenantId, pupilKey);
  return { transfers: transfers.map((t) => ({ ...t, exportedAt: t.exportedAt.toISOString(), receiptConfirmedAt: t.receiptConfirmedAt?.toISOString() })) };
}

/** Records that the new school confirmed receipt (once). */
export async function confirmReceipt(deps: TabConcernDeps, user: TabUser, transferId: string, note: string) {
  if (!user.roles.has('dsl')) throw new TabRefusal(403, 'forbidden', 'Only members of the DSL team can record receipt.');
  const text = note.replace(/[\u0000-\u001F\u007F]/g, ' ').trim().slice(0, 500);
  if (!(await confirmTransferReceipt(deps.db, user.tenantId, transferId, user.aadObjectId, text, deps.now()))) {
    throw new TabRefusal(409, 'not_pending', 'That transfer is unknown or its receipt is already recorded.');
  }
  return { message: 'Receipt recorded.' };
}
