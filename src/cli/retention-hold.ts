import type { CliContext } from '../cli';
import { placeLegalHold, releaseLegalHold } from '../services/legal-hold';
import { ConcernRepository } from '../store/concern.repo';
import { cipherFromConfig, wrongMasterKeysProblem } from '../store/master-keys';
import { cliUserName } from './os-user';

export interface HoldRequest {
  action: 'hold' | 'release';
  /** A concern's reference, or undefined for the tenant-wide hold (--hold-all, --release-all). */
  reference?: string;
  reason?: string;
  by?: string;
  tenantId?: string;
}

const REFERENCE = /^C-\d{4}-\d{5}$/;
const MAX_REASON = 1000;
const MAX_BY = 200;
// Control characters (a newline, say) would let a reason or name forge lines in the dry-run report.
const CONTROL = /[\u0000-\u001f\u007f]/;

/**
 * `jigsaw retention --hold REF | --release REF | --hold-all | --release-all --reason "…" --by "name"
 * [--tenant ID]`: places or releases a legal hold. Exit 0 when done; 2, with what to fix and
 * nothing changed, for a bad or unknown reference, a missing reason or name, a hold already
 * placed, or none to release.
 */
export async function runHoldCommand(request: HoldRequest, context: CliContext): Promise<number> {
  const flag = request.reference === undefined ? `--${request.action}-all` : `--${request.action} ${request.reference}`;
  const fail = (message: string) => {
    context.err.write(`${message} Nothing was changed.\n`);
    return 2;
  };
  const decision = await checkDecision(context, flag, request, request.action === 'release' ? 'why the records need no longer be kept' : 'why the records must be kept (an inquiry\'s instruction, litigation, a police request)');
  if ('problem' in decision) return fail(decision.problem);
  const { reference, reason, by, tenantId } = decision;
  const db = await context.db();
  const cipher = cipherFromConfig(context.config);
  const wrongKey = await wrongMasterKeysProblem(db, cipher);
  if (wrongKey) return fail(wrongKey);
  const deps = { db, concerns: new ConcernRepository(cipher), now: () => new Date() };
  const change = { tenantId, reference, reason, actor: { aadObjectId: `cli:${cliUserName()}`, name: by } };
  const outcome = request.action === 'hold' ? await placeLegalHold(deps, change) : await releaseLegalHold(deps, change);
  const what = reference ?? `every concern of tenant ${tenantId}`;
  switch (outcome.kind) {
    case 'no-such-concern':
      return fail(`No concern ${reference} is recorded for tenant ${tenantId}: check the reference (and --tenant).`);
    case 'already-held':
      return fail(`${what} is already on legal hold (${outcome.hold.reason}; since ${outcome.hold.placedAt.toISOString().slice(0, 10)}; by ${outcome.hold.placedBy}).`);
    case 'not-held':
      return fail(`${what} is not on legal hold${reference ? ' of its own (a tenant-wide hold is released with --release-all)' : ''}.`);
    case 'done':
      break;
  }
  context.logger.info({ tenantId, reference, holdId: outcome.hold.holdId, action: request.action }, 'legal hold changed');
  context.out.write(
    request.action === 'hold'
      ? `${what} is now on legal hold: never purged until it is released (jigsaw retention --release${reference ? ` ${reference}` : '-all'} --reason … --by …).${reference ? ' Recorded in its chronology.' : ''}\n`
      : `The legal hold on ${what} is released: ${reference ? 'it is' : 'they are'} purged again when due, after a new dry run is approved.${reference ? ' Recorded in its chronology.' : ''}\n`,
  );
  return 0;
}

/**
 * The checks every records decision shares (--hold, --release, --delete): a reference as the card
 * shows it (when one is given), a reason, who decided, and the school. Returns what to fix otherwise.
 */
export async function checkDecision(
  context: CliContext,
  flag: string,
  request: { reference?: string; reason?: string; by?: string; tenantId?: string },
  why: string,
): Promise<{ reference?: string; reason: string; by: string; tenantId: string } | { problem: string }> {
  const reference = request.reference?.trim().toUpperCase();
  if (reference !== undefined && !REFERENCE.test(reference)) {
    return { problem: `"${request.reference}" is not a concern reference: give it as the card shows it, like C-2026-00042.` };
  }
  const reason = request.reason?.trim() ?? '';
  if (!reason || reason.length > MAX_REASON || CONTROL.test(reason)) {
    return { problem: `${flag} needs --reason "…": ${why}, on one line, up to ${MAX_REASON} characters, without naming a child or an adult.` };
  }
  const by = request.by?.trim() ?? '';
  if (!by || by.length > MAX_BY || CONTROL.test(by)) {
    return { problem: `${flag} needs --by "name": who decided it, up to ${MAX_BY} characters.` };
  }
  const tenantId = await resolveTenant(context, request.tenantId);
  if (typeof tenantId !== 'string') return tenantId;
  return { reference, reason, by, tenantId };
}

/** The tenant named, or the only one in the store; otherwise what to fix. */
async function resolveTenant(context: CliContext, tenantId: string | undefined): Promise<string | { problem: string }> {
  const db = await context.db();
  const schools = await db.query<{ tenant_id: string; school_name: string }>('SELECT tenant_id, school_name FROM tenants ORDER BY school_name, tenant_id');
  if (tenantId) return schools.some((s) => s.tenant_id === tenantId) ? tenantId : { problem: `No tenant ${tenantId} is known to Jigsaw.` };
  if (schools.length === 1) return schools[0]!.tenant_id;
  if (schools.length === 0) return { problem: 'No school is recorded in this store yet.' };
  return { problem: `This deployment holds ${schools.length} schools: name the school with --tenant ID.\n${schools.map((s) => `  --tenant ${s.tenant_id}   ${s.school_name}`).join('\n')}` };
}
