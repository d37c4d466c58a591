// The case view's "Screenings" and "Identification" panels: the screenings of
// the person (with a button to screen again), the identification decisions
// (current status, history with superseded ones marked, deadlines with the
// overdue ones in red and the end of the recovery and reflection period),
// and, for those allowed to decide, the form that records a decision.
import { useEffect, useState } from 'preact/hooks';
import { ApiError, type Me } from '../api';
import { LockMark } from '../caseFields';
import { ErrorBox, Notice } from '../components';
import { useI18n } from '../i18n';
import { today } from '../schema';
import {
  DECIDED_BY,
  screeningApi,
  type Decision,
  type Decisions,
  type DecisionStatus,
  type Deadlines,
  knownSets,
  type Screening,
  type SetSummary,
} from '../screeningApi';
import { AssessmentBadge, dayText, daysFromToday, newScreeningHref, screeningHref, setName, word } from './screeningParts';

/** The statuses a decision may move to from the current one (the server checks again). */
export const NEXT_STATUS: Record<string, DecisionStatus[]> = {
  '': ['possible', 'presumed', 'not_a_victim'],
  possible: ['presumed', 'not_a_victim'],
  presumed: ['identified', 'not_a_victim'],
  identified: ['not_a_victim'],
  not_a_victim: ['presumed'],
};

/** The decided-by type that fits an organisation's type (HTCDS vic_TraffickingStatusDecidedBy). */
function decidedByFor(orgType: string | undefined): string {
  switch (orgType) {
    case 'LawEnforcement':
      return 'Police';
    case 'NGO':
      return 'NGO';
    case 'LegalService':
      return 'CourtOrProsecution';
    case 'CentralGovernmentOrganisation':
    case 'LocalGovernmentOrganisation':
    case 'ImmigrationService':
      return 'NonPoliceGovernmentalOrganization';
    default:
      return '';
  }
}

function orgLabel(i: ReturnType<typeof useI18n>, d: Decision): string {
  const first = i.locale === 'ar' ? d.org_name_ar : d.org_name;
  return first || d.org_name || d.org_name_ar || '—';
}

const currentOf = (d: Decisions): Decision | null => {
  if (!d.current) return null;
  if (typeof d.current === 'object') return d.current;
  return d.items.find((x) => x.id === d.current) ?? null;
};

const isSuperseded = (d: Decision) => !!d.superseded;

/** Both panels; onChanged is called after a decision (it changes the case's victim status). */
export function CaseIdentification({ caseRef, me, closed, onChanged }: { caseRef: string; me: Me; closed: boolean; onChanged?: () => void }) {
  const can = (p: string) => me.permissions.includes(p);
  const canScreen = can('screening');
  const [screenings, setScreenings] = useState<Screening[] | null>(null);
  const [sError, setSError] = useState<unknown>(null);
  const [sets, setSets] = useState<SetSummary[]>([]);
  useEffect(() => {
    if (!canScreen) return;
    knownSets().then(setSets, () => undefined); // the keys are shown without the titles
    screeningApi.forCase(caseRef).then(
      (r) => setScreenings(r.items),
      (err) => {
        setSError(err);
        setScreenings([]);
      },
    );
  }, [caseRef, canScreen]);
  return (
    <>
      {canScreen && <ScreeningsPanel caseRef={caseRef} items={screenings} sets={sets} error={sError} closed={closed} />}
      <IdentificationPanel caseRef={caseRef} me={me} screenings={screenings ?? []} canDecide={can('identification.decide') && !closed} onChanged={onChanged} />
    </>
  );
}

