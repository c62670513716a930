// The pure side of the trend charts (issue 13): dates and values in the UI's language, the target
// band, the summary a screen reader hears and the Chart.js configuration that TrendChart.svelte
// draws. Kept free of the canvas so the tests can check what a user notices without rendering.
// Which points lie outside the band is the app's to say (`SeriesPoint.out_of_range`, from
// `TargetRange::excludes`); the chart only shows it.
import type { Chart, ChartConfiguration, ChartType, Plugin, TooltipItem } from 'chart.js';
import { t } from './i18n';
import type { Messages } from './i18n/nl';
import type { MeasurementSeries, SeriesPoint, TargetRange } from './api';

/** The app's colours (app.css), read from its CSS variables when the chart is drawn. */
export interface ChartColours {
  line: string;
  outOfRange: string;
  band: string;
  grid: string;
  text: string;
  muted: string;
  tooltip: string;
  /** Inside an open point (a value measured at home, CARE-4). */
  surface: string;
}

export const defaultColours: ChartColours = {
  line: '#0f6e78',
  outOfRange: '#b42318',
  band: 'rgba(31, 122, 63, 0.13)',
  grid: '#d8e0e4',
  text: '#1d2b33',
  muted: '#5b6b74',
  tooltip: '#1d2b33',
  surface: '#ffffff',
};

/** `#1f7a3f` with `alpha` as `rgba(…)`; anything else (already rgb, a name) is returned as it is. */
export function withAlpha(colour: string, alpha: number): string {
  const hex = /^#([0-9a-f]{6})$/i.exec(colour.trim());
  if (!hex) return colour.trim();
  const n = parseInt(hex[1], 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}

/** The colours from the CSS variables of app.css (`--brand`, `--danger`, `--ok`, …), where set. */
export function coloursFrom(read: (name: string) => string): ChartColours {
  const pick = (name: string, fallback: string) => read(name).trim() || fallback;
  const ok = read('--ok').trim();
  return {
    line: pick('--brand', defaultColours.line),
    outOfRange: pick('--danger', defaultColours.outOfRange),
    band: ok ? withAlpha(ok, 0.13) : defaultColours.band,
    grid: pick('--border', defaultColours.grid),
    text: pick('--text', defaultColours.text),
    muted: pick('--muted', defaultColours.muted),
    tooltip: pick('--text', defaultColours.tooltip),
    surface: pick('--surface', defaultColours.surface),
  };
}

/** That day at local midnight (`2026-03-12`, also `2026-03-12T09:30:00+01:00`: the day as written). */
function dayOf(date: string): Date {
  const [year, month, day] = date.slice(0, 10).split('-').map(Number);
  return new Date(year, month - 1, day || 1);
}

/** `2026-03-12` as a short date in the UI's language: `12 mrt 2026`, `12 Mar 2026`. */
export function shortDate(date: string, locale: string = t.locale): string {
  return new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'short', year: 'numeric' }).format(dayOf(date));
}

/** `2026-03-01` as a month, for the ticks of a longer series: `mrt 2026`, `Mar 2026`. */
export function shortMonth(date: string, locale: string = t.locale): string {
  return new Intl.DateTimeFormat(locale, { month: 'short', year: 'numeric' }).format(dayOf(date));
}

/** A date on the time axis: local midnight of that day, in milliseconds. */
export function timeOf(date: string): number {
  return dayOf(date).getTime();
}

