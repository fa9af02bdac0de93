import type { CliCommand } from '../cli';
import { cipherFromConfig } from '../store/master-keys';
import { countChronologyLinksByKey, countKeysByMasterKey, listKeysNotWrappedBy, replaceWrappedKey } from '../store/concern-key.repo';
import { describeError } from '../logging';

/**
 * `jigsaw rotate-key`: re-wraps every concern's data key under the active master key
 * (ENCRYPTION_ACTIVE_KEY_ID, or the last of ENCRYPTION_KEYS). Narrative ciphertext, the
 * append-only chronology included, is sealed under the data keys and never rewritten. Keep
 * the old master key configured until this reports that nothing uses it any more: no data key,
 * and no chronology link (links are keyed with the master key active when they were written and
 * are never re-keyed, so verify-chronology needs every key they name).
 */
export const rotateKeyCommand: CliCommand = {
  name: 'rotate-key',
  summary: 'Re-wrap every concern data key under the active master key',
  usage: 'rotate-key [--dry-run]',
  async run(args, context) {
    const dryRun = args.includes('--dry-run');
    if (args.some((a) => a !== '--dry-run')) {
      context.err.write(`Usage: jigsaw ${this.usage}\n`);
      return 2;
    }
    const { config } = context;
    const cipher = cipherFromConfig(config);
    const db = await context.db();
    const pending = await listKeysNotWrappedBy(db, cipher.activeKeyId, 1_000_000);
    let rewrapped = 0;
    let failed = 0;
    for (const row of pending) {
      try {
        const next = cipher.rewrap(row.wrappedKey, row.tenantId);
        if (dryRun || (await replaceWrappedKey(db, row, next))) rewrapped++;
      } catch (err) {
        failed++;
        context.logger.error({ tenantId: row.tenantId, concernId: row.concernId, masterKeyId: row.masterKeyId, ...describeError(err) }, 'could not re-wrap a data key');
      }
    }
    const counts = await countKeysByMasterKey(db);
    const summary = Object.entries(counts).map(([id, n]) => `${id}: ${n}`).join(', ') || 'none';
    const links = await countChronologyLinksByKey(db);
    const linkSummary = Object.entries(links.byKey).map(([id, n]) => `${id}: ${n}`).join(', ') || 'none';
    context.out.write(
      `${dryRun ? 'Would re-wrap' : 'Re-wrapped'} ${rewrapped} data key(s) under master key "${cipher.activeKeyId}"${failed ? `; ${failed} could not be unwrapped (is their old master key still configured?)` : ''}.\nData keys by master key: ${summary}.\n` +
        `Chronology links by master key: ${linkSummary}${links.unkeyed ? ` (and ${links.unkeyed} unkeyed)` : ''}. Keep these master keys configured: links are never re-keyed, and verify-chronology needs them.\n`,
    );
    return failed ? 1 : 0;
  },
};
