import { makeStyles, tokens } from '@fluentui/react-components';

const useChartStyles = makeStyles({
  figure: { margin: 0 },
  caption: { fontWeight: tokens.fontWeightSemibold, marginBottom: '8px' },
  label: { fill: tokens.colorNeutralForeground1, fontSize: '12px' },
  value: { fill: tokens.colorNeutralForeground1, fontSize: '12px', fontWeight: tokens.fontWeightSemibold },
  bar: { fill: tokens.colorBrandBackground },
  hidden: { fill: tokens.colorNeutralForeground3 },
  track: { fill: tokens.colorNeutralBackground4 },
  axis: { stroke: tokens.colorNeutralStroke1 },
  // Natural size (text stays 12px like the rest of Teams), shrinking only on narrow screens.
  svg: { maxWidth: '100%', height: 'auto', display: 'block' },
});

export interface ChartRow {
  label: string;
  /** null: a small count that is not shown ("fewer than `hiddenBelow`"), drawn as a hatched stub. */
  count: number | null;
}

const stubFraction = 0.04;

/**
 * A plain SVG bar chart (no chart library). The SVG is decorative for screen readers: the same
 * numbers are in a table right after it, which assistive technology reads instead.
 */
export function BarChart({ title, rows, orientation = 'horizontal', id, hiddenBelow }: { title: string; rows: ChartRow[]; orientation?: 'horizontal' | 'vertical'; id: string; hiddenBelow?: number }) {
  const s = useChartStyles();
  const max = Math.max(1, ...rows.map((r) => r.count ?? 0));
  const valueText = (r: ChartRow) => (r.count === null ? `fewer than ${hiddenBelow ?? 'a few'}` : String(r.count));
  const shortValue = (r: ChartRow) => (r.count === null ? `<${hiddenBelow ?? ''}` : String(r.count));
  const fraction = (r: ChartRow) => (r.count === null ? stubFraction : r.count / max);
  const table = (
    <table className="visually-hidden">
      <caption>{title}</caption>
      <thead>
        <tr>
          <th scope="col">Group</th>
          <th scope="col">Count</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.label}>
            <th scope="row">{r.label}</th>
            <td>{valueText(r)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
  if (orientation === 'vertical') {
    const width = 640;
    const height = 200;
    const band = width / Math.max(1, rows.length);
    return (
      <figure className={s.figure} aria-labelledby={`${id}-caption`}>
        <figcaption className={s.caption} id={`${id}-caption`}>
          {title}
        </figcaption>
        <svg viewBox={`0 0 ${width} ${height + 40}`} width={width} height={height + 40} className={s.svg} aria-hidden="true" focusable="false">
          <line className={s.axis} x1={0} x2={width} y1={height} y2={height} />
          {rows.map((r, i) => {
            const h = Math.round(fraction(r) * (height - 24));
            return (
              <g key={r.label}>
                <rect className={r.count === null ? s.hidden : s.bar} x={i * band + band * 0.2} y={height - h} width={band * 0.6} height={h} rx={2} />
                <text className={s.value} x={i * band + band / 2} y={height - h - 6} textAnchor="middle">
                  {shortValue(r)}
                </text>
                <text className={s.label} x={i * band + band / 2} y={height + 18} textAnchor="middle">
                  {r.label.replace(/ \d{4}$/, '')}
                </text>
              </g>
            );
          })}
        </svg>
        {table}
      </figure>
    );
  }
  const rowHeight = 26;
  const labelWidth = 230;
  const width = 640;
  const barWidth = width - labelWidth - 50;
  return (
    <figure className={s.figure} aria-labelledby={`${id}-caption`}>
      <figcaption className={s.caption} id={`${id}-caption`}>
        {title}
      </figcaption>
      <svg viewBox={`0 0 ${width} ${rows.length * rowHeight + 4}`} width={width} height={rows.length * rowHeight + 4} className={s.svg} aria-hidden="true" focusable="false">
        {rows.map((r, i) => {
          const w = Math.round(fraction(r) * barWidth);
          const y = i * rowHeight;
          return (
            <g key={r.label}>
              <text className={s.label} x={labelWidth - 8} y={y + 17} textAnchor="end">
                {r.label}
              </text>
              <rect className={s.track} x={labelWidth} y={y + 5} width={barWidth} height={16} rx={2} />
              <rect className={r.count === null ? s.hidden : s.bar} x={labelWidth} y={y + 5} width={w} height={16} rx={2} />
              <text className={s.value} x={labelWidth + w + 6} y={y + 17}>
                {shortValue(r)}
              </text>
            </g>
          );
        })}
      </svg>
      {table}
    </figure>
  );
}
