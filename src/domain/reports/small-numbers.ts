/**
 * Small-number suppression for the governors' report. In a school of a few hundred pupils,
 * "1 concern of sexual abuse in March" can identify a child, so counts from 1 to `min - 1` are
 * never sent: they become `null` ("fewer than min"). Zero is shown (it reveals no one).
 *
 * Primary suppression alone is not enough when the total is also shown: one hidden cell could
 * be recovered by subtraction. So when a dimension has exactly one hidden cell, the smallest
 * other non-zero cell is hidden too (secondary suppression, as in official statistics).
 */
export interface CountCell {
  key: string;
  label: string;
  count: number;
}

export interface ShownCell {
  key: string;
  label: string;
  /** null: between 1 and min - 1, not shown. */
  count: number | null;
}

export function suppressSmallCounts(cells: readonly CountCell[], min: number): ShownCell[] {
  const hidden = new Set(cells.filter((c) => c.count > 0 && c.count < min).map((c) => c.key));
  if (hidden.size === 1) {
    const next = cells.filter((c) => c.count > 0 && !hidden.has(c.key)).sort((a, b) => a.count - b.count)[0];
    if (next) hidden.add(next.key);
  }
  return cells.map((c) => ({ key: c.key, label: c.label, count: hidden.has(c.key) ? null : c.count }));
}

/** A single figure (a total, a number acknowledged): shown only from `min` up, or when 0. */
export function suppressSmallCount(count: number, min: number): number | null {
  return count > 0 && count < min ? null : count;
}

/**
 * Cells of a dimension that sums another (each 4C is the sum of its categories), hidden
 * together with it. Suppressing each table on its own is not enough: a 4C shown beside its one
 * hidden category gives that category away, and a 4C hidden while its categories are all shown
 * is their sum, which then takes its part out of the 4Cs' hidden total. So a parent is hidden
 * exactly when one of its children is; it then tells nothing the children's table does not
 * (what it hides adds up to the shown children plus the children's hidden total).
 */
export function suppressWithChildren(parents: readonly CountCell[], children: readonly ShownCell[], parentOf: (childKey: string) => string, min: number): ShownCell[] {
  const hidden = new Set(children.filter((c) => c.count === null).map((c) => parentOf(c.key)));
  return parents.map((p) => ({ key: p.key, label: p.label, count: hidden.has(p.key) || suppressSmallCount(p.count, min) === null ? null : p.count }));
}
