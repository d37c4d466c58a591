// The annual report (#/stats/report): the tables the server assembles for a
// year (identified persons by sex, age band and form of exploitation;
// nationalities; referrals and services; case outcomes, or whatever tables it
// sends), each drawn as a table with its totals, under the disclosure rule of
// the view, stated on the page. Printable: the print style sheet leaves out
// the navigation and the controls and keeps table rows whole across pages.
import { useEffect, useState } from 'preact/hooks';
import type { Me } from '../api';
import { ErrorBox, Select } from '../components';
import { useI18n } from '../i18n';
import { labelOf, saveFile, statsApi, toCsv, type StatsReport as Report, type StatsView } from '../statsApi';
import { DisclosureRule, fileStem, StatsTable, tableCsvRows, useStatsYears, yearName } from './statsParts';

const memo: { year: number | null; view: StatsView } = { year: null, view: 'internal' };

export function StatsReport({ me }: { me: Me }) {
  const i = useI18n();
  const internalOk = me.permissions.includes('stats.internal');
  const now = new Date().getFullYear();
  const [year, setYear] = useState<number>(memo.year ?? now);
  const [view, setView] = useState<StatsView>(internalOk ? memo.view : 'publication');
  const [report, setReport] = useState<Report | null>(null);
  const [error, setError] = useState<unknown>(null);
  const years = useStatsYears(internalOk ? 'internal' : 'publication', statsApi.run);

  useEffect(() => {
    memo.year = year;
    memo.view = view;
    let dead = false;
    setReport(null);
    setError(null);
    statsApi.report(year, view).then(
      (r) => !dead && setReport(r),
      (e) => !dead && setError(e),
    );
    return () => {
      dead = true;
    };
  }, [year, view]);

  const y = yearName(i, year);
  const yearOptions = (years.includes(year) ? years : [year, ...years]).map((n) => ({ value: String(n), label: yearName(i, n) }));
  return (
    <section class="stats-report" aria-labelledby="stats-report-title" data-testid="stats-report" data-view={view} data-year={year}>
      <div class="section-head">
        <h1 id="stats-report-title">{i.t('stats.report_title', { year: y })}</h1>
        <div class="row-actions stats-no-print">
          <a class="btn" href="#/stats" data-testid="stats-back">
            {i.t('stats.back_dashboard')}
          </a>
          <button type="button" class="btn btn-primary" data-testid="stats-print" onClick={() => window.print()} disabled={!report}>
            {i.t('stats.print')}
          </button>
        </div>
      </div>
      <div class="card stats-controls stats-no-print">
        <Select label={i.t('stats.year')} name="stats-year" value={String(year)} onChange={(v) => setYear(Number(v))} options={yearOptions} />
        {internalOk && (
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
        )}
      </div>
      <p class="lead">{i.t('stats.report_intro', { year: y })}</p>
      <DisclosureRule view={view} threshold={report?.threshold ?? report?.tables.find((t) => typeof t.result.threshold === 'number')?.result.threshold} />
      <ErrorBox error={error} />
      {!report && !error && <p class="muted">{i.t('common.loading')}</p>}
      {report && report.tables.length === 0 && <p class="muted">{i.t('stats.report_empty')}</p>}
      {report &&
        report.tables.map((t, k) => {
          const title = labelOf(t.title, i.locale, t.key);
          const id = 'stats-rt-' + k;
          return (
            <section key={t.key} class="stats-report-table" data-testid="stats-report-table" data-key={t.key} data-unit={t.unit} aria-labelledby={id}>
              <div class="stats-report-head">
                <h2 id={id}>
                  <span class="stats-report-n">{i.num(k + 1)}.</span> {title}
                </h2>
                <button
                  type="button"
                  class="btn btn-small stats-no-print"
                  data-testid="stats-dl-csv"
                  onClick={() => saveFile(fileStem(`ihala-report-${year}-${t.key}`) + '.csv', toCsv(tableCsvRows(i, t.result, title)))}
                >
                  {i.t('stats.download_csv')}
                </button>
              </div>
              <p class="muted small">{i.t('stats.report_unit', { unit: i.t('stats.unit_' + t.unit) })}</p>
              <StatsTable result={t.result} caption={title} />
            </section>
          );
        })}
    </section>
  );
}
