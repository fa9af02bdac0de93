import type { CliCommand } from '../cli';
import { aupCliContext } from './aup-shared';
import { AUP_PUBLISH_USAGE, runAupPublish } from './aup-publish';
import { AUP_STATUS_USAGE, runAupStatus } from './aup-status';
import { AUP_AUDIENCE_USAGE, AUP_IMPORT_USAGE, runAupAudience, runAupImport } from './aup-import';
import { AUP_PROGRESS_USAGE, runAupProgress } from './aup-progress';
import { AUP_STUCK_USAGE, runAupStuck } from './aup-stuck';
import { AUP_RETRY_USAGE, runAupRetry } from './aup-retry';

const SUBCOMMANDS = {
  publish: { usage: AUP_PUBLISH_USAGE, run: runAupPublish },
  status: { usage: AUP_STATUS_USAGE, run: runAupStatus },
  import: { usage: AUP_IMPORT_USAGE, run: runAupImport },
  audience: { usage: AUP_AUDIENCE_USAGE, run: runAupAudience },
  progress: { usage: AUP_PROGRESS_USAGE, run: runAupProgress },
  stuck: { usage: AUP_STUCK_USAGE, run: runAupStuck },
  retry: { usage: AUP_RETRY_USAGE, run: runAupRetry },
} as const;

/** `jigsaw aup …`: Acceptable Use Policies (publish, status/register, import, audience, progress, stuck, retry). See docs/aup.md. */
export const aupCommand: CliCommand = {
  name: 'aup',
  summary: 'Acceptable Use Policies: publish, register, import, progress, retry',
  usage: 'aup publish|status|import|audience|progress|stuck|retry …',
  async run(args, context) {
    const [sub, ...rest] = args;
    const entry = sub ? SUBCOMMANDS[sub as keyof typeof SUBCOMMANDS] : undefined;
    if (!entry) {
      context.err.write(`Usage:\n${Object.values(SUBCOMMANDS).map((s) => `  jigsaw ${s.usage}`).join('\n')}\n  (all take --tenant ID when BOOTSTRAP_TENANT_ID is not set)\n`);
      return sub ? 2 : 0;
    }
    const tenantAt = rest.indexOf('--tenant');
    const tenant = tenantAt >= 0 ? rest[tenantAt + 1] : undefined;
    const own = tenantAt >= 0 ? [...rest.slice(0, tenantAt), ...rest.slice(tenantAt + 2)] : rest;
    const ctx = await aupCliContext(context, tenant);
    if (typeof ctx === 'string') {
      context.err.write(`jigsaw aup: ${ctx}\n`);
      return 2;
    }
    try {
      return await entry.run(own, ctx);
    } catch (err) {
      if ((err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
        context.err.write(`${(err as Error).message}\nUsage: jigsaw ${entry.usage}\n`);
        return 2;
      }
      throw err;
    }
  },
};
