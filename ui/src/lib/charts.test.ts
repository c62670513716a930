import { describe, expect, it } from 'vitest';
import type { ChartConfiguration, TooltipItem } from 'chart.js';
import {
  ariaSummary,
  bandEdges,
  chartRows,
  coloursFrom,
  defaultColours,
  hasHomePoints,
  OUT_OF_RANGE_RADIUS,
  pointText,
  POINT_RADIUS,
  shortDate,
  shortMonth,
  targetText,
  timeOf,
  targetBand,
  trendConfig,
  type TargetBandOptions,
  type TrendDatum,
} from './charts';
import type { MeasurementSeries, TargetRange } from './api';
import { setLanguage } from './i18n';
import { en } from './i18n/en';

// What a user sees in the trend charts (issue 13). Chart.js draws on a canvas, which jsdom does not
// have: these check the configuration it is given, and call its callbacks as Chart.js would.

/** As the app sends it: the NHG target (at most 140) and `out_of_range` from `TargetRange::excludes`. */
const systolic: MeasurementSeries = {
  code: '8480-6',
  label: 'Systolische bloeddruk',
  unit: 'mmHg',
  points: [
    { date: '2025-09-03', value: 118, out_of_range: false, source: 'his' },
    { date: '2025-12-01', value: 131, out_of_range: false, source: 'his' },
    { date: '2026-03-12', value: 142, out_of_range: true, source: 'his' },
  ],
  target: { low: null, high: 140 },
};

/** The same values with another target range, and the values the app flags outside it. */
function against(target: TargetRange | null, ...outside: number[]): MeasurementSeries {
  return { ...systolic, target, points: systolic.points.map((p) => ({ ...p, out_of_range: outside.includes(p.value) })) };
}

type Config = ChartConfiguration<'line', TrendDatum[]>;

function tooltip(config: Config, index: number): string[] {
  const item = { raw: config.data.datasets[0].data[index], dataIndex: index } as unknown as TooltipItem<'line'>;
  const callbacks = config.options!.plugins!.tooltip!.callbacks! as unknown as Record<string, (item: TooltipItem<'line'>) => string>;
  return [callbacks.title(item), callbacks.label(item), callbacks.afterLabel(item)].filter(Boolean);
}

function tick(config: Config, axis: 'x' | 'y', value: number): string {
  const callback = config.options!.scales![axis]!.ticks!.callback as unknown as (value: number, index: number, ticks: []) => string;
  return callback(value, 0, []);
}

function band(config: Config) {
  return config.options!.plugins!.targetBand as TargetBandOptions;
}

function yAxis(config: Config) {
  return config.options!.scales!.y as { suggestedMin?: number; suggestedMax?: number };
}

