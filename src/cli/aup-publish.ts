import { parseArgs } from 'node:util';
import { readInputFile } from './file-errors';
import { parsePolicyFile } from '../domain/aup/policy-file';
import { publishAupVersion } from '../services/aup-publish';
import { describeAudienceSyncFailure, syncAudienceFromCsv, syncAudienceFromGroups } from '../services/aup-audience';
import { connectAupGraph } from '../services/aup-graph';
import { actingAdmin, type AupCliContext } from './aup-shared';

export const AUP_PUBLISH_USAGE = 'aup publish FILE [--audience-csv FILE | --no-groups] [--by AAD_ID] [--dry-run]';

/**
 * `jigsaw aup publish FILE`: refreshes the audience (Entra groups from AUP_AUDIENCE_GROUPS, or a
 * CSV), stores the immutable version and queues one card per person. The running service's
 * sender delivers them, rate-limited; `jigsaw aup progress VERSION` follows it.
 */
export async function runAupPublish(args: string[], ctx: AupCliContext): Promise<number> {
  const { out, err } = ctx.cli;
  const { values, positionals } = parseArgs({ args, allowPositionals: true, strict: true, options: { 'audience-csv': { type: 'string' }, 'no-groups': { type: 'boolean', default: false }, by: { type: 'string' }, 'dry-run': { type: 'boolean', default: false } } });
  const [file] = positionals;
  if (!file) {
    err.write(`Usage: jigsaw ${AUP_PUBLISH_USAGE}\n`);
    return 2;
  }
  const parsed = parsePolicyFile(readInputFile(file));
  if ('problems' in parsed) {
    err.write(`${file} cannot be published:\n${parsed.problems.map((p) => `  - ${p}`).join('\n')}\n`);
    return 2;
  }
  const { draft } = parsed;
  const by = await actingAdmin(ctx, values.by);
  if (!by) {
    err.write('no administrator to record as publisher: set ADMIN_AAD_IDS or pass --by AAD_ID\n');
    return 2;
  }
  const deps = { db: ctx.db, now: ctx.now };
  if (values['audience-csv']) {
    const synced = await syncAudienceFromCsv(deps, { tenantId: ctx.tenantId, audience: draft.audience, csv: readInputFile(values['audience-csv']) });
    if (synced.problems.length) {
      err.write(`${values['audience-csv']}:\n${synced.problems.map((p) => `  - ${p}`).join('\n')}\n`);
      return 2;
    }
    out.write(`Audience ${draft.audience}: ${synced.members} people from ${values['audience-csv']}\n`);
  } else if (!values['no-groups'] && ctx.cli.config.aup.audienceGroups[draft.audience]?.length) {
    const graph = connectAupGraph(ctx.cli.config);
    if (!graph) {
      err.write(`AUP_AUDIENCE_GROUPS names groups for ${draft.audience}, but Graph is not configured (GRAPH_CLIENT_ID…); pass --audience-csv FILE or --no-groups\n`);
      return 2;
    }
    try {
      const n = await syncAudienceFromGroups({ ...deps, directory: graph.directory }, { tenantId: ctx.tenantId, audience: draft.audience, groupIds: ctx.cli.config.aup.audienceGroups[draft.audience]! });
      out.write(`Audience ${draft.audience}: ${n} people from ${ctx.cli.config.aup.audienceGroups[draft.audience]!.length} Entra group(s)\n`);
    } catch (e) {
      // As the tab says it: what happened (never Graph's own message) and that nothing was published.
      err.write(`The ${draft.audience} audience's Entra groups could not be read: ${describeAudienceSyncFailure(e)}. Nothing was published; try again later, or pass --audience-csv FILE or --no-groups.\n`);
      return 1;
    } finally {
      graph.close();
    }
  }
  if (values['dry-run']) {
    out.write(`Dry run: "${draft.title}" for ${draft.audience} is valid; nothing published.\n`);
    return 0;
  }
  const result = await publishAupVersion(deps, { tenantId: ctx.tenantId, draft, publishedBy: by });
  const v = result.version;
  out.write(
    `Published "${v.title}" for ${v.audience}, version ${v.versionNumber} (${v.versionId})\n` +
      `  content hash ${v.contentHash}\n` +
      `  ${result.queued} card(s) queued for Teams; ${result.offline} person(s) without Teams (collect on paper or by form, then "jigsaw aup import")\n` +
      (result.replaced ? `  replaces version ${result.replaced.versionNumber}: acknowledgements of it now count as expired\n` : '') +
      `Follow the broadcast: jigsaw aup progress ${v.versionId}\n`,
  );
  return 0;
}
