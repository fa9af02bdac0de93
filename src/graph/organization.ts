// The tenant's verified domains: who counts as "inside" when judging a grant or link recipient.
import type { GraphEdge } from './graph-client';

/** Verified domain names, lower case (e.g. `school.sch.uk`, `school.onmicrosoft.com`). Needs Organization.Read.All. */
export async function getVerifiedDomains(edge: GraphEdge): Promise<string[]> {
  const body = await edge.getJson<{ value?: { verifiedDomains?: { name?: string }[] }[] }>('/organization?$select=id,verifiedDomains');
  const names = (body.value ?? []).flatMap((o) => o.verifiedDomains ?? []).map((d) => (d.name ?? '').toLowerCase()).filter(Boolean);
  return [...new Set(names)];
}
