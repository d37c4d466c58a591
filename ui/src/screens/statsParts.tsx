// The statistics screens' pieces: names of dimensions and values in the
// reader's language, the table of a result (the accessible form of every
// chart, and what the browser test reads), the chart itself (Chart.js, loaded
// on first use so that the first page stays small), the card that puts a
// chart, its table and its downloads together, and the note that states the
// disclosure rule. The screens are Stats.tsx (dashboard) and StatsReport.tsx.
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { Chart as ChartT, ChartConfiguration } from 'chart.js';
import { ErrorBox } from '../components';
import { useI18n, type I18n } from '../i18n';
import {
  cellKey,
  hasSuppressed,
  labelOf,
  MARGIN,
  saveFile,
  StatsCells,
  statsFileUrl,
  statsQueryString,
  tableCols,
  tableRows,
  toCsv,
  type CellValue,
  type StatsDimension,
  type StatsQuery,
  type StatsResult,
  type StatsView,
} from '../statsApi';
import '../stats.css';

/** What a suppressed cell shows (the legend on the page says why). */
export const SUPPRESSED_MARK = '—';

// ---------------------------------------------------------------- names

const monthFormats = new Map<string, Intl.DateTimeFormat>();
function monthFormat(locale: string, withYear: boolean): Intl.DateTimeFormat {
  const k = locale + (withYear ? '+y' : '');
  let f = monthFormats.get(k);
  if (!f) {
    f = new Intl.DateTimeFormat(locale, {
      month: withYear ? 'short' : 'long',
      year: withYear ? 'numeric' : undefined,
      calendar: 'gregory',
      timeZone: 'UTC',
    });
    monthFormats.set(k, f);
  }
  return f;
}

/** A year as digits of the reader's language, without grouping ("2025", "٢٠٢٥"). */
export function yearName(i: I18n, year: number): string {
  return new Intl.NumberFormat(i.locale, { useGrouping: false }).format(year);
}

export function dimName(i: I18n, d: { name: string; label?: { en?: string; ar?: string } }): string {
  return labelOf(d.label, i.locale, d.name);
}

/**
 * The name of one value of a dimension: "Total" for the margin, "Unknown"
 * for a missing fact, months and years through Intl (the reader's digits),
 * anything else as the server names it.
 */
export function valueName(i: I18n, d: StatsDimension, value: string | null, opts: { monthOnly?: boolean } = {}): string {
  if (value === MARGIN) return i.t('stats.total');
  const v = d.values.find((x) => x.value === value);
  if (value === null) return labelOf(v?.label, i.locale, i.t('stats.unknown'));
  if (/_month$/.test(d.name)) {
    const ym = /^(\d{4})-(\d{1,2})$/.exec(value);
    const m = /^(\d{1,2})$/.exec(value);
    if (ym) return monthFormat(i.locale, !opts.monthOnly).format(Date.UTC(Number(ym[1]), Number(ym[2]) - 1, 15));
    if (m) return monthFormat(i.locale, false).format(Date.UTC(2000, Number(m[1]) - 1, 15));
  }
  if (/_year$/.test(d.name) && /^\d{4}$/.test(value)) return yearName(i, Number(value));
  const named = labelOf(v?.label, i.locale, value);
  // Countries come as ISO codes: the browser names them in the reader's language.
  if (named === value && /^[A-Z]{2}$/.test(value)) return i.country(value);
  return named;
}

/** A cell's text: the count in the reader's digits, or the suppressed mark. */
export function cellText(i: I18n, c: CellValue): string {
  return c.kind === 'count' ? i.num(c.count) : SUPPRESSED_MARK;
}

// ---------------------------------------------------------------- the table

export function CellTd({ c, k, strong }: { c: CellValue; k: (string | null)[]; strong?: boolean }) {
  const i = useI18n();
  const cls = 'num' + (strong ? ' stats-margin' : '');
  if (c.kind === 'suppressed')
    return (
      <td class={cls + ' stats-supp'} data-key={JSON.stringify(k)} data-suppressed="true" title={i.t('stats.suppressed_cell')}>
        <span aria-hidden="true">{SUPPRESSED_MARK}</span>
        <span class="sr-only">{i.t('stats.suppressed_cell')}</span>
      </td>
    );
  return (
    <td class={cls} data-key={JSON.stringify(k)} data-count={c.count}>
      {i.num(c.count)}
    </td>
  );
}

