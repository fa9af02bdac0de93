import { parseArgs } from 'node:util';
import { countAupSends, getAupVersion, listAupBroadcasts } from '../store/aup.repo';
import type { AupCliContext } from './aup-shared';

export const AUP_PROGRESS_USAGE = 'aup progress [VERSION_ID] [--watch]';

/** `jigsaw aup progress`: where each broadcast stands (delivered, waiting, failed, acknowledged); --watch repeats every 2 s. */
export async function runAupProgress(args: string[], ctx: AupCliContext): Promise<number> {
  const { out } = ctx.cli;
  const { values, positionals } = parseArgs({ args, allowPositionals: true, strict: true, options: { watch: { type: 'boolean', default: false } } });
  const wanted = positionals[0];
  for (;;) {
    const broadcasts = (await listAupBroadcasts(ctx.db, ctx.tenantId)).filter((b) => !wanted || b.versionId === wanted);
    if (!broadcasts.length) {
      out.write(wanted ? `No broadcast for version ${wanted}\n` : 'No broadcast yet.\n');
      return wanted ? 1 : 0;
    }
    let pending = 0;
    let stuck = 0;
    for (const b of broadcasts) {
      const v = await getAupVersion(ctx.db, ctx.tenantId, b.versionId);
      const c = await countAupSends(ctx.db, ctx.tenantId, b.versionId);
      pending += c.queued + c.sending;
      stuck += c.failed + c.uncertain;
      out.write(`${v?.audience ?? '?'} v${v?.versionNumber ?? '?'} ${b.versionId}: ${c.sent}/${c.total} delivered, ${c.queued + c.sending} waiting, ${c.failed} failed, ${c.uncertain} uncertain, ${c.skipped} not via Teams, ${c.acknowledged} acknowledged\n`);
    }
    if (!values.watch || pending === 0) {
      if (stuck) out.write(`Who failed or is uncertain, and why: jigsaw aup stuck${wanted ? ` ${wanted}` : ''} (then "jigsaw aup retry" to send theirs again)\n`);
      return 0;
    }
    await new Promise((r) => setTimeout(r, 2000));
  }
}
