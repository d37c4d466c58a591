// Client of the statistics endpoints (docs/api-contract.md, "Statistics";
// docs/statistics.md tells the rules in words): counts of persons, cases,
// referrals and services over zero to three dimensions, the dimensions one may
// ask for, and the tables of the annual report. Also the pure helpers that the
// screens use to read a result: a cell by its key, the rows and columns of a
// table, and the CSV text of a table. Nothing here draws.
import { request } from './api';

export type StatsUnit = 'persons' | 'cases' | 'referrals' | 'services';
export const STATS_UNITS: StatsUnit[] = ['persons', 'cases', 'referrals', 'services'];
export type StatsView = 'internal' | 'publication';
export type StatsDate = 'registration' | 'identification';

/** A name in both languages, as the server sends it. */
export interface StatsLabel {
  en?: string;
  ar?: string;
}

export interface StatsValue {
  /** null: the fact is unknown (missing) */
  value: string | null;
  label?: StatsLabel;
}

export interface StatsDimension {
  name: string;
  label?: StatsLabel;
  values: StatsValue[];
}

/** "*" in a key is the margin (all values of that dimension); null is "unknown". */
export type StatsKey = (string | null)[];

export interface StatsCell {
  key: StatsKey;
  count?: number;
  suppressed?: boolean;
}

export interface StatsResult {
  unit: StatsUnit;
  view?: StatsView;
  /** publication view: counts from 1 to threshold - 1 are not published */
  threshold?: number | null;
  dimensions: StatsDimension[];
  cells: StatsCell[];
  total: number | null;
}

export interface StatsDimInfo {
  name: string;
  label?: StatsLabel;
  multi: boolean;
  units: StatsUnit[];
}

export interface StatsReportTable {
  key: string;
  title?: StatsLabel;
  unit: StatsUnit;
  result: StatsResult;
}

export interface StatsReport {
  year: number;
  view: StatsView;
  threshold?: number | null;
  tables: StatsReportTable[];
}

export interface StatsQuery {
  unit: StatsUnit;
  dims: string[];
  /** dimension -> values; the value "unknown" selects a missing fact */
  filters?: Record<string, string[]>;
  date?: StatsDate;
  from?: string;
  to?: string;
  view: StatsView;
}

export const MARGIN = '*';