function ScreeningsPanel({ caseRef, items, sets, error, closed }: { caseRef: string; items: Screening[] | null; sets: SetSummary[]; error: unknown; closed: boolean }) {
  const i = useI18n();
  return (
    <section class="card" aria-labelledby="screenings-title" data-testid="case-screenings">
      <div class="section-head">
        <h2 id="screenings-title">{i.t('screening.panel_title')}</h2>
        {!closed && (
          <a class="btn btn-small" href={newScreeningHref(caseRef)} data-testid="case-screen-person">
            {i.t('screening.screen_person')}
          </a>
        )}
      </div>
      <ErrorBox error={error} />
      {items === null && !error && <p class="muted">{i.t('common.loading')}</p>}
      {items && items.length === 0 && !error && <p class="muted">{i.t('screening.none_yet')}</p>}
      {items && items.length > 0 && (
        <ul class="screen-list" data-testid="case-screenings-list">
          {items.map((s) => (
            <li key={s.id} class="screen-item" data-testid="case-screening" data-id={s.id} data-assessment={s.assessment}>
              <AssessmentBadge a={s.assessment} />
              <span class="small">{dayText(i, s.created_at)}</span>
              <span class="small muted">{setName(i, sets.find((x) => x.key === s.set), s)}</span>
              <a href={screeningHref(s.id)} class="screen-open" data-testid="case-screening-open">
                {i.t('screening.view')}
              </a>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

const DEADLINES: (keyof Deadlines)[] = ['clock_start', 'reasonable_grounds_due', 'conclusive_due', 'reflection_ends'];

function isOverdue(dl: Deadlines, key: string): boolean {
  const list = dl.overdue ?? [];
  const base = key.replace(/_(due|ends)$/, '');
  return list.some((x) => x === key || x === base || x === base + '_overdue');
}

function IdentificationPanel(props: { caseRef: string; me: Me; screenings: Screening[]; canDecide: boolean; onChanged?: () => void }) {
  const { caseRef, me, screenings, canDecide } = props;
  const i = useI18n();
  const [data, setData] = useState<Decisions | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [deciding, setDeciding] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);

  const load = () => {
    setError(null);
    screeningApi.decisions(caseRef).then(setData, (err) => {
      setError(err);
      setData((d) => d ?? { items: [], current: null });
    });
  };
  useEffect(load, [caseRef]);

  if (!data) {
    return (
      <section class="card" aria-labelledby="ident-title" data-testid="case-identification">
        <h2 id="ident-title">{i.t('ident.title')}</h2>
        <p class="muted">{i.t('common.loading')}</p>
      </section>
    );
  }
  const current = currentOf(data);
  const dl = data.deadlines ?? {};
  const history = data.items; // newest first
  const next = NEXT_STATUS[current?.status ?? ''] ?? [];
  const shownDeadlines = DEADLINES.filter((k) => typeof dl[k] === 'string' && dl[k]);
  const sname = (id: string) => {
    const s = screenings.find((x) => x.id === id);
    return s ? word(i, 'screening.assessment.', s.assessment) + ' · ' + dayText(i, s.created_at) : id.slice(0, 8);
  };

  return (
    <section class="card" aria-labelledby="ident-title" data-testid="case-identification">
      <div class="section-head">
        <h2 id="ident-title">{i.t('ident.title')}</h2>
        {canDecide && !deciding && next.length > 0 && (
          <button type="button" class="btn btn-small btn-primary" data-testid="decision-new" onClick={() => setDeciding(true)}>
            {i.t('ident.record')}
          </button>
        )}
      </div>
      {notice && <Notice>{notice}</Notice>}
      <ErrorBox error={error} />
      <p class="ident-current">
        <span class="muted">{i.t('ident.current')}</span>{' '}
        <span class={'badge ' + (current ? 'badge-status-' + current.status : '')} data-testid="ident-current" data-status={current?.status ?? ''}>
          {current ? word(i, 'ident.status.', current.status) : i.t('ident.none')}
        </span>
      </p>
      {shownDeadlines.length > 0 && (
        <dl class="deadlines" data-testid="ident-deadlines">
          {shownDeadlines.map((k) => {
            const v = dl[k] as string;
            const late = k !== 'clock_start' && isOverdue(dl, k);
            const d = daysFromToday(v);
            return (
              <div key={k} class={'deadline' + (late ? ' overdue' : '')} data-testid={'deadline-' + k} data-date={v} data-overdue={late ? 'true' : 'false'}>
                <dt>{i.t('ident.deadline.' + k)}</dt>
                <dd>
                  {dayText(i, v)}
                  {late && d !== null && <span class="overdue-note"> · {i.t('worklist.overdue_by', { n: Math.abs(d) })}</span>}
                  {late && d === null && <span class="overdue-note"> · {i.t('ident.overdue')}</span>}
                </dd>
              </div>
            );
          })}
        </dl>
      )}
      {history.length === 0 && <p class="muted">{i.t('ident.no_decisions')}</p>}
      {history.length > 0 && (
        <>
          <h3 class="sub-title">{i.t('ident.history')}</h3>
          <ol class="decisions" data-testid="decision-history">
            {history.map((d) => (
              <li key={d.id} class={'decision' + (isSuperseded(d) ? ' superseded' : '')} data-testid="decision" data-id={d.id} data-status={d.status} data-superseded={isSuperseded(d) ? 'true' : 'false'}>
                <div class="decision-head">
                  <span class="strong">{word(i, 'ident.status.', d.status)}</span>
                  <span class="small">{dayText(i, d.date)}</span>
                  {isSuperseded(d) && <span class="badge badge-off" data-testid="decision-superseded">{i.t('ident.superseded')}</span>}
                </div>
                <div class="small muted">
                  <bdi>{orgLabel(i, d)}</bdi>
                  {d.decided_by_type && <> · {word(i, 'ident.by.', d.decided_by_type)}</>}
                  {d.recorded_at !== undefined && <> · {i.t('ident.recorded', { when: dayText(i, d.recorded_at) })}</>}
                  {d.recorded_by_name && (
                    <>
                      {' · '}
                      <bdi>{d.recorded_by_name}</bdi>
                    </>
                  )}
                </div>
                {d.reasons && (
                  <p class="decision-reasons prewrap" dir="auto">
                    {d.reasons}
                  </p>
                )}
                {(d.screenings ?? []).length > 0 && (
                  <p class="small">
                    {i.t('ident.relied_on')}{' '}
                    {(d.screenings ?? []).map((id, k) => (
                      <span key={id}>
                        {k > 0 && i.t('common.list_sep')}
                        <a href={screeningHref(id)}>{sname(id)}</a>
                      </span>
                    ))}
                  </p>
                )}
              </li>
            ))}
          </ol>
        </>
      )}
      {deciding && (
        <DecisionForm
          caseRef={caseRef}
          me={me}
          current={current}
          next={next}
          screenings={screenings}
          onCancel={() => setDeciding(false)}
          onDone={(d) => {
            setDeciding(false);
            setNotice(i.t('ident.recorded_ok', { status: word(i, 'ident.status.', d.status) }));
            load();
            props.onChanged?.();
          }}
          onStale={load}
        />
      )}
    </section>
  );
}

function DecisionForm(p: {
  caseRef: string;
  me: Me;
  current: Decision | null;
  next: DecisionStatus[];
  screenings: Screening[];
  onCancel: () => void;
  onDone: (d: Decision) => void;
  onStale: () => void;
}) {
  const i = useI18n();
  const [status, setStatus] = useState<DecisionStatus | ''>(p.next.length === 1 ? p.next[0] : '');
  const [date, setDate] = useState(today());
  const [reasons, setReasons] = useState('');
  const [by, setBy] = useState(() => decidedByFor(p.me.org?.type));
  const [relied, setRelied] = useState<string[]>([]);
  const [missing, setMissing] = useState<Record<string, boolean>>({});
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    if (busy) return;
    const miss: Record<string, boolean> = {};
    if (!status) miss.status = true;
    if (!date) miss.date = true;
    if (!reasons.trim() && status !== 'possible') miss.reasons = true;
    setMissing(miss);
    if (Object.keys(miss).length || !status) return;
    setBusy(true);
    setError(null);
    try {
      const d = await screeningApi.decide(p.caseRef, {
        status,
        date,
        ...(reasons.trim() ? { reasons: reasons.trim() } : {}),
        ...(by ? { decided_by_type: by } : {}),
        ...(relied.length ? { screenings: relied } : {}),
        ...(p.current ? { supersedes: p.current.id } : {}),
      });
      p.onDone(d);
    } catch (err) {
      setError(err);
      if (err instanceof ApiError && (err.code === 'stale_decision' || err.code === 'illegal_transition')) p.onStale();
    } finally {
      setBusy(false);
    }
  };

  const err = (f: string) => (missing[f] ? i.t('field.missing_field') : i.fieldError(error, f));

  return (
    <form class="sub-form" onSubmit={submit} noValidate data-testid="decision-form">
      <fieldset class={'field' + (err('status') ? ' has-error' : '')} data-field="status">
        <legend>{i.t('ident.status')}</legend>
        <div class="checks checks-col">
          {p.next.map((s) => (
            <label key={s} class="check">
              <input
                type="radio"
                name="decision_status"
                value={s}
                checked={status === s}
                data-testid={'decision-status-' + s}
                onChange={() => {
                  setStatus(s);
                  setMissing((m) => ({ ...m, status: false }));
                }}
              />
              <span>
                {word(i, 'ident.status.', s)}
                <small class="hint block">{i.t('ident.status_hint.' + s)}</small>
              </span>
            </label>
          ))}
        </div>
        {err('status') && <small class="field-error">{err('status')}</small>}
      </fieldset>
      <div class="grid2">
        <div class={'field' + (err('date') ? ' has-error' : '')}>
          <label for="decision-date">{i.t('ident.date')}</label>
          <input id="decision-date" type="date" name="decision_date" value={date} max={today()} onInput={(e) => setDate((e.currentTarget as HTMLInputElement).value)} aria-invalid={err('date') ? 'true' : undefined} />
          {err('date') && <small class="field-error">{err('date')}</small>}
        </div>
        <div class={'field' + (err('decided_by_type') ? ' has-error' : '')}>
          <label for="decision-by">{i.t('ident.decided_by')}</label>
          <select id="decision-by" name="decided_by_type" value={by} onChange={(e) => setBy((e.currentTarget as HTMLSelectElement).value)}>
            <option value="">{i.t('cases.choose')}</option>
            {DECIDED_BY.map((b) => (
              <option key={b} value={b}>
                {i.t('ident.by.' + b)}
              </option>
            ))}
          </select>
          {err('decided_by_type') && <small class="field-error">{err('decided_by_type')}</small>}
        </div>
      </div>
      <div class={'field' + (err('reasons') ? ' has-error' : '')}>
        <label for="decision-reasons">
          <span>{i.t('ident.reasons')}</span>
          {status !== 'possible' && (
            <span class="req" aria-hidden="true">
              *
            </span>
          )}
          <LockMark />
        </label>
        <textarea
          id="decision-reasons"
          name="reasons"
          dir="auto"
          rows={4}
          maxLength={10000}
          value={reasons}
          aria-invalid={err('reasons') ? 'true' : undefined}
          onInput={(e) => {
            setReasons((e.currentTarget as HTMLTextAreaElement).value);
            setMissing((m) => ({ ...m, reasons: false }));
          }}
        />
        <small class={err('reasons') ? 'field-error' : 'hint'}>{err('reasons') || i.t('ident.reasons_hint')}</small>
      </div>
      {p.screenings.length > 0 && (
        <fieldset class="field" data-field="screenings">
          <legend>{i.t('ident.screenings')}</legend>
          <div class="checks checks-col">
            {p.screenings.map((s) => (
              <label key={s.id} class="check">
                <input
                  type="checkbox"
                  name="screenings"
                  value={s.id}
                  data-testid="decision-screening"
                  checked={relied.includes(s.id)}
                  onChange={(e) => {
                    const on = (e.currentTarget as HTMLInputElement).checked;
                    setRelied((l) => (on ? [...l.filter((x) => x !== s.id), s.id] : l.filter((x) => x !== s.id)));
                  }}
                />
                <span>
                  {word(i, 'screening.assessment.', s.assessment)} · {dayText(i, s.created_at)}
                </span>
              </label>
            ))}
          </div>
          {i.fieldError(error, 'screenings') && <small class="field-error">{i.fieldError(error, 'screenings')}</small>}
        </fieldset>
      )}
      <ErrorBox error={error} />
      <div class="actions">
        <button type="submit" class="btn btn-primary" data-testid="decision-save" disabled={busy}>
          {busy ? i.t('common.working') : i.t('ident.save')}
        </button>
        <button type="button" class="btn" data-testid="decision-cancel" onClick={p.onCancel}>
          {i.t('common.cancel')}
        </button>
      </div>
    </form>
  );
}