describe("dates and values in the charts, in the UI's language", () => {
  it('writes dates as Dutch short dates, every month', () => {
    expect(shortDate('2026-03-12')).toBe('12 mrt 2026');
    expect(shortDate('2026-01-02T09:30:00+01:00')).toBe('2 jan 2026');
    expect(shortMonth('2025-10-01')).toBe('okt 2025');
    const months = Array.from({ length: 12 }, (_, i) => shortDate(`2026-${String(i + 1).padStart(2, '0')}-01`).split(' ')[1]);
    expect(months).toEqual(['jan', 'feb', 'mrt', 'apr', 'mei', 'jun', 'jul', 'aug', 'sep', 'okt', 'nov', 'dec']);
  });

  it('shows a point as value, unit and date, with a decimal comma', () => {
    expect(pointText({ date: '2026-03-12', value: 142, out_of_range: true, source: 'his' }, 'mmHg')).toBe('142 mmHg · 12 mrt 2026');
    expect(pointText({ date: '2026-03-12', value: 7.46, out_of_range: false, source: 'his' }, 'mmol/l')).toBe('7,5 mmol/l · 12 mrt 2026');
  });

  it('labels the time axis with Dutch dates, per month for a longer series', () => {
    const short = trendConfig({ ...systolic, points: systolic.points.slice(2) });
    expect(tick(short, 'x', timeOf('2026-03-12'))).toBe('12 mrt 2026');
    const long = trendConfig(systolic);
    expect(tick(long, 'x', timeOf('2025-10-01'))).toBe('okt 2025');
    expect(tick(long, 'y', 137.5)).toBe('137,5');
  });

  it('speaks English once English is chosen: English months, a decimal point', () => {
    setLanguage('en');
    try {
      // Node's ICU abbreviates September in British English as "Sept".
      expect(shortDate('2025-09-03')).toBe('3 Sept 2025');
      expect(shortDate('2026-03-12')).toBe('12 Mar 2026');
      expect(pointText({ date: '2026-03-12', value: 7.46, out_of_range: false, source: 'his' }, 'mmol/l')).toBe('7.5 mmol/l · 12 Mar 2026');
      const long = trendConfig(against({ low: 120, high: 140 }, 118, 142));
      expect(tick(long, 'x', timeOf('2025-10-01'))).toBe('Oct 2025');
      expect(tick(long, 'y', 137.5)).toBe('137.5');
      expect(tooltip(long, 2)).toEqual(['142 mmHg · 12 Mar 2026', 'outside target']);
      expect(targetText({ low: 4.5, high: null }, 'mmol/l')).toBe('at least 4.5 mmol/l');
      expect(ariaSummary(against({ low: 120, high: 140 }, 118, 142))).toBe(
        'Systolische bloeddruk: 3 values from 3 Sept 2025 to 12 Mar 2026, latest 142 mmHg. Target: 120 to 140 mmHg; 2 values outside target.',
      );
    } finally {
      setLanguage('nl');
    }
    expect(shortDate('2026-03-12')).toBe('12 mrt 2026');
  });

  it('puts the unit on the value axis', () => {
    const y = trendConfig(systolic).options!.scales!.y as { title: { display: boolean; text: string } };
    expect(y.title).toMatchObject({ display: true, text: 'mmHg' });
  });
});

describe('the tooltip on hover', () => {
  it('says value, unit and date, and whether it is outside the target', () => {
    const config = trendConfig(against({ low: 120, high: 140 }, 118, 142));
    expect(tooltip(config, 2)).toEqual(['142 mmHg · 12 mrt 2026', 'buiten streefwaarde']);
    expect(tooltip(config, 1)).toEqual(['131 mmHg · 1 dec 2025']);
  });

  it('shows the points oldest first even when they arrive in another order', () => {
    const config = trendConfig({ ...systolic, points: [...systolic.points].reverse() });
    expect(tooltip(config, 0)).toEqual(['118 mmHg · 3 sep 2025']);
  });
});

