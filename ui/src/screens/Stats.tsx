// Statistics (#/stats): the year's key figures, the monthly trend, the
// breakdowns a national report asks for (sex, age band, form of exploitation,
// sex by age band), and a free question (unit, up to three dimensions, a
// filter). Each chart has its table beside it, and downloads: the image
// (PNG), the table (CSV, written here) and the same query as XLSX (written by
// the server). A coordinator (stats.internal) chooses between the internal
// view (exact counts) and the publication view (small counts hidden); an
// analyst sees the publication view only, as the server enforces.
// #/stats/report is the annual report (StatsReport.tsx).
import { useEffect, useState } from 'preact/hooks';
import type { Me } from '../api';
import { ErrorBox, Select } from '../components';
import { useI18n, type I18n } from '../i18n';
import {
  STATS_UNITS,
  StatsCells,
  statsApi,
  statsQueryString,
  yearRange,
  type StatsDate,
  type StatsDimInfo,
  type StatsQuery,
  type StatsResult,
  type StatsUnit,
  type StatsView,
} from '../statsApi';
import { StatsReport } from './StatsReport';
import {
  cellText,
  dimName,
  DisclosureRule,
  StatsCard,
  useStatsQuery,
  useStatsYears,
  valueName,
  yearName,
  type ChartKind,
} from './statsParts';

