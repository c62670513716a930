import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { flushSync, mount, unmount } from 'svelte';
import type { ChartConfiguration } from 'chart.js';
import type { MeasurementSeries } from '../lib/api';
import { timeOf } from '../lib/charts';
import { setLanguage } from '../lib/i18n';
import TrendChart from './TrendChart.svelte';

// A trend chart on the patient card (issue 13). happy-dom has no canvas, so Chart.js is replaced by
// a stand-in that keeps what it was asked to draw; the hidden table is the component's own, and it
// is what a screen reader and the e2e test read.

type Config = ChartConfiguration<'line'>;
const drawn = vi.hoisted(() => [] as { data: unknown; options: unknown }[]);
vi.mock('chart.js', () => ({
  Chart: class {
    static defaults = { font: {} };
    static register() {}
    data: unknown;
    options: unknown;
    constructor(_canvas: unknown, config: { data: unknown; options: unknown }) {
      this.data = config.data;
      this.options = config.options;
      drawn.push(config);
    }
    update() {
      drawn.push({ data: this.data, options: this.options });
    }
    destroy() {}
  },
  LinearScale: {},
  LineController: {},
  LineElement: {},
  PointElement: {},
  TimeScale: {},
  Tooltip: {},
}));
vi.mock('chartjs-adapter-date-fns', () => ({}));

const series: MeasurementSeries = {
  code: '8480-6',
  label: 'Systolische bloeddruk',
  unit: 'mmHg',
  points: [
    { date: '2026-03-12', value: 142, out_of_range: true, source: 'his' },
    { date: '2026-01-02', value: 137.5, out_of_range: false, source: 'his' },
  ],
  target: { low: null, high: 140 },
};

let component: ReturnType<typeof mount>;
const rows = () => [...document.querySelectorAll<HTMLElement>('[data-testid="trend-row"]')];
const cells = () => rows().map((row) => [...row.querySelectorAll('td')].map((td) => td.textContent));
const summary = () => document.querySelector('[data-testid="trend-chart"]')!.getAttribute('aria-label');
const lastTicks = () => {
  const options = drawn[drawn.length - 1].options as Config['options'];
  const tick = (axis: 'x' | 'y', value: number) =>
    (options!.scales![axis]!.ticks!.callback as unknown as (value: number, index: number, ticks: []) => string)(value, 0, []);
  return [tick('x', timeOf('2026-03-01')), tick('y', 137.5)];
};

beforeEach(() => {
  drawn.length = 0;
  component = mount(TrendChart, { target: document.body, props: { series } });
  flushSync();
});

afterEach(() => {
  unmount(component);
  setLanguage('nl');
});

describe('a trend chart', () => {
  it('lists the values oldest first in its table, marking those the app flags out_of_range', () => {
    expect(rows().map((row) => [row.dataset.date, row.dataset.value, row.dataset.outOfRange])).toEqual([
      ['2026-01-02', '137.5', 'false'],
      ['2026-03-12', '142', 'true'],
    ]);
    // What the e2e test waits for: '142 mmHg', '2 jan 2026', 'buiten streefwaarde'.
    expect(cells()[0]).toEqual(['2 jan 2026', '137,5 mmHg']);
    expect(cells()[1][0]).toBe('12 mrt 2026');
    expect(cells()[1][1]).toContain('142 mmHg');
    expect(cells()[1][1]).toContain('(buiten streefwaarde)');
    expect(summary()).toContain('; 1 waarde buiten de streefwaarde.');
    expect(drawn).toHaveLength(1);
    expect(lastTicks()).toEqual(['mrt 2026', '137,5']);
  });

  it('switches table, summary and axes to English dates and a decimal point with the language', () => {
    setLanguage('en');
    flushSync();
    expect(cells()[0]).toEqual(['2 Jan 2026', '137.5 mmHg']);
    expect(cells()[1][1]).toContain('(outside target)');
    expect(summary()).toBe(
      'Systolische bloeddruk: 2 values from 2 Jan 2026 to 12 Mar 2026, latest 142 mmHg. Target: at most 140 mmHg; 1 value outside target.',
    );
    expect(drawn).toHaveLength(2);
    expect(lastTicks()).toEqual(['Mar 2026', '137.5']);
  });
});
