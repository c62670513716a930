import { describe, expect, it } from 'vitest';
import { dashboardCharts, monthLabel } from './reports';

const row = (month: string, group: string, sent: number, picked_up: number, answered_within: number, declared: number) => ({
  month,
  group,
  sent,
  picked_up,
  answered_within,
  declared,
});

describe('the quality dashboard charts (STAFF-5)', () => {
  it('makes one chart per group with its months oldest first', () => {
    const charts = dashboardCharts([
      row('2026-12', 'Psychiatrische Consultatielijn', 4, 3, 2, 1),
      row('2026-11', 'Psychiatrische Consultatielijn', 2, 2, 2, 2),
      row('2026-12', 'Dermatologie', 1, 0, 0, 0),
    ]);
    expect(charts.map((chart) => chart.group)).toEqual(['Dermatologie', 'Psychiatrische Consultatielijn']);
    expect(charts[1].months.map((m) => m.label)).toEqual(['nov 2026', 'dec 2026']);
  });

  it('scales bars to the largest count, so the tallest bar is the sent count and none is taller', () => {
    const [chart] = dashboardCharts([row('2026-12', 'PCH', 4, 3, 2, 0)]);
    const heights = chart.months[0].bars.map((bar) => bar.height);
    expect(heights[0]).toBeGreaterThan(heights[1]);
    expect(heights[1]).toBeGreaterThan(heights[2]);
    expect(heights[3]).toBe(0);
    expect(chart.months[0].bars[0].y + heights[0]).toBe(chart.months[0].bars[3].y);
  });

  it('names months in Dutch', () => {
    expect(monthLabel('2027-03')).toBe('mrt 2027');
  });
});