function readSub(): string {
  const h = location.hash.replace(/^#\/?/, '').split('?')[0];
  const parts = h.split('/').filter(Boolean);
  return parts[0] === 'stats' ? parts.slice(1).join('/') : '';
}

function useSub(): string {
  const [s, setS] = useState<string>(readSub);
  useEffect(() => {
    const on = () => setS(readSub());
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return s;
}

/** #/stats and #/stats/report. */
export function StatsRoute({ me }: { me: Me }) {
  const sub = useSub();
  return sub === 'report' ? <StatsReport me={me} /> : <StatsDashboard me={me} />;
}

// What the dashboard showed, so that coming back from the report finds it again.
const memo: { year: number | null; view: StatsView; date: StatsDate } = { year: null, view: 'internal', date: 'registration' };

export const canInternal = (me: Me) => me.permissions.includes('stats.internal');

function useRun(q: StatsQuery | null) {
  return useStatsQuery(q, statsApi.run, q ? statsQueryString(q) : '');
}

/**
 * Lists every month of the year along case.registration_month, so that the
 * trend shows the months without any case as zero (an absent cell counts
 * zero). The values keep the server's spelling ("2025-03" or "3").
 */
function fillMonths(r: StatsResult, year: number): StatsResult {
  const d = r.dimensions[0];
  if (!d) return r;
  const given = d.values.filter((v) => v.value !== null);
  const short = given.length > 0 && given.every((v) => /^\d{1,2}$/.test(v.value as string));
  const pad = given.some((v) => /^0\d$/.test(v.value as string));
  const months: string[] = [];
  for (let m = 1; m <= 12; m++) {
    const mm = String(m).padStart(2, '0');
    months.push(short ? (pad ? mm : String(m)) : `${year}-${mm}`);
  }
  const known = new Set(months);
  const values = [
    ...months.map((m) => d.values.find((v) => v.value === m) ?? { value: m }),
    ...d.values.filter((v) => v.value === null || !known.has(v.value)),
  ];
  return { ...r, dimensions: [{ ...d, values }] };
}

// ---------------------------------------------------------------- key figures

function KeyFigure(props: { id: string; label: string; hint: string; q: StatsQuery }) {
  const i = useI18n();
  const { result, error } = useRun(props.q);
  const total = result ? new StatsCells(result).total() : null;
  return (
    <div class="stats-kf" data-testid={'stats-kf-' + props.id} data-query={statsQueryString(props.q)}>
      <dt>{props.label}</dt>
      <dd>
        {error ? (
          <span class="field-error">{i.error(error)}</span>
        ) : !total ? (
          <span class="muted">…</span>
        ) : total.kind === 'count' ? (
          <span class="stats-kf-value" data-count={total.count}>
            {cellText(i, total)}
          </span>
        ) : (
          <span class="stats-kf-value stats-supp" data-suppressed="true" title={i.t('stats.suppressed_cell')}>
            {cellText(i, total)}
          </span>
        )}
        <small class="muted stats-kf-hint">{props.hint}</small>
      </dd>
    </div>
  );
}

// ---------------------------------------------------------------- a free question

function Explorer(props: { dims: StatsDimInfo[]; base: Pick<StatsQuery, 'date' | 'from' | 'to' | 'view'>; year: number }) {
  const i = useI18n();
  const [unit, setUnit] = useState<StatsUnit>('persons');
  const [picked, setPicked] = useState<string[]>(['person.citizenship', '', '']);
  const [filterDim, setFilterDim] = useState('');
  const [filterValues, setFilterValues] = useState<string[]>([]);
  const usable = props.dims.filter((d) => d.units.includes(unit));
  const ok = (n: string) => usable.some((d) => d.name === n);
  const dims = picked.filter((n) => n && ok(n)).filter((n, k, all) => all.indexOf(n) === k);
  const filters = filterDim && ok(filterDim) && filterValues.length ? { [filterDim]: filterValues } : {};
  const q: StatsQuery = { unit, dims, filters, ...props.base };
  const { result, error } = useRun(q);

  // The values one may filter on: those the same unit has along that dimension.
  const valuesQ: StatsQuery | null = filterDim && ok(filterDim) ? { unit, dims: [filterDim], ...props.base, from: undefined, to: undefined } : null;
  const values = useRun(valuesQ);

  const dimOptions = (blank: string) => [
    { value: '', label: blank },
    ...usable.map((d) => ({ value: d.name, label: dimName(i, d) })),
  ];
  const setPick = (k: number, v: string) => setPicked((p) => p.map((x, j) => (j === k ? v : x)));
  const multiDims = dims.map((n) => props.dims.find((d) => d.name === n)).filter((d): d is StatsDimInfo => !!d && d.multi);
  const multi = dims.length === 1 && multiDims.length === 1;
  const nValues = result?.dimensions[0]?.values.length ?? 0;
  const kind: ChartKind = dims.length === 2 ? 'stacked' : multi || nValues > 8 ? 'hbar' : 'bar';
  const title = dims.length
    ? i.t('stats.explore_title', { unit: i.t('stats.unit_' + unit), dims: dims.map((n) => dimName(i, props.dims.find((d) => d.name === n) ?? { name: n })).join(i.t('common.list_sep')) })
    : i.t('stats.unit_' + unit);
  return (
    <section class="stats-explore" aria-labelledby="stats-explore-h" data-testid="stats-explore">
      <h2 id="stats-explore-h">{i.t('stats.explore')}</h2>
      <div class="card stats-picker">
        <div class="stats-picker-grid">
          <Select
            label={i.t('stats.unit')}
            name="stats-unit"
            value={unit}
            onChange={(v) => setUnit(v as StatsUnit)}
            options={STATS_UNITS.map((u) => ({ value: u, label: i.t('stats.unit_' + u) }))}
          />
          {[0, 1, 2].map((k) => (
            <Select
              key={k}
              label={i.t('stats.dim_n', { n: k + 1 })}
              name={'stats-dim-' + (k + 1)}
              value={ok(picked[k]) ? picked[k] : ''}
              onChange={(v) => setPick(k, v)}
              options={dimOptions(i.t('stats.dim_none'))}
            />
          ))}
          <Select
            label={i.t('stats.filter')}
            name="stats-filter-dim"
            value={ok(filterDim) ? filterDim : ''}
            onChange={(v) => {
              setFilterDim(v);
              setFilterValues([]);
            }}
            options={dimOptions(i.t('stats.filter_none'))}
          />
        </div>
        {valuesQ && values.result && values.result.dimensions[0] && (
          <fieldset class="field stats-filter-values" data-testid="stats-filter-values">
            <legend>{i.t('stats.filter_values')}</legend>
            <div class="checks">
              {values.result.dimensions[0].values.map((v) => {
                const code = v.value === null ? 'unknown' : v.value;
                return (
                  <label key={code} class="check">
                    <input
                      type="checkbox"
                      name="stats-filter-value"
                      value={code}
                      checked={filterValues.includes(code)}
                      onChange={(e) => {
                        const on = (e.currentTarget as HTMLInputElement).checked;
                        setFilterValues((f) => (on ? [...f, code] : f.filter((x) => x !== code)));
                      }}
                    />
                    <span>{valueName(i, values.result!.dimensions[0], v.value)}</span>
                  </label>
                );
              })}
            </div>
          </fieldset>
        )}
        <ErrorBox error={values.error} />
      </div>
      <StatsCard
        id="explore"
        title={title}
        note={multiDims.length ? multiDims.map((d) => i.t('stats.multi_note_dim', { dim: dimName(i, d) })).join(' ') : undefined}
        query={q}
        result={result}
        error={error}
        kind={kind}
        file={'ihala-' + unit + '-' + (dims.join('-') || 'total') + '-' + props.year}
      />
    </section>
  );
}

// ---------------------------------------------------------------- the dashboard

function StatsDashboard({ me }: { me: Me }) {
  const i = useI18n();
  const internalOk = canInternal(me);
  const now = new Date().getFullYear();
  const [year, setYear] = useState<number>(memo.year ?? now);
  const [view, setView] = useState<StatsView>(internalOk ? memo.view : 'publication');
  const [date, setDate] = useState<StatsDate>(memo.date);
  const [dims, setDims] = useState<StatsDimInfo[] | null>(null);
  const [dimsError, setDimsError] = useState<unknown>(null);
  const years = useStatsYears(internalOk ? 'internal' : 'publication', statsApi.run);

  useEffect(() => {
    memo.year = year;
    memo.view = view;
    memo.date = date;
  }, [year, view, date]);

  useEffect(() => {
    statsApi.dimensions().then(
      (d) => setDims(d.dimensions),
      (e) => setDimsError(e),
    );
  }, []);

  const range = yearRange(year);
  const base = { date, ...range, view };
  const persons = (dims: string[]): StatsQuery => ({ unit: 'persons', dims, ...base });
  const trendQ: StatsQuery = { unit: 'cases', dims: ['case.registration_month'], date: 'registration', ...range, view };
  const trend = useRun(trendQ);
  const gender = useRun(persons(['person.gender']));
  const age = useRun(persons(['person.age_band']));
  const forms = useRun(persons(['victim.exploitation_types']));
  const cross = useRun(persons(['person.age_band', 'person.gender']));
  const threshold = [gender, age, trend].map((s) => s.result?.threshold).find((t) => typeof t === 'number');
  const y = yearName(i, year);
  const file = (what: string) => `ihala-${what}-${year}-${view}`;
  const yearOptions = (years.includes(year) ? years : [year, ...years]).map((n) => ({ value: String(n), label: yearName(i, n) }));

  return (
    <section class="stats" aria-labelledby="stats-title" data-testid="stats-dashboard" data-view={view}>
      <div class="section-head">
        <h1 id="stats-title">{i.t('stats.title')}</h1>
        <a class="btn" href="#/stats/report" data-testid="stats-report-link">
          {i.t('stats.report_link')}
        </a>
      </div>
      <div class="card stats-controls" data-testid="stats-controls">
        <Select label={i.t('stats.year')} name="stats-year" value={String(year)} onChange={(v) => setYear(Number(v))} options={yearOptions} />
        <Select
          label={i.t('stats.date')}
          name="stats-date"
          value={date}
          onChange={(v) => setDate(v as StatsDate)}
          options={[
            { value: 'registration', label: i.t('stats.date_registration') },
            { value: 'identification', label: i.t('stats.date_identification') },
          ]}
        />
        {internalOk ? (
          <Select
            label={i.t('stats.view')}
            name="stats-view"
            value={view}
            onChange={(v) => setView(v as StatsView)}
            options={[
              { value: 'internal', label: i.t('stats.view_internal') },
              { value: 'publication', label: i.t('stats.view_publication') },
            ]}
          />
        ) : (
          <div class="field">
            <span class="stats-label">{i.t('stats.view')}</span>
            <span class="badge badge-on" data-testid="stats-view-fixed">
              {i.t('stats.view_publication')}
            </span>
          </div>
        )}
      </div>
      <DisclosureRule view={view} threshold={threshold} />

      <h2 class="stats-sub">{i.t('stats.key_figures', { year: y })}</h2>
      <dl class="stats-kfs">
        <KeyFigure
          id="persons"
          label={i.t('stats.kf_persons')}
          hint={i.t('stats.kf_persons_hint')}
          q={{ unit: 'persons', dims: [], filters: { 'victim.trafficking_status': ['ActualVictimOfTrafficking'] }, date: 'identification', ...range, view }}
        />
        <KeyFigure id="cases" label={i.t('stats.kf_cases')} hint={i.t('stats.kf_cases_hint')} q={{ unit: 'cases', dims: [], date: 'registration', ...range, view }} />
        <KeyFigure id="referrals" label={i.t('stats.kf_referrals')} hint={i.t('stats.kf_referrals_hint')} q={{ unit: 'referrals', dims: [], ...range, view }} />
        <KeyFigure id="services" label={i.t('stats.kf_services')} hint={i.t('stats.kf_services_hint')} q={{ unit: 'services', dims: [], ...range, view }} />
      </dl>

      <div class="stats-grid">
        <div class="stats-wide">
          <StatsCard
            id="trend"
            title={i.t('stats.chart_trend', { year: y })}
            query={trendQ}
            result={trend.result && fillMonths(trend.result, year)}
            error={trend.error}
            kind="line"
            monthOnly
            file={file('cases-by-month')}
          />
        </div>
        <StatsCard id="gender" title={i.t('stats.chart_gender')} query={persons(['person.gender'])} result={gender.result} error={gender.error} kind="bar" file={file('persons-by-gender')} />
        <StatsCard id="age" title={i.t('stats.chart_age')} query={persons(['person.age_band'])} result={age.result} error={age.error} kind="bar" file={file('persons-by-age')} />
        <div class="stats-wide">
          <StatsCard
            id="gender-age"
            title={i.t('stats.chart_gender_age')}
            query={persons(['person.age_band', 'person.gender'])}
            result={cross.result}
            error={cross.error}
            kind="stacked"
            file={file('persons-by-age-and-gender')}
          />
        </div>
        <div class="stats-wide">
          <StatsCard
            id="forms"
            title={i.t('stats.chart_forms')}
            note={i.t('stats.multi_note')}
            query={persons(['victim.exploitation_types'])}
            result={forms.result}
            error={forms.error}
            kind="hbar"
            file={file('persons-by-form')}
          />
        </div>
      </div>

      <ErrorBox error={dimsError} />
      {dims && <Explorer dims={dims} base={base} year={year} />}
      <DateNote i={i} date={date} />
    </section>
  );
}

function DateNote({ i, date }: { i: I18n; date: StatsDate }) {
  return <p class="muted small">{i.t(date === 'registration' ? 'stats.date_note_registration' : 'stats.date_note_identification')}</p>;
}
