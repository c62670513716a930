// The quality dashboard's charts (STAFF-5): one grouped bar chart per specialist group, a cluster
// of four bars per month. Pure geometry, so it is tested without a browser.
import type { DashboardRow } from './api';

export const SERIES = ['sent', 'picked_up', 'answered_within', 'declared'] as const;
export type Series = (typeof SERIES)[number];

export type Bar = { series: Series; value: number; x: number; y: number; width: number; height: number };
export type MonthBars = { month: string; label: string; x: number; bars: Bar[] };
export type GroupChart = { group: string; width: number; height: number; top: number; months: MonthBars[] };

const MONTHS = ['jan', 'feb', 'mrt', 'apr', 'mei', 'jun', 'jul', 'aug', 'sep', 'okt', 'nov', 'dec'];
const BAR = 14;
const GAP = 3;
const CLUSTER = SERIES.length * (BAR + GAP) + 18;
const PLOT = 140;
export const AXIS = 28;

/** "2026-12" as the axis says it: "dec 2026". */
export function monthLabel(month: string): string {
  const [year, number] = month.split('-');
  return `${MONTHS[Number(number) - 1] ?? number} ${year}`;
}

/** One chart per group (groups in name order), months oldest first; bar heights scale to the
 * group's largest count (at least 1, so an empty month stays flat). */
export function dashboardCharts(rows: DashboardRow[]): GroupChart[] {
  const groups = [...new Set(rows.map((row) => row.group))].sort((a, b) => a.localeCompare(b));
  return groups.map((group) => {
    const mine = rows.filter((row) => row.group === group).sort((a, b) => a.month.localeCompare(b.month));
    const top = Math.max(1, ...mine.flatMap((row) => SERIES.map((series) => row[series])));
    const months = mine.map((row, i) => {
      const x = AXIS + i * CLUSTER;
      const bars = SERIES.map((series, j) => {
        const height = Math.round((row[series] / top) * PLOT);
        return { series, value: row[series], x: x + j * (BAR + GAP), y: PLOT - height + 8, width: BAR, height };
      });
      return { month: row.month, label: monthLabel(row.month), x, bars };
    });
    return { group, width: AXIS + Math.max(1, mine.length) * CLUSTER, height: PLOT + 30, top, months };
  });
}
