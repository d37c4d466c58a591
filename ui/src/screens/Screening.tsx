// Screening a person against indicators, in three steps: who (age, form of
// exploitation, context, optionally the case), the questions grouped by
// dimension (yes / no / don't know; unanswered counts as don't know), and the
// result that says why. From a likely-victim (or unsettled) result, one
// action creates the case or attaches the screening to one.
//   #/screening            a new screening
//   #/screening?case=REF   a new screening of the person of case REF
//   #/screening/ID         a recorded screening
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, type Me, type Values } from '../api';
import { LockMark, RegField, type FormValue } from '../caseFields';
import { ErrorBox } from '../components';
import { useI18n } from '../i18n';
import { entity, lbl, loadSchema, today, type FieldDef, type Schema } from '../schema';
import {
  CONTEXTS,
  knownSets,
  screeningApi,
  setKeyFor,
  URGENT_NEEDS,
  type Age,
  type Answer,
  type Exploitation,
  type IndicatorSet,
  type Screening,
  type SetSummary,
} from '../screeningApi';
import { caseHref, goCases, setFlash } from './Cases';
import { dayText, DimBadge, screeningHref, setName, word } from './screeningParts';

interface Where {
  id: string | null;
  caseRef: string;
}

function readWhere(): Where {
  const h = location.hash.replace(/^#\/?/, '');
  const [path, query = ''] = h.split('?');
  const parts = path.split('/').filter(Boolean);
  let id: string | null = null;
  if (parts[0] === 'screening' && parts[1]) {
    try {
      id = decodeURIComponent(parts[1]);
    } catch {
      id = parts[1];
    }
  }
  return { id, caseRef: new URLSearchParams(query).get('case') ?? '' };
}

function useWhere(): Where {
  const [w, setW] = useState<Where>(readWhere);
  useEffect(() => {
    const on = () => setW(readWhere());
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return w;
}

// The result just computed, handed to the result screen so that it need not
// fetch it again (memory only: notes and answers never go into the address).
let justDone: { screening: Screening; set: IndicatorSet } | null = null;

/** Forgets the last result (signing out). */
export function forgetScreening(): void {
  justDone = null;
}

export function ScreeningRoute({ me }: { me: Me }) {
  const w = useWhere();
  if (w.id) return <ScreeningView key={w.id} id={w.id} me={me} />;
  return <NewScreening key={w.caseRef} caseRef={w.caseRef} canCase={me.permissions.includes('case.write')} />;
}

// ---------------------------------------------------------------- step 1 and 2

/** Three large buttons in a row; the chosen one is pressed. */
function Choices<T extends string>(p: { name: string; value: T | ''; options: { value: T; label: string; hint?: string }[]; onChange: (v: T) => void; labelledBy: string }) {
  return (
    <div class="choice-row" role="radiogroup" aria-labelledby={p.labelledBy} data-testid={'choice-' + p.name}>
      {p.options.map((o) => (
        <button
          key={o.value}
          type="button"
          role="radio"
          aria-checked={p.value === o.value ? 'true' : 'false'}
          class={'choice' + (p.value === o.value ? ' on' : '')}
          data-testid={p.name + '-' + o.value}
          data-value={o.value}
          onClick={() => p.onChange(o.value)}
        >
          <span class="choice-label">{o.label}</span>
          {o.hint && <span class="choice-hint">{o.hint}</span>}
        </button>
      ))}
    </div>
  );
}

function NewScreening({ caseRef, canCase }: { caseRef: string; canCase: boolean }) {
  const i = useI18n();
  const [step, setStep] = useState<'start' | 'questions'>('start');
  const [sets, setSets] = useState<SetSummary[] | null>(null);
  const [age, setAge] = useState<Age | ''>('');
  const [exploitation, setExploitation] = useState<Exploitation | ''>('');
  const [context, setContext] = useState('');
  const [ref, setRef] = useState(caseRef);
  const [set, setSet] = useState<IndicatorSet | null>(null);
  const [answers, setAnswers] = useState<Record<string, Answer>>({});
  const [notes, setNotes] = useState('');
  const [missing, setMissing] = useState<Record<string, boolean>>({});
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const top = useRef<HTMLDivElement>(null);

  useEffect(() => {
    knownSets().then(
      setSets,
      (err) => {
        setError(err);
        setSets([]);
      },
    );
  }, []);

  const mayBeChild = age === 'child' || age === 'unknown';

  /** The list for the answers given: the standard key first, else any of the population and form. */
  const pick = (): SetSummary | null => {
    if (!sets || !age || !exploitation) return null;
    const key = setKeyFor(age, exploitation);
    const population = age === 'adult' ? 'adult' : 'child';
    return sets.find((s) => s.key === key) ?? sets.find((s) => s.population === population && s.exploitation === exploitation) ?? null;
  };

  const begin = async (e: Event) => {
    e.preventDefault();
    const miss: Record<string, boolean> = {};
    if (!age) miss.age = true;
    if (!exploitation) miss.exploitation = true;
    setMissing(miss);
    if (Object.keys(miss).length) return;
    const chosen = pick();
    if (!chosen) {
      setError(new ApiError(404, 'no_set', ''));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const full = await screeningApi.set(chosen.key);
      setSet(full);
      if (!set || set.key !== full.key) setAnswers({});
      setStep('questions');
      top.current?.scrollIntoView({ block: 'start' });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const submit = async (e: Event) => {
    e.preventDefault();
    if (!set || busy) return;
    const all: Record<string, Answer> = {};
    for (const ind of set.indicators) all[ind.id] = answers[ind.id] ?? 'unknown';
    setBusy(true);
    setError(null);
    try {
      const s = await screeningApi.screen({
        set: set.key,
        answers: all,
        ...(ref.trim() ? { case: ref.trim() } : {}),
        ...(age ? { age } : {}),
        ...(context ? { context } : {}),
        ...(notes.trim() ? { notes } : {}),
      });
      justDone = { screening: { ...s, notes: notes.trim() ? notes : null, context: context || null }, set };
      location.hash = screeningHref(s.id);
    } catch (err) {
      setError(err);
      if (err instanceof ApiError && (err.fields.case || err.fields.set || err.fields.age)) setStep('start');
    } finally {
      setBusy(false);
    }
  };

  if (step === 'start' || !set) {
    const fieldErr = (f: string) => i.fieldError(error, f);
    return (
      <section aria-labelledby="screen-title" data-testid="screening-start" ref={top}>
        <h1 id="screen-title">{i.t('screening.title')}</h1>
        <p class="lead">{i.t('screening.intro')}</p>
        <p class="hint">{i.t('screening.anonymous_hint')}</p>
        <form onSubmit={begin} noValidate class="card">
          <div class={'field' + (missing.age || fieldErr('age') ? ' has-error' : '')}>
            <span class="field-title" id="age-label">
              {i.t('screening.age')}
            </span>
            <Choices
              name="age"
              labelledBy="age-label"
              value={age}
              onChange={(v) => {
                setAge(v);
                setMissing((m) => ({ ...m, age: false }));
              }}
              options={[
                { value: 'adult', label: i.t('screening.age.adult'), hint: i.t('screening.age.adult_hint') },
                { value: 'child', label: i.t('screening.age.child'), hint: i.t('screening.age.child_hint') },
                { value: 'unknown', label: i.t('screening.age.unknown'), hint: i.t('screening.age.unknown_hint') },
              ]}
            />
            {missing.age && <small class="field-error">{i.t('screening.choose_one')}</small>}
            {fieldErr('age') && <small class="field-error">{fieldErr('age')}</small>}
          </div>
          {mayBeChild && (
            <p class="alert alert-child" role="note" data-testid="child-notice">
              {i.t('screening.child_notice')}
            </p>
          )}
          <div class={'field' + (missing.exploitation || fieldErr('set') ? ' has-error' : '')}>
            <span class="field-title" id="expl-label">
              {i.t('screening.exploitation')}
            </span>
            <Choices
              name="exploitation"
              labelledBy="expl-label"
              value={exploitation}
              onChange={(v) => {
                setExploitation(v);
                setMissing((m) => ({ ...m, exploitation: false }));
              }}
              options={[
                { value: 'labour', label: i.t('screening.exploitation.labour'), hint: i.t('screening.exploitation.labour_hint') },
                { value: 'sexual', label: i.t('screening.exploitation.sexual'), hint: i.t('screening.exploitation.sexual_hint') },
              ]}
            />
            {missing.exploitation && <small class="field-error">{i.t('screening.choose_one')}</small>}
            {fieldErr('set') && <small class="field-error">{fieldErr('set')}</small>}
          </div>
          <div class="grid2">
            <div class={'field' + (fieldErr('context') ? ' has-error' : '')}>
              <label for="screen-context">{i.t('screening.context')}</label>
              <select id="screen-context" name="context" value={context} onChange={(e) => setContext((e.currentTarget as HTMLSelectElement).value)}>
                <option value="">{i.t('cases.choose')}</option>
                {CONTEXTS.map((c) => (
                  <option key={c} value={c}>
                    {i.t('screening.context.' + c)}
                  </option>
                ))}
              </select>
              {fieldErr('context') && <small class="field-error">{fieldErr('context')}</small>}
            </div>
            {(canCase || caseRef) && (
              <div class={'field' + (fieldErr('case') ? ' has-error' : '')}>
                <label for="screen-case">{i.t('screening.case_ref')}</label>
                <input
                  id="screen-case"
                  type="text"
                  name="case"
                  dir="ltr"
                  autocomplete="off"
                  maxLength={64}
                  value={ref}
                  aria-invalid={fieldErr('case') ? 'true' : undefined}
                  onInput={(e) => setRef((e.currentTarget as HTMLInputElement).value)}
                />
                <small class={fieldErr('case') ? 'field-error' : 'hint'}>{fieldErr('case') || i.t('screening.case_ref_hint')}</small>
              </div>
            )}
          </div>
          {error !== null && !(error instanceof ApiError && error.code === 'no_set') && <ErrorBox error={error} />}
          {error instanceof ApiError && error.code === 'no_set' && (
            <p class="alert alert-error" role="alert" data-testid="error">
              {i.t('screening.no_set')}
            </p>
          )}
          <div class="actions">
            <button type="submit" class="btn btn-primary btn-big" data-testid="screen-begin" disabled={busy || sets === null}>
              {busy ? i.t('common.working') : i.t('screening.begin')}
            </button>
            {caseRef && (
              <a class="btn" href={caseHref(caseRef)} data-testid="screen-back-case">
                {i.t('screening.back_to_case')}
              </a>
            )}
          </div>
        </form>
      </section>
    );
  }

  return <Questions set={set} answers={answers} setAnswers={setAnswers} notes={notes} setNotes={setNotes} caseRef={ref.trim()} mayBeChild={mayBeChild} busy={busy} error={error} onBack={() => setStep('start')} onSubmit={submit} />;
}

function Questions(p: {
  set: IndicatorSet;
  answers: Record<string, Answer>;
  setAnswers: (f: (a: Record<string, Answer>) => Record<string, Answer>) => void;
  notes: string;
  setNotes: (s: string) => void;
  caseRef: string;
  mayBeChild: boolean;
  busy: boolean;
  error: unknown;
  onBack: () => void;
  onSubmit: (e: Event) => void;
}) {
  const i = useI18n();
  const { set, answers } = p;
  const dims = set.dimensions.filter((d) => set.indicators.some((x) => x.dimension === d.key));
  const answered = set.indicators.filter((x) => answers[x.id]).length;
  const opts: { value: Answer; key: string }[] = [
    { value: 'yes', key: 'screening.answer.yes' },
    { value: 'no', key: 'screening.answer.no' },
    { value: 'unknown', key: 'screening.answer.unknown' },
  ];
  useEffect(() => {
    document.getElementById('questions-title')?.scrollIntoView({ block: 'start' });
  }, []);
  return (
    <form onSubmit={p.onSubmit} noValidate data-testid="screening-questions" data-set={set.key} data-version={set.version}>
      <h1 id="questions-title">{i.t('screening.questions_title')}</h1>
      <p class="lead">
        <span data-testid="set-name">{setName(i, set)}</span>
        {p.caseRef && (
          <>
            {' · '}
            {i.t('screening.for_case')} <bdi dir="ltr">{p.caseRef}</bdi>
          </>
        )}
      </p>
      {p.mayBeChild && (
        <p class="alert alert-child" role="note" data-testid="child-notice">
          {i.t('screening.child_notice')}
        </p>
      )}
      <p class="hint">{i.t('screening.answer_hint')}</p>
      <div class="progress-line" data-testid="progress" aria-live="polite">
        <span>{i.t('screening.progress', { n: answered, total: set.indicators.length })}</span>
        <progress max={set.indicators.length} value={answered} aria-hidden="true" />
      </div>
      {dims.map((d) => {
        const list = set.indicators.filter((x) => x.dimension === d.key);
        const done = list.filter((x) => answers[x.id]).length;
        return (
          <section key={d.key} class="card dim-card" aria-labelledby={'dim-' + d.key} data-testid="dimension-section" data-dimension={d.key}>
            <div class="dim-head">
              <h2 id={'dim-' + d.key}>{lbl(i, d.title)}</h2>
              <span class={'badge' + (done === list.length ? ' badge-on' : '')} data-testid="dimension-progress">
                {i.t('screening.dim_progress', { n: done, total: list.length })}
              </span>
            </div>
            <ol class="questions">
              {list.map((x) => (
                <li key={x.id} class="question" data-testid="question" data-id={x.id} data-grade={x.grade} data-answer={answers[x.id] ?? ''}>
                  <p class="question-text" id={'q-' + x.id}>
                    {lbl(i, x.text)}
                  </p>
                  <span class={'grade grade-' + x.grade}>{i.t('screening.grade.' + x.grade)}</span>
                  <div class="answer-row" role="radiogroup" aria-labelledby={'q-' + x.id}>
                    {opts.map((o) => {
                      const on = answers[x.id] === o.value;
                      return (
                        <button
                          key={o.value}
                          type="button"
                          role="radio"
                          aria-checked={on ? 'true' : 'false'}
                          class={'answer answer-' + o.value + (on ? ' on' : '')}
                          data-testid={'answer-' + o.value}
                          onClick={() => p.setAnswers((a) => ({ ...a, [x.id]: o.value }))}
                        >
                          {i.t(o.key)}
                        </button>
                      );
                    })}
                  </div>
                </li>
              ))}
            </ol>
          </section>
        );
      })}
      <section class="card" aria-labelledby="notes-label">
        <div class="field">
          <label for="screen-notes" id="notes-label">
            <span>{i.t('screening.notes')}</span>
            <LockMark />
          </label>
          <textarea id="screen-notes" name="notes" dir="auto" rows={4} maxLength={4000} value={p.notes} onInput={(e) => p.setNotes((e.currentTarget as HTMLTextAreaElement).value)} />
          <small class="hint">{i.t('screening.notes_hint')}</small>
        </div>
      </section>
      <ErrorBox error={p.error} />
      <div class="actions sticky-actions">
        <button type="submit" class="btn btn-primary btn-big" data-testid="screen-submit" disabled={p.busy}>
          {p.busy ? i.t('common.working') : i.t('screening.see_result')}
        </button>
        <button type="button" class="btn" data-testid="screen-back" onClick={p.onBack}>
          {i.t('common.back')}
        </button>
      </div>
    </form>
  );
}

// ---------------------------------------------------------------- step 3

function ScreeningView({ id, me }: { id: string; me: Me }) {
  const i = useI18n();
  // the result just computed is shown once from memory; later visits fetch it (it may have been attached since)
  const [data, setData] = useState<{ screening: Screening; set: IndicatorSet | null } | null>(() => {
    const d = justDone && justDone.screening.id === id ? justDone : null;
    justDone = null;
    return d;
  });
  const [error, setError] = useState<unknown>(null);
  const fresh = useRef(!!data);
  useEffect(() => {
    if (data) return;
    let gone = false;
    screeningApi.get(id).then(
      async (s) => {
        let set: IndicatorSet | null = null;
        try {
          set = await screeningApi.set(s.set);
        } catch {
          set = null; // the texts are missing then; the ids still say which indicators
        }
        if (!gone) setData({ screening: s, set });
      },
      (err) => !gone && setError(err),
    );
    return () => {
      gone = true;
    };
  }, [id]);
  if (error) return <ErrorBox error={error} />;
  if (!data) return <p class="muted">{i.t('common.loading')}</p>;
  return <Result screening={data.screening} set={data.set} me={me} fresh={fresh.current} />;
}

function Result({ screening: s, set, me, fresh }: { screening: Screening; set: IndicatorSet | null; me: Me; fresh: boolean }) {
  const i = useI18n();
  const [action, setAction] = useState<'create' | 'attach' | null>(null);
  const canCase = me.permissions.includes('case.write');
  const text = (id: string) => {
    const ind = set?.indicators.find((x) => x.id === id);
    return ind ? lbl(i, ind.text) : id;
  };
  const dimTitle = (key: string) => {
    const d = set?.dimensions.find((x) => x.key === key);
    return d ? lbl(i, d.title) : word(i, 'screening.dimension.', key);
  };
  const open = s.assessment === 'likely_victim' || s.assessment === 'insufficient_information';
  const unknownCount = s.dimensions.reduce((n, d) => n + (d.unknown_indicators?.length ?? 0), 0);
  return (
    <section aria-labelledby="result-title" data-testid="screening-result" data-id={s.id} data-assessment={s.assessment}>
      <p class="crumbs">
        {s.case ? (
          <a href={caseHref(s.case)} data-testid="result-case-link">
            {i.t('screening.back_to_case')} <bdi dir="ltr">{s.case}</bdi>
          </a>
        ) : (
          <a href="#/screening" data-testid="screen-again">
            {i.t('screening.new')}
          </a>
        )}
      </p>
      <h1 id="result-title">{i.t('screening.result_title')}</h1>
      <div class={'verdict verdict-' + s.assessment} data-testid="assessment" data-assessment={s.assessment}>
        <p class="verdict-words">{word(i, 'screening.assessment.', s.assessment)}</p>
        <p class="verdict-why">{word(i, 'screening.assessment_why.', s.assessment)}</p>
        {s.assessment === 'insufficient_information' && unknownCount > 0 && <p class="verdict-why">{i.t('screening.unknown_count', { n: unknownCount })}</p>}
      </div>
      {s.child_protection && (
        <p class="alert alert-child" role="note" data-testid="child-protection">
          {i.t('screening.child_protection')}
        </p>
      )}
      <dl class="facts facts-compact">
        <div>
          <dt>{i.t('screening.set')}</dt>
          <dd data-testid="result-set">{setName(i, set, s)}</dd>
        </div>
        <div>
          <dt>{i.t('screening.date')}</dt>
          <dd>{dayText(i, s.created_at)}</dd>
        </div>
        {s.context && (
          <div>
            <dt>{i.t('screening.context')}</dt>
            <dd>{word(i, 'screening.context.', s.context)}</dd>
          </div>
        )}
        {s.case && (
          <div>
            <dt>{i.t('screening.case')}</dt>
            <dd>
              <a href={caseHref(s.case)}>
                <bdi dir="ltr">{s.case}</bdi>
              </a>
            </dd>
          </div>
        )}
      </dl>
      <section class="card" aria-labelledby="dims-title">
        <h2 id="dims-title">{i.t('screening.dimensions')}</h2>
        <p class="hint">{i.t('screening.dimensions_hint')}</p>
        <ul class="dim-results">
          {s.dimensions.map((d) => (
            <li key={d.key} class={'dim-result dim-' + d.result} data-testid="dimension" data-dimension={d.key} data-result={d.result}>
              <div class="dim-head">
                <h3>{dimTitle(d.key)}</h3>
                <DimBadge r={d.result} />
              </div>
              {d.indicators.length > 0 ? (
                <>
                  <p class="small muted">{i.t(d.result === 'present' ? 'screening.carried_by' : 'screening.yes_answers')}</p>
                  <ul class="ind-list" data-testid="dimension-yes">
                    {d.indicators.map((id) => (
                      <li key={id} data-id={id}>
                        {text(id)}
                        {set && <span class="grade">{word(i, 'screening.grade.', set.indicators.find((x) => x.id === id)?.grade)}</span>}
                      </li>
                    ))}
                  </ul>
                </>
              ) : (
                <p class="small muted">{i.t('screening.no_yes')}</p>
              )}
              {d.unknown_indicators.length > 0 && (
                <details class="could-change" open={d.result === 'unknown'} data-testid="dimension-unknown">
                  <summary>{i.t('screening.could_change', { n: d.unknown_indicators.length })}</summary>
                  <ul class="ind-list">
                    {d.unknown_indicators.map((id) => (
                      <li key={id} data-id={id}>
                        {text(id)}
                      </li>
                    ))}
                  </ul>
                </details>
              )}
            </li>
          ))}
        </ul>
      </section>
      {s.next_steps.length > 0 && (
        <section class="card" aria-labelledby="next-title">
          <h2 id="next-title">{i.t('screening.next_steps')}</h2>
          <ol class="next-steps" data-testid="next-steps">
            {s.next_steps.map((n) => (
              <li key={n} data-step={n}>
                {word(i, 'screening.next.', n)}
              </li>
            ))}
          </ol>
        </section>
      )}
      {s.notes && (
        <section class="card" aria-labelledby="notes-title">
          <h2 id="notes-title">
            {i.t('screening.notes')} <LockMark />
          </h2>
          <p class="prewrap" dir="auto">
            {s.notes}
          </p>
        </section>
      )}
      {open && !s.case && canCase && (
        <section class="card" aria-labelledby="act-title" data-testid="result-actions">
          <h2 id="act-title">{i.t('screening.act_title')}</h2>
          {fresh && <p class="hint">{i.t('screening.act_hint')}</p>}
          {!action && (
            <div class="actions">
              <button type="button" class="btn btn-primary btn-big" data-testid="result-create-case" onClick={() => setAction('create')}>
                {i.t('screening.create_case')}
              </button>
              <button type="button" class="btn btn-big" data-testid="result-attach-case" onClick={() => setAction('attach')}>
                {i.t('screening.attach_case')}
              </button>
            </div>
          )}
          {action && <CaseFromResult s={s} mode={action} onCancel={() => setAction(null)} />}
        </section>
      )}
    </section>
  );
}

const isField = (f: FieldDef | undefined): f is FieldDef => !!f;
const SHORT_FIELDS = ['given_name', 'given_name_latin', 'family_name', 'family_name_latin', 'gender', 'citizenship'];

/** The short form: a new case (names in both scripts, sex, citizenship) or an existing reference, and the urgent needs. */
function CaseFromResult({ s, mode, onCancel }: { s: Screening; mode: 'create' | 'attach'; onCancel: () => void }) {
  const i = useI18n();
  const [schema, setSchema] = useState<Schema | null>(null);
  const [person, setPerson] = useState<Record<string, FormValue>>({});
  const [purpose, setPurpose] = useState('ProtectionAndAssistance');
  const [ref, setRef] = useState('');
  const [needs, setNeeds] = useState<string[]>(() => (s.child_protection ? ['ChildProtection'] : []));
  const [error, setError] = useState<unknown>(null);
  const [missing, setMissing] = useState(false);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    loadSchema().then(setSchema, (err) => mode === 'create' && setError(err));
  }, [mode]);

  const personEnt = schema ? entity(schema, 'person') : undefined;
  const caseEnt = schema ? entity(schema, 'case') : undefined;
  const fieldOf = (k: string) => personEnt?.fields.find((f) => f.key === k);
  const fields = SHORT_FIELDS.map(fieldOf).filter(isField);
  const purposeField = caseEnt?.fields.find((f) => f.key === 'purpose');
  // the registry's words for the needs, when it has the field (else ours)
  const needsField = schema ? entity(schema, 'victim')?.fields.find((f) => f.key === 'urgent_needs') : undefined;
  const needLabel = (n: string) => {
    const c = needsField?.choices?.find((x) => x.value === n);
    return c ? lbl(i, c.label) : i.t('screening.need.' + n);
  };

  const fieldErr = (k: string) => {
    const code = error instanceof ApiError ? error.fields[k] ?? error.fields['person.' + k] ?? error.fields['case.person.' + k] : undefined;
    if (!code) return null;
    return i.has('field.' + code) ? i.t('field.' + code) : i.has('error.' + code) ? i.t('error.' + code) : code;
  };

  const submit = async (e: Event) => {
    e.preventDefault();
    if (busy) return;
    if (mode === 'attach' && !ref.trim()) {
      setMissing(true);
      return;
    }
    setBusy(true);
    setError(null);
    try {
      let body;
      if (mode === 'create') {
        const p: Values = {};
        for (const f of fields) {
          const v = person[f.key];
          if (Array.isArray(v) ? v.length : typeof v === 'string' ? v.trim() : false) p[f.key] = typeof v === 'string' ? v.trim() : v;
        }
        const c: Values = { status: 'Active', opened_date: today() };
        if (purposeField) c.purpose = purpose;
        body = { case: { person: p, case: c }, urgent_needs: needs };
      } else {
        body = { ref: ref.trim(), urgent_needs: needs };
      }
      const r = await screeningApi.toCase(s.id, body);
      setFlash([mode === 'create' ? 'screening.case_created' : 'screening.case_attached', { ref: r.ref }]);
      goCases(encodeURIComponent(r.ref));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="sub-form" onSubmit={submit} noValidate data-testid={mode === 'create' ? 'screen-case-form' : 'screen-attach-form'}>
      <h3>{mode === 'create' ? i.t('screening.create_case') : i.t('screening.attach_case')}</h3>
      {mode === 'create' && !schema && !error && <p class="muted">{i.t('common.loading')}</p>}
      {mode === 'create' && schema && (
        <>
          <p class="hint">{i.t('screening.create_case_hint')}</p>
          <div class="reg-grid">
            {['given_name', 'family_name'].map((k) => {
              const pair = [fieldOf(k), fieldOf(k + '_latin')].filter(isField);
              return pair.length ? (
                <div key={k} class="name-pair" data-testid={'pair-' + k}>
                  {pair.map((f) => (
                    <RegField key={f.key} schema={schema} f={f} name={'person.' + f.key} value={person[f.key]} error={fieldErr(f.key)} onChange={(v) => setPerson((o) => ({ ...o, [f.key]: v }))} />
                  ))}
                </div>
              ) : null;
            })}
            {['gender', 'citizenship']
              .map(fieldOf)
              .filter(isField)
              .map((f) => (
                <RegField key={f.key} schema={schema} f={f} name={'person.' + f.key} value={person[f.key]} error={fieldErr(f.key)} onChange={(v) => setPerson((o) => ({ ...o, [f.key]: v }))} />
              ))}
            {purposeField && (
              <RegField schema={schema} f={purposeField} name="case.purpose" value={purpose} error={fieldErr('purpose')} onChange={(v) => setPurpose(String(v))} />
            )}
          </div>
        </>
      )}
      {mode === 'attach' && (
        <div class={'field' + (missing || fieldErr('ref') ? ' has-error' : '')}>
          <label for="attach-ref">{i.t('screening.case_ref')}</label>
          <input
            id="attach-ref"
            type="text"
            name="ref"
            dir="ltr"
            autocomplete="off"
            maxLength={64}
            value={ref}
            aria-invalid={missing || fieldErr('ref') ? 'true' : undefined}
            onInput={(e) => {
              setRef((e.currentTarget as HTMLInputElement).value);
              setMissing(false);
            }}
          />
          {(missing || fieldErr('ref')) && <small class="field-error">{missing ? i.t('field.missing_field') : fieldErr('ref')}</small>}
        </div>
      )}
      <fieldset class="field field-wide" data-field="urgent_needs">
        <legend>{i.t('screening.urgent_needs')}</legend>
        <div class="checks">
          {URGENT_NEEDS.map((n) => (
            <label key={n} class="check">
              <input
                type="checkbox"
                name="urgent_needs"
                value={n}
                checked={needs.includes(n)}
                onChange={(e) => {
                  const on = (e.currentTarget as HTMLInputElement).checked;
                  setNeeds((l) => (on ? [...l.filter((x) => x !== n), n] : l.filter((x) => x !== n)));
                }}
              />
              <span>{needLabel(n)}</span>
            </label>
          ))}
        </div>
      </fieldset>
      <ErrorBox error={error} />
      <div class="actions">
        <button type="submit" class="btn btn-primary" data-testid="screen-case-save" disabled={busy || (mode === 'create' && !schema)}>
          {busy ? i.t('common.working') : mode === 'create' ? i.t('screening.create_case') : i.t('screening.attach')}
        </button>
        <button type="button" class="btn" data-testid="screen-case-cancel" onClick={onCancel}>
          {i.t('common.cancel')}
        </button>
      </div>
    </form>
  );
}