describe('the target range', () => {
  it('draws a band between both limits and marks the points outside it larger, in the danger colour', () => {
    const config = trendConfig(against({ low: 120, high: 140 }, 118, 142));
    expect(config.plugins).toContain(targetBand);
    expect(band(config)).toEqual({ low: 120, high: 140, colour: defaultColours.band });
    expect(yAxis(config)).toMatchObject({ suggestedMin: 120, suggestedMax: 140 });
    const dataset = config.data.datasets[0];
    const danger = defaultColours.outOfRange;
    expect(dataset.pointBackgroundColor).toEqual([danger, defaultColours.line, danger]);
    expect(dataset.pointRadius).toEqual([OUT_OF_RANGE_RADIUS, POINT_RADIUS, OUT_OF_RANGE_RADIUS]);
    expect(OUT_OF_RANGE_RADIUS).toBeGreaterThan(POINT_RADIUS);
  });

  it('allows a one-sided band: the open side runs to the edge of the chart', () => {
    // A plot area from y=10 (top) to y=110 (bottom) for values 100 (bottom) to 200 (top).
    const area = { top: 10, bottom: 110 };
    const pixelFor = (value: number) => 110 - (value - 100);
    expect(bandEdges(area, { low: 120, high: 140 }, pixelFor)).toEqual({ top: 70, bottom: 90 });

    const atMost = trendConfig(systolic);
    expect(band(atMost)).toMatchObject({ low: null, high: 140 });
    expect(yAxis(atMost)).toMatchObject({ suggestedMin: undefined, suggestedMax: 140 });
    expect(bandEdges(area, { low: null, high: 140 }, pixelFor)).toEqual({ top: 70, bottom: 110 });

    const atLeast = trendConfig(against({ low: 130, high: null }, 118));
    expect(band(atLeast)).toMatchObject({ low: 130, high: null });
    expect(bandEdges(area, { low: 130, high: null }, pixelFor)).toEqual({ top: 10, bottom: 80 });
  });

  it("marks the points the app flags out_of_range, and only those: the rule is Rust's", () => {
    // Not what a rule in the chart would make of 131 against "at most 140": the flag decides.
    const flagged = against({ low: null, high: 140 }, 131);
    const config = trendConfig(flagged);
    expect(config.data.datasets[0].pointRadius).toEqual([POINT_RADIUS, OUT_OF_RANGE_RADIUS, POINT_RADIUS]);
    expect(tooltip(config, 1)).toEqual(['131 mmHg · 1 dec 2025', 'buiten streefwaarde']);
    expect(tooltip(config, 2)).toEqual(['142 mmHg · 12 mrt 2026']);
    expect(chartRows(flagged).map((p) => p.out_of_range)).toEqual([false, true, false]);
    expect(ariaSummary(flagged)).toContain('; 1 waarde buiten de streefwaarde.');
  });

  it('draws a value measured at home as an open point and says so in the legend (CARE-4)', () => {
    const mixed = against({ low: null, high: 140 });
    mixed.points[1] = { ...mixed.points[1], source: 'home' };
    const config = trendConfig(mixed);
    const fill = config.data.datasets[0].pointBackgroundColor as string[];
    expect(fill[1]).toBe(defaultColours.surface);
    expect(fill[0]).toBe(defaultColours.line);
    expect(hasHomePoints(mixed)).toBe(true);
    expect(hasHomePoints(against({ low: null, high: 140 }))).toBe(false);
  });

  it('draws no band without a target, or with one without limits', () => {
    for (const target of [null, { low: null, high: null }]) {
      const config = trendConfig(against(target));
      expect(bandEdges({ top: 10, bottom: 110 }, band(config), (value) => value)).toBeNull();
      expect(config.data.datasets[0].pointRadius).toEqual([POINT_RADIUS, POINT_RADIUS, POINT_RADIUS]);
    }
  });

  it('says the range in words', () => {
    expect(targetText({ low: 120, high: 140 }, 'mmHg')).toBe('120 tot 140 mmHg');
    expect(targetText({ low: null, high: 140 }, 'mmHg')).toBe('maximaal 140 mmHg');
    expect(targetText({ low: 4.5, high: null }, 'mmol/l')).toBe('minimaal 4,5 mmol/l');
  });
});

describe('for a screen reader', () => {
  it('summarises the series: how many, from when to when, the last value, the target and what lies outside', () => {
    expect(ariaSummary(systolic)).toBe(
      'Systolische bloeddruk: 3 waarden van 3 sep 2025 tot 12 mrt 2026, laatste 142 mmHg. Streefwaarde: maximaal 140 mmHg; 1 waarde buiten de streefwaarde.',
    );
    const untargeted = against(null);
    expect(ariaSummary(untargeted)).toBe('Systolische bloeddruk: 3 waarden van 3 sep 2025 tot 12 mrt 2026, laatste 142 mmHg.');
    expect(ariaSummary({ ...untargeted, points: [systolic.points[0]] })).toBe('Systolische bloeddruk: 1 waarde, op 3 sep 2025: 118 mmHg.');
    expect(ariaSummary({ ...untargeted, points: [] })).toBe('Systolische bloeddruk: geen waarden.');
  });

  it('has the same summary in English, dates and numbers included', () => {
    expect(ariaSummary(against({ low: 120.5, high: 140 }, 118, 142), en)).toBe(
      'Systolische bloeddruk: 3 values from 3 Sept 2025 to 12 Mar 2026, latest 142 mmHg. Target: 120.5 to 140 mmHg; 2 values outside target.',
    );
  });
});

describe("the app's colours", () => {
  it('come from the CSS variables, the band a light shade of --ok', () => {
    const vars: Record<string, string> = { '--brand': '#0f6e78', '--danger': ' #b42318', '--ok': '#1f7a3f' };
    const colours = coloursFrom((name) => vars[name] ?? '');
    expect(colours.line).toBe('#0f6e78');
    expect(colours.outOfRange).toBe('#b42318');
    expect(colours.band).toBe('rgba(31, 122, 63, 0.13)');
    expect(colours.grid).toBe(defaultColours.grid);
  });
});