/** The query string of q (without "?"), parameters in a stable order. */
export function statsQueryString(q: StatsQuery, extra: Record<string, string> = {}): string {
  const sp = new URLSearchParams();
  sp.set('unit', q.unit);
  if (q.dims.length) sp.set('dims', q.dims.join(','));
  for (const [dim, values] of Object.entries(q.filters ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (values.length) sp.set('filter.' + dim, values.join(','));
  }
  // Referrals and services are dated by their own day: "date" is for persons and cases.
  if (q.date && (q.unit === 'persons' || q.unit === 'cases')) sp.set('date', q.date);
  if (q.from) sp.set('from', q.from);
  if (q.to) sp.set('to', q.to);
  sp.set('view', q.view);
  for (const [k, v] of Object.entries(extra)) sp.set(k, v);
  return sp.toString();
}

/** Address of the same table as a file the server writes (XLSX or CSV), labelled in lang. */
export function statsFileUrl(q: StatsQuery, format: 'xlsx' | 'csv', lang: string): string {
  return '/api/v1/stats?' + statsQueryString(q, { format, lang });
}

export const statsApi = {
  run: (q: StatsQuery) => request<StatsResult>('GET', '/api/v1/stats?' + statsQueryString(q)),
  dimensions: () => request<{ dimensions: StatsDimInfo[] }>('GET', '/api/v1/stats/dimensions'),
  report: (year: number, view: StatsView) =>
    request<StatsReport>('GET', '/api/v1/stats/report?' + new URLSearchParams({ year: String(year), view }).toString()),
};

/** First and last day of a calendar year, as the API's from/to. */
export function yearRange(year: number): { from: string; to: string } {
  return { from: `${year}-01-01`, to: `${year}-12-31` };
}

// ---------------------------------------------------------------- reading a result

/** A cell as shown: a count, a suppressed mark, or nothing counted (zero). */
export type CellValue = { kind: 'count'; count: number } | { kind: 'suppressed' };

const keyId = (k: StatsKey) => JSON.stringify(k);

/** Index of the cells of a result by key; an absent cell counts zero. */
export class StatsCells {
  private byKey = new Map<string, StatsCell>();
  constructor(readonly result: StatsResult) {
    for (const c of result.cells ?? []) this.byKey.set(keyId(c.key), c);
  }

  get(key: StatsKey): CellValue {
    const c = this.byKey.get(keyId(key));
    if (!c) {
      // The grand total (no dimension, or every one at its margin) may be only in "total".
      if (key.every((v) => v === MARGIN)) {
        if (typeof this.result.total === 'number') return { kind: 'count', count: this.result.total };
        if (this.result.total === null) return { kind: 'suppressed' };
      }
      return { kind: 'count', count: 0 };
    }
    if (c.suppressed || typeof c.count !== 'number') return { kind: 'suppressed' };
    return { kind: 'count', count: c.count };
  }

  /** The grand total: "total" of the reply, else the all-margins cell. */
  total(): CellValue {
    if (typeof this.result.total === 'number') return { kind: 'count', count: this.result.total };
    const all = this.result.dimensions.map(() => MARGIN);
    if (this.result.total === null) return { kind: 'suppressed' };
    return this.get(all);
  }
}

/** True when any cell of the result is suppressed (the legend is then shown). */
export function hasSuppressed(r: StatsResult): boolean {
  return (r.cells ?? []).some((c) => !!c.suppressed) || r.total === null;
}

/** A value's name in the given language: the server's label, else the value. */
export function labelOf(l: StatsLabel | undefined, locale: string, fallback: string): string {
  if (!l) return fallback;
  const first = locale === 'ar' ? l.ar : l.en;
  return first || l.en || l.ar || fallback;
}

/**
 * The rows of a table: every combination of the values of the leading
 * dimensions (all but the last), each followed by its margin ("*"); the last
 * dimension runs across the columns. A table of one dimension has one row per
 * value; of none, one row.
 */
export function tableRows(r: StatsResult): StatsKey[] {
  const dims = r.dimensions;
  if (dims.length <= 1) {
    if (dims.length === 0) return [[]];
    return [...dims[0].values.map((v) => [v.value]), [MARGIN]];
  }
  let rows: StatsKey[] = [[]];
  for (const d of dims.slice(0, -1)) {
    const next: StatsKey[] = [];
    for (const row of rows) {
      for (const v of d.values) next.push([...row, v.value]);
      next.push([...row, MARGIN]);
    }
    rows = next;
  }
  return rows;
}

/** The columns of a table: the last dimension's values and its margin (one column when 0 or 1 dimension). */
export function tableCols(r: StatsResult): (string | null)[] | null {
  const dims = r.dimensions;
  if (dims.length < 2) return null;
  return [...dims[dims.length - 1].values.map((v) => v.value), MARGIN];
}

/** The key of the cell at row, column. */
export function cellKey(row: StatsKey, col: string | null | undefined, r: StatsResult): StatsKey {
  return r.dimensions.length < 2 ? row : [...row, col === undefined ? MARGIN : col];
}

/** CSV text (RFC 4180, CRLF, with a byte order mark so that spreadsheets read UTF-8). */
export function toCsv(rows: string[][]): string {
  const esc = (s: string) => (/[",\r\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s);
  return '\ufeff' + rows.map((r) => r.map(esc).join(',')).join('\r\n') + '\r\n';
}

/** Offers text or a data URL to the browser as a file to save. */
export function saveFile(name: string, data: string | Blob, type = 'text/csv;charset=utf-8'): void {
  const a = document.createElement('a');
  let url: string;
  let revoke = false;
  if (typeof data === 'string' && data.startsWith('data:')) {
    url = data;
  } else {
    url = URL.createObjectURL(typeof data === 'string' ? new Blob([data], { type }) : data);
    revoke = true;
  }
  a.href = url;
  a.download = name;
  a.rel = 'noopener';
  document.body.appendChild(a);
  a.click();
  a.remove();
  if (revoke) setTimeout(() => URL.revokeObjectURL(url), 10000);
}