/**
 * The counts of a result as a table. One dimension: a row per value and a
 * total row. Two or three: the last dimension across, the others down, each
 * with its total. None: the one total.
 */
export function StatsTable({ result, caption, monthOnly }: { result: StatsResult; caption: string; monthOnly?: boolean }) {
  const i = useI18n();
  const cells = new StatsCells(result);
  const dims = result.dimensions;
  const rows = tableRows(result);
  const cols = tableCols(result);
  const rowDims = dims.length < 2 ? dims : dims.slice(0, -1);
  const last = dims[dims.length - 1];
  const vn = (d: StatsDimension, v: string | null) => valueName(i, d, v, { monthOnly });
  return (
    <div class="table-wrap stats-table-wrap">
      <table class="table table-dense stats-table" data-testid="stats-table" data-dims={dims.map((d) => d.name).join(',')}>
        <caption class="sr-only">{caption}</caption>
        <thead>
          {cols && (
            <tr>
              {rowDims.map((d, k) => (
                <th key={d.name} scope="col" rowSpan={2} data-k={k}>
                  {dimName(i, d)}
                </th>
              ))}
              <th scope="colgroup" colSpan={cols.length} class="stats-colgroup">
                {dimName(i, last)}
              </th>
            </tr>
          )}
          <tr>
            {!cols && rowDims.map((d) => <th key={d.name} scope="col">{dimName(i, d)}</th>)}
            {cols
              ? cols.map((c) => (
                  <th key={String(c)} scope="col" class={'num' + (c === MARGIN ? ' stats-margin' : '')}>
                    {vn(last, c)}
                  </th>
                ))
              : <th scope="col" class="num">{dims.length ? i.t('stats.count') : i.t('stats.total')}</th>}
          </tr>
        </thead>
        <tbody>
          {rows.map((row, r) => {
            const isMargin = row.some((v) => v === MARGIN);
            // A leading name repeated from the row above is shown once (screen readers still hear it).
            const same = (k: number) => r > 0 && k < row.length - 1 && rows[r - 1].slice(0, k + 1).every((x, j) => x === row[j]);
            return (
              <tr key={JSON.stringify(row)} class={isMargin ? 'stats-margin-row' : undefined}>
                {row.map((v, k) => (
                  <th key={k} scope="row" class={v === MARGIN ? 'stats-margin' : undefined}>
                    <span class={same(k) ? 'sr-only' : undefined}>
                      {v === MARGIN && k > 0 && row.slice(0, k).every((x) => x !== MARGIN) ? i.t('stats.subtotal') : vn(rowDims[k], v)}
                    </span>
                  </th>
                ))}
                {cols ? (
                  cols.map((col) => {
                    const key = cellKey(row, col, result);
                    return <CellTd key={String(col)} c={cells.get(key)} k={key} strong={isMargin || col === MARGIN} />;
                  })
                ) : (
                  <CellTd c={dims.length ? cells.get(row) : cells.total()} k={row} strong={isMargin || !dims.length} />
                )}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

/** The same table as rows of text, for a CSV file (counts in Latin digits). */
export function tableCsvRows(i: I18n, result: StatsResult, title: string): string[][] {
  const cells = new StatsCells(result);
  const dims = result.dimensions;
  const cols = tableCols(result);
  const rowDims = dims.length < 2 ? dims : dims.slice(0, -1);
  const last = dims[dims.length - 1];
  const text = (c: CellValue) => (c.kind === 'count' ? String(c.count) : SUPPRESSED_MARK);
  const out: string[][] = [[title]];
  if (cols) out.push([...rowDims.map((d) => dimName(i, d)), ...cols.map((c) => valueName(i, last, c))]);
  else out.push([...rowDims.map((d) => dimName(i, d)), dims.length ? i.t('stats.count') : i.t('stats.total')]);
  for (const row of tableRows(result)) {
    const head = row.map((v, k) => valueName(i, rowDims[k], v));
    if (cols) out.push([...head, ...cols.map((c) => text(cells.get(cellKey(row, c, result))))]);
    else out.push([...head, text(dims.length ? cells.get(row) : cells.total())]);
  }
  if (hasSuppressed(result)) out.push([SUPPRESSED_MARK + ' ' + i.t('stats.suppressed_cell')]);
  return out;
}

// ---------------------------------------------------------------- the chart

export type ChartKind = 'bar' | 'hbar' | 'stacked' | 'line';

/** What a chart draws: category labels and one or more series (null: not published). */
export interface ChartSpec {
  kind: ChartKind;
  labels: string[];
  series: { name: string; data: (number | null)[] }[];
}

/** The chart of a result of one or two dimensions (margins left out); null for other shapes. */
export function chartSpec(i: I18n, result: StatsResult, kind: ChartKind, opts: { monthOnly?: boolean } = {}): ChartSpec | null {
  const dims = result.dimensions;
  if (dims.length < 1 || dims.length > 2) return null;
  const cells = new StatsCells(result);
  const n = (c: CellValue) => (c.kind === 'count' ? c.count : null);
  const labels = dims[0].values.map((v) => valueName(i, dims[0], v.value, opts));
  if (dims.length === 1) {
    return { kind, labels, series: [{ name: i.t('stats.count'), data: dims[0].values.map((v) => n(cells.get([v.value]))) }] };
  }
  return {
    kind: kind === 'bar' || kind === 'hbar' ? 'stacked' : kind,
    labels,
    series: dims[1].values.map((s) => ({
      name: valueName(i, dims[1], s.value, opts),
      data: dims[0].values.map((v) => n(cells.get([v.value, s.value]))),
    })),
  };
}

// Okabe-Ito colours: told apart with the common colour-vision deficiencies.
const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#8a7a00', '#4d4d4d', '#0c5f6b', '#a32020'];
const PRIMARY = '#0c5f6b';

type ChartLib = typeof ChartT;
let chartLib: Promise<ChartLib> | null = null;

/** Chart.js, registered with the parts the screens use; fetched once, on first use. */
export function loadChartLib(): Promise<ChartLib> {
  if (!chartLib) {
    chartLib = import('chart.js').then(
      ({ Chart, BarController, BarElement, LineController, LineElement, PointElement, CategoryScale, LinearScale, Legend, Tooltip, Filler }) => {
        Chart.register(BarController, BarElement, LineController, LineElement, PointElement, CategoryScale, LinearScale, Legend, Tooltip, Filler);
        return Chart;
      },
      (err) => {
        chartLib = null; // a failed fetch (a flaky link) may be tried again
        throw err;
      },
    );
  }
  return chartLib;
}

/**
 * Whether the bars lie down: always for 'hbar'; for 'bar' and 'stacked' when
 * the category names would not fit side by side under the bars (a phone, long
 * names), since slanted names run off the canvas. A line chart stands.
 */
export function lieDown(spec: ChartSpec, width: number): boolean {
  if (spec.kind === 'hbar') return true;
  if (spec.kind === 'line' || width <= 0) return false;
  const longest = Math.max(1, ...spec.labels.map((l) => l.length));
  const room = (width - 56) / Math.max(1, spec.labels.length);
  return room < longest * 7 + 12;
}

function chartConfig(i: I18n, spec: ChartSpec, horizontal: boolean): ChartConfiguration {
  const rtl = i.locale === 'ar';
  const stacked = spec.kind === 'stacked';
  const many = spec.series.length > 1;
  const font = { family: getComputedStyle(document.body).fontFamily, size: 12 };
  const colour = (k: number) => (many ? PALETTE[k % PALETTE.length] : PRIMARY);
  const datasets = spec.series.map((s, k) =>
    spec.kind === 'line'
      ? { label: s.name, data: s.data, borderColor: colour(k), backgroundColor: colour(k) + '33', fill: !many, tension: 0.25, pointRadius: 3, spanGaps: false }
      : { label: s.name, data: s.data, backgroundColor: colour(k), borderWidth: 0, maxBarThickness: 48 },
  );
  // Arabic reads from the right: categories run right to left, the value
  // axis stands on the right, the legend and tooltips are right-to-left.
  // Names are never slanted (slanted names run off the canvas on the reader's
  // side): a line chart leaves some months out when they do not fit, bars lie
  // down instead (lieDown).
  const category = {
    reverse: horizontal ? false : rtl,
    stacked,
    ticks: { font, autoSkip: spec.kind === 'line', maxRotation: 0 },
    grid: { display: false },
  };
  const value = {
    reverse: horizontal ? rtl : false,
    stacked,
    beginAtZero: true,
    ticks: { font, precision: 0 },
    position: horizontal ? ('bottom' as const) : rtl ? ('right' as const) : ('left' as const),
  };
  return {
    type: spec.kind === 'line' ? 'line' : 'bar',
    data: { labels: spec.labels, datasets: datasets as never },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      locale: i.locale,
      indexAxis: horizontal ? 'y' : 'x',
      scales: horizontal
        ? { x: value, y: { ...category, position: rtl ? 'right' : 'left' } }
        : { x: { ...category, position: 'bottom' }, y: value },
      plugins: {
        legend: {
          display: many,
          position: 'top',
          align: 'start',
          rtl,
          textDirection: rtl ? 'rtl' : 'ltr',
          labels: { font, boxWidth: 14 },
        },
        tooltip: { rtl, textDirection: rtl ? 'rtl' : 'ltr', titleFont: font, bodyFont: font },
      },
    } as never,
  };
}

/**
 * A chart drawn on a canvas. The canvas is hidden from screen readers: the
 * table beside it says the same. data-chart holds the numbers drawn (for the
 * browser test), data-ready says the drawing is done.
 */
export function ChartView(props: { spec: ChartSpec; label: string; canvasRef: { current: HTMLCanvasElement | null } }) {
  const i = useI18n();
  const box = useRef<HTMLDivElement>(null);
  const [ready, setReady] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [width, setWidth] = useState(0);
  const json = JSON.stringify(props.spec);
  useLayoutEffect(() => {
    const el = box.current;
    if (!el) return;
    setWidth(el.clientWidth);
    const ro = new ResizeObserver(() => setWidth(el.clientWidth));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  const horizontal = lieDown(props.spec, width);
  useEffect(() => {
    if (width <= 0) return; // not measured yet
    let dead = false;
    let chart: ChartT | null = null;
    setReady(false);
    setError(null);
    loadChartLib().then(
      (Chart) => {
        const canvas = props.canvasRef.current;
        if (dead || !canvas) return;
        chart = new Chart(canvas, chartConfig(i, props.spec, horizontal));
        setReady(true);
      },
      (err) => !dead && setError(err),
    );
    return () => {
      dead = true;
      chart?.destroy();
    };
  }, [json, i.locale, horizontal, width > 0]);
  const n = props.spec.labels.length;
  const series = props.spec.series.length;
  // room for the legend: a line of names per few series
  const legend = series > 1 ? Math.ceil(series / (width < 480 ? 2 : 4)) * 1.4 : 0;
  const tall = horizontal ? Math.max(10, 2.5 + n * (props.spec.kind === 'stacked' ? 2.1 : 1.8)) + legend : 15 + legend;
  return (
    <figure
      class="stats-figure"
      data-testid="stats-chart"
      data-kind={props.spec.kind}
      data-horizontal={horizontal ? 'true' : 'false'}
      data-ready={ready ? 'true' : 'false'}
      data-chart={json}
    >
      <ErrorBox error={error} />
      <div class="stats-canvas" ref={box} style={{ blockSize: tall + 'rem' }}>
        <canvas ref={props.canvasRef} role="img" aria-label={props.label} />
      </div>
    </figure>
  );
}

/** The canvas as a PNG on a white ground (a transparent image prints badly). */
export function canvasPng(canvas: HTMLCanvasElement): string {
  const out = document.createElement('canvas');
  out.width = canvas.width;
  out.height = canvas.height;
  const g = out.getContext('2d');
  if (!g) return canvas.toDataURL('image/png');
  g.fillStyle = '#ffffff';
  g.fillRect(0, 0, out.width, out.height);
  g.drawImage(canvas, 0, 0);
  return out.toDataURL('image/png');
}

/** A name for a downloaded file: letters, digits and dashes only. */
export function fileStem(s: string): string {
  return s.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '') || 'ihala-stats';
}

// ---------------------------------------------------------------- the card

/**
 * One question and its answer: title, chart (when the shape has one), table,
 * and the downloads (PNG of the chart, CSV of the table written here, XLSX
 * written by the server for the same query). data-query is the query string,
 * so that anyone can ask the API the same question.
 */
export function StatsCard(props: {
  id: string;
  title: string;
  note?: string;
  query: StatsQuery | null;
  result: StatsResult | null;
  error?: unknown;
  kind: ChartKind;
  monthOnly?: boolean;
  file: string;
}) {
  const i = useI18n();
  const canvas = useRef<HTMLCanvasElement | null>(null);
  const r = props.result;
  const spec = r ? chartSpec(i, r, props.kind, { monthOnly: props.monthOnly }) : null;
  const titleId = 'stats-h-' + props.id;
  return (
    <section
      class="card stats-card"
      data-testid={'stats-card-' + props.id}
      data-query={props.query ? statsQueryString(props.query) : undefined}
      aria-labelledby={titleId}
    >
      <h2 id={titleId} class="stats-card-title">
        {props.title}
      </h2>
      {props.note && <p class="muted small stats-note">{props.note}</p>}
      <ErrorBox error={props.error} />
      {!r && !props.error && <p class="muted">{i.t('common.loading')}</p>}
      {r && (
        <>
          {spec && spec.labels.length > 0 && <ChartView spec={spec} label={props.title} canvasRef={canvas} />}
          {spec && spec.labels.length === 0 && <p class="muted">{i.t('stats.no_values')}</p>}
          <StatsTable result={r} caption={props.title} monthOnly={props.monthOnly} />
          {hasSuppressed(r) && (
            <p class="muted small" data-testid="stats-supp-note">
              {SUPPRESSED_MARK} {i.t('stats.suppressed_cell')}
            </p>
          )}
          <div class="stats-dl" role="group" aria-label={i.t('stats.downloads')}>
            {spec && spec.labels.length > 0 && (
              <button
                type="button"
                class="btn btn-small"
                data-testid="stats-dl-png"
                onClick={() => canvas.current && saveFile(props.file + '.png', canvasPng(canvas.current))}
              >
                {i.t('stats.download_png')}
              </button>
            )}
            <button
              type="button"
              class="btn btn-small"
              data-testid="stats-dl-csv"
              onClick={() => saveFile(props.file + '.csv', toCsv(tableCsvRows(i, r, props.title)))}
            >
              {i.t('stats.download_csv')}
            </button>
            {props.query && (
              <a class="btn btn-small" data-testid="stats-dl-xlsx" href={statsFileUrl(props.query, 'xlsx', i.locale)} download={props.file + '.xlsx'}>
                {i.t('stats.download_xlsx')}
              </a>
            )}
          </div>
        </>
      )}
    </section>
  );
}

// ---------------------------------------------------------------- the rule

/** States which numbers the page shows: exact (internal) or with small counts hidden (publication). */
export function DisclosureRule({ view, threshold }: { view: StatsView; threshold: number | null | undefined }) {
  const i = useI18n();
  if (view === 'internal')
    return (
      <p class="alert alert-info stats-rule" data-testid="stats-rule" data-view="internal">
        {i.t('stats.rule_internal')}
      </p>
    );
  const t = typeof threshold === 'number' && threshold > 1 ? threshold : null;
  return (
    <p class="alert alert-info stats-rule" data-testid="stats-rule" data-view="publication" data-threshold={t ?? ''}>
      {t ? i.t('stats.rule_publication', { mark: SUPPRESSED_MARK, min: 1, max: t - 1 }) : i.t('stats.rule_publication_none')}
    </p>
  );
}

/** Runs a query whenever its text changes; the newest answer wins. */
export function useStatsQuery(q: StatsQuery | null, run: (q: StatsQuery) => Promise<StatsResult>, text: string) {
  const [state, setState] = useState<{ text: string; result: StatsResult | null; error: unknown }>({ text: '', result: null, error: null });
  useEffect(() => {
    if (!q) return;
    let dead = false;
    setState({ text, result: null, error: null });
    run(q).then(
      (result) => !dead && setState({ text, result, error: null }),
      (error) => !dead && setState({ text, result: null, error }),
    );
    return () => {
      dead = true;
    };
  }, [text]);
  return state.text === text ? state : { text, result: null, error: null };
}

/** The years that have registered cases, newest first, with the current year always there. */
export function useStatsYears(view: StatsView, run: (q: StatsQuery) => Promise<StatsResult>): number[] {
  const now = new Date().getFullYear();
  const [years, setYears] = useState<number[]>([now]);
  useEffect(() => {
    let dead = false;
    run({ unit: 'cases', dims: ['case.registration_year'], view }).then(
      (r) => {
        if (dead) return;
        const found = new Set<number>([now]);
        for (const v of r.dimensions[0]?.values ?? []) {
          const y = v.value === null ? NaN : Number(v.value);
          if (Number.isInteger(y) && y > 1900 && y <= now + 1) found.add(y);
        }
        setYears([...found].sort((a, b) => b - a));
      },
      () => undefined, // the year picker keeps the current year; the cards show the error
    );
    return () => {
      dead = true;
    };
  }, [view]);
  return years;
}
