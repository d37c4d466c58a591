// Small pieces shared by the screening screens, the case view's screening and
// identification panels and the work list: badges, dates, set names.
import type { I18n } from '../i18n';
import { useI18n } from '../i18n';
import { formatDay, lbl } from '../schema';
import type { Assessment, DimResult, IndicatorSet, Screening, SetSummary } from '../screeningApi';
import '../screening.css';

/** A date the API sends as YYYY-MM-DD, unix seconds or an ISO timestamp, in words. */
export function dayText(i: I18n, v: unknown): string {
  if (typeof v === 'number') return i.date(v);
  if (typeof v !== 'string' || !v) return '—';
  if (/^\d{4}-\d{2}-\d{2}$/.test(v)) return formatDay(i, v);
  const t = Date.parse(v);
  return Number.isFinite(t) ? i.date(Math.floor(t / 1000)) : v;
}

/** Whole days from today (local calendar) to a YYYY-MM-DD date: negative when past. */
export function daysFromToday(ymd: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(ymd);
  if (!m) return null;
  const now = new Date();
  const a = Date.UTC(now.getFullYear(), now.getMonth(), now.getDate());
  const b = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return Math.round((b - a) / 86400000);
}

const ASSESS_CLASS: Record<string, string> = {
  likely_victim: 'badge-alert',
  insufficient_information: 'badge-warn',
  not_established: '',
};

export function AssessmentBadge({ a }: { a: Assessment | string }) {
  const i = useI18n();
  return (
    <span class={'badge ' + (ASSESS_CLASS[a] ?? '')} data-testid="assessment-badge" data-assessment={a}>
      {i.has('screening.assessment.' + a) ? i.t('screening.assessment.' + a) : a}
    </span>
  );
}

const RESULT_CLASS: Record<string, string> = { present: 'badge-alert', unknown: 'badge-warn', absent: '' };

export function DimBadge({ r }: { r: DimResult | string }) {
  const i = useI18n();
  return (
    <span class={'badge ' + (RESULT_CLASS[r] ?? '')} data-testid="dimension-result" data-result={r}>
      {i.has('screening.result.' + r) ? i.t('screening.result.' + r) : r}
    </span>
  );
}

/** "Adults — labour exploitation, version 2" from a set or a screening. */
export function setName(i: I18n, set: IndicatorSet | SetSummary | null | undefined, s?: Pick<Screening, 'set' | 'set_version'>): string {
  const title = set ? lbl(i, set.title) : s?.set ?? '';
  const version = s ? s.set_version : set?.version;
  return version !== undefined && version !== null ? i.t('screening.set_version', { set: title, version }) : title;
}

/** The label of an enumerated value, or the value itself when there is none. */
export function word(i: I18n, prefix: string, value: string | null | undefined): string {
  if (!value) return '—';
  return i.has(prefix + value) ? i.t(prefix + value) : value;
}

export const screeningHref = (id: string) => '#/screening/' + encodeURIComponent(id);
export const newScreeningHref = (ref?: string) => '#/screening' + (ref ? '?case=' + encodeURIComponent(ref) : '');
