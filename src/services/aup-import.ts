import type { Db } from '../store/db';
import { getAupVersionByNumber, getLatestAupVersion, insertAcknowledgement, upsertAudienceMembers } from '../store/aup.repo';
import { localDateTime } from '../domain/clock';
import { parseAckImport } from '../domain/aup/import-rows';

export interface ImportResult {
  imported: number;
  /** Rows already in the register (the same file imported twice). */
  alreadyRecorded: number;
  problems: string[];
}

/**
 * Imports paper and online-form acknowledgements (parents, KS1 pupils whose parents sign, anyone
 * without Teams) so one register holds everyone, marked by how they were given. All or nothing:
 * a file with any problem imports nothing. The hash recorded is the version's, from the store.
 * A date-only acknowledgement is stored at 12:00 UTC that day. The version column may be empty
 * only while the audience's policy has a single version.
 */
export async function importAupAcknowledgements(deps: { db: Db; now: () => Date; timeZone: string }, input: { tenantId: string; csv: string; importedBy: string }): Promise<ImportResult> {
  const now = deps.now();
  const { rows, problems } = parseAckImport(input.csv, localDateTime(now, deps.timeZone).date);
  if (problems.length) return { imported: 0, alreadyRecorded: 0, problems };
  return deps.db.transaction(async (tx) => {
    const found: ImportResult = { imported: 0, alreadyRecorded: 0, problems: [] };
    const resolved = [];
    for (const r of rows) {
      const version = r.versionNumber ? await getAupVersionByNumber(tx, input.tenantId, r.audience, r.versionNumber) : await getLatestAupVersion(tx, input.tenantId, r.audience);
      if (!version) found.problems.push(`line ${r.line}: no ${r.versionNumber ? `version ${r.versionNumber} of the ` : ''}${r.audience} policy has been published`);
      // An empty version means "the only one": once there are several, "the latest" would record
      // a signature from before version N was written as agreement to version N.
      else if (!r.versionNumber && version.versionNumber > 1) {
        found.problems.push(`line ${r.line}: the ${r.audience} policy has ${version.versionNumber} versions: put the version that was signed in the version column`);
      } else resolved.push({ r, version });
    }
    if (found.problems.length) return found;
    for (const { r, version } of resolved) {
      await upsertAudienceMembers(tx, input.tenantId, r.audience, [{ personId: r.personId, ...(r.personId.startsWith('ext:') ? {} : { aadObjectId: r.personId }), displayName: r.displayName, ...(r.email ? { email: r.email } : {}) }], 'import', now);
      const added = await insertAcknowledgement(tx, {
        tenantId: input.tenantId,
        versionId: version.versionId,
        personId: r.personId,
        ...(r.personId.startsWith('ext:') ? {} : { aadObjectId: r.personId }),
        displayName: r.displayName,
        acknowledgedAt: new Date(`${r.acknowledgedOn}T12:00:00Z`),
        contentHash: version.contentHash,
        method: r.method,
        ...(r.signedBy ? { signedBy: r.signedBy } : {}),
        recordedBy: input.importedBy,
      });
      if (added) found.imported++;
      else found.alreadyRecorded++;
    }
    return found;
  });
}
