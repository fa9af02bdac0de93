import type { ReactNode } from 'react';
import { Table, TableBody, TableCell, TableHeader, TableHeaderCell, TableRow } from '@fluentui/react-components';
import { useStyles } from './common';

/** One column: its header text, how to render a row's cell, and an optional class for its cells. */
export interface Column<T> {
  header: string;
  cell: (row: T, index: number) => ReactNode;
  className?: string;
}

// One table markup for every view, so headers, labels and accessibility stay consistent.
export function DataTable<T>({ label, columns, rows, rowKey = (_row, index) => index, size }: { label: string; columns: readonly Column<T>[]; rows: readonly T[]; rowKey?: (row: T, index: number) => string | number; size?: 'small' | 'medium' | 'extra-small' }) {
  const s = useStyles();
  return (
    <Table aria-label={label} className={s.table} size={size}>
      <TableHeader>
        <TableRow>
          {columns.map((c) => (
            <TableHeaderCell key={c.header} className={c.className}>
              {c.header}
            </TableHeaderCell>
          ))}
        </TableRow>
      </TableHeader>
      <TableBody>
        {rows.map((row, i) => (
          <TableRow key={rowKey(row, i)}>
            {columns.map((c) => (
              <TableCell key={c.header} className={c.className}>
                {c.cell(row, i)}
              </TableCell>
            ))}
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}