/** A moment on the time axis back as `YYYY-MM-DD` (local). */
export function dateOf(time: number): string {
  const d = new Date(time);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/** A value in the UI's language: `142`, `7,5`, `1.250` in Dutch; `7.5`, `1,250` in English. */
export function formatValue(value: number, locale: string = t.locale): string {
  return value.toLocaleString(locale, { maximumFractionDigits: 1 });
}

/** `142 mmHg`; just `142` without a unit. */
export function valueWithUnit(value: number, unit: string, locale: string = t.locale): string {
  return unit ? `${formatValue(value, locale)} ${unit}` : formatValue(value, locale);
}

/** The tooltip of one point: `142 mmHg · 12 mrt 2026`. */
/** Whether any point of the series was measured at home (the legend then says which are). */
export function hasHomePoints(series: MeasurementSeries): boolean {
  return series.points.some((point) => point.source === 'home');
}

export function pointText(point: SeriesPoint, unit: string, locale: string = t.locale): string {
  return `${valueWithUnit(point.value, unit, locale)} · ${shortDate(point.date, locale)}`;
}

/** Whether a target range has a side to draw. */
export function hasTarget(target: TargetRange | null | undefined): target is TargetRange {
  return !!target && (target.low !== null || target.high !== null);
}

/** The target range in words: `120 tot 140 mmHg`, `maximaal 140 mmHg`, `minimaal 4 mmol/l`. */
export function targetText(target: TargetRange, unit: string, m: Messages = t): string {
  const withUnit = (text: string) => (unit ? `${text} ${unit}` : text);
  const value = (value: number) => formatValue(value, m.locale);
  if (target.low !== null && target.high !== null) return withUnit(m.chart.between(value(target.low), value(target.high)));
  if (target.high !== null) return withUnit(m.chart.atMost(value(target.high)));
  return withUnit(m.chart.atLeast(value(target.low ?? 0)));
}

/** The points oldest first. */
export function chartRows(series: MeasurementSeries): SeriesPoint[] {
  return [...series.points].sort((a, b) => timeOf(a.date) - timeOf(b.date));
}

/**
 * What a screen reader says for the chart (its `aria-label`): the label, how many values from when
 * to when, the last one, the target range and how many lie outside it.
 */
export function ariaSummary(series: MeasurementSeries, m: Messages = t): string {
  const rows = chartRows(series);
  if (rows.length === 0) return m.chart.empty(series.label);
  const first = rows[0];
  const last = rows[rows.length - 1];
  const date = (date: string) => shortDate(date, m.locale);
  let text = m.chart.summary(series.label, rows.length, date(first.date), date(last.date), valueWithUnit(last.value, series.unit, m.locale));
  if (hasTarget(series.target)) {
    text += ` ${m.chart.target}: ${targetText(series.target, series.unit, m)}; ${m.chart.outsideCount(rows.filter((r) => r.out_of_range).length)}.`;
  }
  return text;
}

const DAY = 24 * 60 * 60 * 1000;

/** The ends of the time axis: a little room on both sides so the first and last points show whole. */
export function timeLimits(series: MeasurementSeries): { min: number; max: number } {
  const times = series.points.map((p) => timeOf(p.date));
  if (times.length === 0) {
    const now = Date.now();
    return { min: now - 30 * DAY, max: now };
  }
  const first = Math.min(...times);
  const last = Math.max(...times);
  const room = Math.max((last - first) * 0.04, 3 * DAY);
  return { min: first - room, max: last + room };
}

/** Ticks per month (labelled `mrt 2026`) for series longer than two months; else per day. */
export function tickUnit(series: MeasurementSeries): 'day' | 'month' {
  const { min, max } = timeLimits(series);
  return max - min > 62 * DAY ? 'month' : 'day';
}

/** One point as Chart.js draws it: x on the time axis, y the value; the point itself for the tooltip. */
export interface TrendDatum {
  x: number;
  y: number;
  point: SeriesPoint;
}

/** The target band as the chart draws it: its limits and colour (`options.plugins.targetBand`). */
export interface TargetBandOptions extends TargetRange {
  colour: string;
}

declare module 'chart.js' {
  interface PluginOptionsByType<TType extends ChartType> {
    targetBand?: TargetBandOptions;
  }
}

/**
 * Where the band lies in pixels (`top` < `bottom`, canvas y grows downwards), clipped to the plot
 * area; an open side runs to the edge of the plot. `null` when there is nothing to draw.
 */
export function bandEdges(
  area: { top: number; bottom: number },
  target: TargetRange | null | undefined,
  pixelFor: (value: number) => number,
): { top: number; bottom: number } | null {
  if (!hasTarget(target)) return null;
  const top = Math.max(area.top, target.high !== null ? pixelFor(target.high) : area.top);
  const bottom = Math.min(area.bottom, target.low !== null ? pixelFor(target.low) : area.bottom);
  return bottom > top ? { top, bottom } : null;
}

/**
 * The target range as a shaded band behind the line: a few lines on Chart.js's plugin hooks
 * instead of chartjs-plugin-annotation, which would add some 11 kB (gzip) for this one rectangle.
 */
export const targetBand: Plugin<'line'> = {
  id: 'targetBand',
  beforeDatasetsDraw(chart: Chart, _args: unknown, options: TargetBandOptions) {
    const y = chart.scales.y;
    const area = chart.chartArea;
    const edges = y && area ? bandEdges(area, options, (value) => y.getPixelForValue(value)) : null;
    if (!edges) return;
    const ctx = chart.ctx;
    ctx.save();
    ctx.fillStyle = options.colour;
    ctx.fillRect(area.left, edges.top, area.right - area.left, edges.bottom - edges.top);
    ctx.restore();
  },
};

export interface TrendOptions {
  colours?: ChartColours;
  messages?: Messages;
}

/** Radius of a point, and of one outside the target range (`out_of_range`: larger, in the danger colour, a diamond). */
export const POINT_RADIUS = 3;
export const OUT_OF_RANGE_RADIUS = 5.5;

/**
 * The Chart.js configuration for one series: a line with its points over a time axis with dates in
 * the UI's language, the unit on the value axis, a tooltip `142 mmHg · 12 mrt 2026`, and the
 * series' target range as a shaded band (an open side runs to the edge of the chart) with the
 * points the app flags `out_of_range` marked.
 */
export function trendConfig(series: MeasurementSeries, options: TrendOptions = {}): ChartConfiguration<'line', TrendDatum[]> {
  const { colours = defaultColours, messages = t } = options;
  const target = series.target;
  // Read here rather than in the callbacks, so that TrendChart's effect redraws on a change of language.
  const { locale, chart: texts } = messages;
  const rows = chartRows(series);
  const data: TrendDatum[] = rows.map((point) => ({ x: timeOf(point.date), y: point.value, point }));
  const flag = <T>(inside: T, outside: T) => rows.map((point) => (point.out_of_range ? outside : inside));
  const unit = tickUnit(series);
  const limits = timeLimits(series);

  return {
    type: 'line',
    plugins: [targetBand],
    data: {
      datasets: [
        {
          label: series.label,
          data,
          borderColor: colours.line,
          borderWidth: 2,
          tension: 0,
          // Measured at home (CARE-4): an open point, also when outside the target (its border
          // and shape say that); filled for the practice's own.
          pointBackgroundColor: rows.map((point) =>
            point.source === 'home' ? colours.surface : point.out_of_range ? colours.outOfRange : colours.line,
          ),
          pointBorderColor: flag(colours.line, colours.outOfRange),
          pointRadius: flag(POINT_RADIUS, OUT_OF_RANGE_RADIUS),
          pointHoverRadius: flag(POINT_RADIUS + 2, OUT_OF_RANGE_RADIUS + 2),
          pointStyle: flag('circle', 'rectRot'),
          pointHitRadius: 8,
        },
      ],
    },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      parsing: false,
      normalized: true,
      interaction: { mode: 'nearest', axis: 'x', intersect: false },
      scales: {
        x: {
          type: 'time',
          min: limits.min,
          max: limits.max,
          time: { unit },
          grid: { color: colours.grid },
          border: { color: colours.grid },
          ticks: {
            color: colours.muted,
            maxRotation: 0,
            autoSkip: true,
            autoSkipPadding: 12,
            callback: (value: string | number) => {
              const date = dateOf(Number(value));
              return unit === 'month' ? shortMonth(date, locale) : shortDate(date, locale);
            },
          },
        },
        y: {
          type: 'linear',
          // The axis reaches the limits of the target range, so the band's edges show.
          suggestedMin: target?.low ?? undefined,
          suggestedMax: target?.high ?? undefined,
          grace: '5%',
          title: { display: !!series.unit, text: series.unit, color: colours.muted },
          grid: { color: colours.grid },
          border: { color: colours.grid },
          ticks: {
            color: colours.muted,
            maxTicksLimit: 6,
            callback: (value: string | number) => formatValue(Number(value), locale),
          },
        },
      },
      plugins: {
        legend: { display: false },
        targetBand: { low: target?.low ?? null, high: target?.high ?? null, colour: colours.band },
        tooltip: {
          displayColors: false,
          backgroundColor: colours.tooltip,
          callbacks: {
            title: () => '',
            label: (item: TooltipItem<'line'>) => pointText((item.raw as TrendDatum).point, series.unit, locale),
            afterLabel: (item: TooltipItem<'line'>) => ((item.raw as TrendDatum).point.out_of_range ? texts.outOfRange : ''),
          },
        },
      },
    },
  };
}

