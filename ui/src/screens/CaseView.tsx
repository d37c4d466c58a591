// One case: its values by section, Edit, Close (with a reason), Erase
// (cannot be undone), consents (record, withdraw) and comments.
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, type Case, type Comment, type Consent, type Me, type Values } from '../api';
import { apiValues, checkValues, formValues, LockMark, RegField, type FormValue, type FormValues } from '../caseFields';
import { Dialog, ErrorBox, Notice } from '../components';
import { useI18n } from '../i18n';
import { entity, field, formatDay, formatValue, hasValues, isProtected, lbl, today, type EntityDef, type Schema } from '../schema';
import { caseHref, goCases, setFlash, StatusBadge, takeFlash, type Msg } from './Cases';
import { CaseIdentification } from './Decisions';
import { CaseReferrals } from './ReferDialog';
import { PlanPanel } from './PlanPanel';

const shown = (v: unknown) => !(v === null || v === undefined || v === '' || (Array.isArray(v) && v.length === 0));

/** The values of one entity item, grouped by the registry's sections. */
function EntityValues({ schema, ent, values, testid }: { schema: Schema; ent: EntityDef; values: Values; testid: string }) {
  const i = useI18n();
  const sections = ent.sections.filter((s) => ent.fields.some((f) => f.section === s.key && shown(values[f.key])));
  if (!sections.length) return <p class="muted">{i.t('cases.nothing_recorded')}</p>;
  return (
    <div data-testid={testid}>
      {sections.map((s) => (
        <div key={s.key} class="view-section">
          <h3>{lbl(i, s.label)}</h3>
          <dl class="values">
            {ent.fields
              .filter((f) => f.section === s.key && shown(values[f.key]))
              .map((f) => (
                <div key={f.key} class="value-row" data-key={f.key}>
                  <dt>
                    {lbl(i, f.label)}
                    {isProtected(f) && <LockMark />}
                  </dt>
                  <dd class={f.type === 'longtext' ? 'prewrap' : undefined} data-testid={'value-' + f.key}>
                    {f.type === 'text' || f.type === 'longtext' ? <bdi>{formatValue(i, schema, f, values[f.key])}</bdi> : formatValue(i, schema, f, values[f.key])}
                  </dd>
                </div>
              ))}
          </dl>
        </div>
      ))}
    </div>
  );
}

function CloseDialog({ schema, c, onClose, onDone }: { schema: Schema; c: Case; onClose: () => void; onDone: (c: Case) => void }) {
  const i = useI18n();
  const reasonField = field(schema, 'case', 'closure_reason');
  const dateField = field(schema, 'case', 'closed_date');
  const [reason, setReason] = useState('');
  const [date, setDate] = useState(today());
  const [missing, setMissing] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const submit = async (e: Event) => {
    e.preventDefault();
    if (!reason) {
      setMissing(true);
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const values: Values = { status: 'Closed', closure_reason: reason };
      if (dateField && date) values.closed_date = date;
      onDone(await api.updateCase(c.ref, { version: c.version, case: values }));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog title={i.t('cases.close_title', { ref: c.ref })} testid="close-dialog" onClose={onClose}>
      <form onSubmit={submit} noValidate>
        {reasonField && (
          <RegField
            schema={schema}
            f={{ ...reasonField, required: true }}
            name="closure_reason"
            value={reason}
            onChange={(v) => {
              setReason(String(v));
              setMissing(false);
            }}
            error={missing ? i.t('field.missing_field') : i.fieldError(error, 'closure_reason')}
          />
        )}
        {dateField && <RegField schema={schema} f={dateField} name="closed_date" value={date} onChange={(v) => setDate(String(v))} error={i.fieldError(error, 'closed_date')} />}
        <ErrorBox error={error} />
        {error instanceof ApiError && error.code === 'stale_version' && <p class="hint">{i.t('cases.stale_view')}</p>}
        <div class="actions">
          <button type="submit" class="btn btn-primary" data-testid="close-confirm" disabled={busy}>
            {busy ? i.t('common.working') : i.t('cases.close')}
          </button>
          <button type="button" class="btn" data-testid="close-cancel" onClick={onClose}>
            {i.t('common.cancel')}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

function EraseDialog({ c, onClose }: { c: Case; onClose: () => void }) {
  const i = useI18n();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const erase = async () => {
    setBusy(true);
    setError(null);
    try {
      await api.eraseCase(c.ref);
      setFlash(['cases.erased_ok', { ref: c.ref }]);
      goCases();
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };
  return (
    <Dialog title={i.t('cases.erase_title', { ref: c.ref })} testid="erase-dialog" onClose={onClose} danger>
      <p>{i.t('cases.erase_text')}</p>
      <p class="strong">{i.t('cases.erase_undo')}</p>
      <ErrorBox error={error} />
      <div class="actions">
        <button type="button" class="btn btn-danger btn-primary" data-testid="erase-confirm" disabled={busy} onClick={erase}>
          {busy ? i.t('common.working') : i.t('cases.erase_confirm')}
        </button>
        <button type="button" class="btn" data-testid="erase-cancel" onClick={onClose}>
          {i.t('common.cancel')}
        </button>
      </div>
    </Dialog>
  );
}

function Consents({ schema, c, canWrite, onCase }: { schema: Schema; c: Case; canWrite: boolean; onCase: (c: Case) => void }) {
  const i = useI18n();
  const ent = entity(schema, 'consent');
  const [adding, setAdding] = useState(false);
  const [vals, setVals] = useState<FormValues>(() => ({ ...formValues(ent, null), date: today() }));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState<number | 'add' | null>(null);
  if (!ent) return null;
  const f = (k: string) => ent.fields.find((x) => x.key === k);
  const list: Consent[] = c.consents ?? [];

  const add = async (e: Event) => {
    e.preventDefault();
    const errs: Record<string, string> = {};
    const formEnt = { ...ent, fields: ent.fields.filter((x) => x.key !== 'withdrawn_date') };
    checkValues(formEnt, vals, '', errs);
    setErrors(errs);
    if (Object.keys(errs).length) return;
    const body = apiValues(formEnt, vals);
    if (f('given') && body.given === undefined) body.given = false;
    setBusy('add');
    setError(null);
    try {
      onCase(await api.addConsent(c.ref, body));
      setAdding(false);
      setVals({ ...formValues(ent, null), date: today() });
    } catch (err) {
      setError(err);
      if (err instanceof ApiError) setErrors(err.fields);
    } finally {
      setBusy(null);
    }
  };

  const withdraw = async (n: number) => {
    setBusy(n);
    setError(null);
    try {
      onCase(await api.withdrawConsent(c.ref, n, today()));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(null);
    }
  };

  const fieldErr = (k: string) => (errors[k] ? (i.has('field.' + errors[k]) ? i.t('field.' + errors[k]) : errors[k]) : null);

  return (
    <section class="card" aria-labelledby="consents-title" data-testid="consents">
      <div class="section-head">
        <h2 id="consents-title">{i.t('cases.consents')}</h2>
        {canWrite && !adding && (
          <button type="button" class="btn btn-small" data-testid="consent-new" onClick={() => setAdding(true)}>
            {i.t('cases.consent_add')}
          </button>
        )}
      </div>
      {list.length === 0 && <p class="muted">{i.t('cases.no_consents')}</p>}
      {list.length > 0 && (
        <div class="table-wrap" tabIndex={0} role="region" aria-labelledby="consents-title">
          <table class="table table-dense" data-testid="consents-table">
            <thead>
              <tr>
                <th scope="col">{lbl(i, f('purpose')?.label) || i.t('cases.consent_purpose')}</th>
                <th scope="col">{lbl(i, f('given')?.label) || i.t('cases.consent_given')}</th>
                <th scope="col">{lbl(i, f('date')?.label) || i.t('cases.consent_date')}</th>
                <th scope="col">{i.t('cases.recorded_at')}</th>
                <th scope="col">{lbl(i, f('withdrawn_date')?.label) || i.t('cases.consent_withdrawn')}</th>
                {canWrite && <th scope="col">{i.t('common.actions')}</th>}
              </tr>
            </thead>
            <tbody>
              {list.map((x, k) => {
                const n = typeof x.n === 'number' ? x.n : typeof x.item === 'number' ? x.item : k;
                const withdrawn = typeof x.withdrawn_date === 'string' && x.withdrawn_date !== '';
                return (
                  <tr key={k} data-testid="consent-row" class={withdrawn ? 'row-off' : ''}>
                    <td>{f('purpose') ? formatValue(i, schema, f('purpose')!, x.purpose) : String(x.purpose ?? '—')}</td>
                    <td>
                      <span class={'badge ' + (x.given === true ? 'badge-on' : 'badge-off')}>{x.given === true ? i.t('common.yes') : i.t('common.no')}</span>
                    </td>
                    <td class="nowrap">{typeof x.date === 'string' ? formatDay(i, x.date) : '—'}</td>
                    <td class="nowrap">{i.date(x.recorded_at)}</td>
                    <td class="nowrap" data-testid="consent-withdrawn">
                      {withdrawn ? formatDay(i, x.withdrawn_date as string) : '—'}
                    </td>
                    {canWrite && (
                      <td>
                        {!withdrawn && x.given === true && (
                          <button type="button" class="btn btn-small" data-testid="consent-withdraw" disabled={busy !== null} onClick={() => withdraw(n)}>
                            {i.t('cases.consent_withdraw')}
                          </button>
                        )}
                      </td>
                    )}
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {adding && (
        <form class="sub-form" onSubmit={add} noValidate data-testid="consent-form">
          <div class="reg-grid">
            {ent.fields
              .filter((x) => x.key !== 'withdrawn_date')
              .map((x) => (
                <RegField key={x.key} schema={schema} f={x} name={'consent.' + x.key} value={vals[x.key]} error={fieldErr(x.key)} onChange={(v: FormValue) => setVals((o) => ({ ...o, [x.key]: v }))} />
              ))}
          </div>
          <ErrorBox error={error} />
          <div class="actions">
            <button type="submit" class="btn btn-primary" data-testid="consent-save" disabled={busy !== null}>
              {busy === 'add' ? i.t('common.working') : i.t('cases.consent_save')}
            </button>
            <button type="button" class="btn" data-testid="consent-cancel" onClick={() => setAdding(false)}>
              {i.t('common.cancel')}
            </button>
          </div>
        </form>
      )}
      {!adding && <ErrorBox error={error} />}
    </section>
  );
}

function Comments({ c, canWrite }: { c: Case; canWrite: boolean }) {
  const i = useI18n();
  const [items, setItems] = useState<Comment[] | null>(null);
  const [text, setText] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    api.comments(c.ref).then(
      (l) => setItems(l.items),
      (err) => {
        setError(err);
        setItems([]);
      },
    );
  }, [c.ref]);

  const add = async (e: Event) => {
    e.preventDefault();
    if (!text.trim() || busy) return;
    setBusy(true);
    setError(null);
    try {
      const cm = await api.addComment(c.ref, text);
      setItems((xs) => [...(xs ?? []), cm]);
      setText('');
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="card" aria-labelledby="comments-title" data-testid="comments">
      <h2 id="comments-title">
        {i.t('cases.comments')} <LockMark />
      </h2>
      {items === null && <p class="muted">{i.t('common.loading')}</p>}
      {items && items.length === 0 && !error && <p class="muted">{i.t('cases.no_comments')}</p>}
      {items && items.length > 0 && (
        <ol class="comments">
          {items.map((cm) => (
            <li key={cm.id} class="comment" data-testid="comment">
              <div class="comment-meta">
                <bdi class="strong" dir="auto">
                  {cm.author_name || cm.author_id?.slice(0, 8)}
                </bdi>
                <span class="muted small">{i.date(cm.at)}</span>
              </div>
              <p class="comment-text prewrap" dir="auto">
                {cm.text}
              </p>
            </li>
          ))}
        </ol>
      )}
      <ErrorBox error={error} />
      {canWrite && (
        <form class="sub-form" onSubmit={add} data-testid="comment-form">
          <div class="field">
            <label for="comment-text">{i.t('cases.comment_label')}</label>
            <textarea id="comment-text" name="comment" dir="auto" rows={3} maxLength={20000} value={text} onInput={(e) => setText((e.currentTarget as HTMLTextAreaElement).value)} />
          </div>
          <div class="actions">
            <button type="submit" class="btn btn-primary" data-testid="comment-add" disabled={busy || !text.trim()}>
              {busy ? i.t('common.working') : i.t('cases.comment_add')}
            </button>
          </div>
        </form>
      )}
    </section>
  );
}

/** Who the case is assigned to; case workers of its organisation may reassign it. */
function Assignment({ c, canWrite, onChanged }: { c: Case; canWrite: boolean; onChanged: (c: Case) => void }) {
  const i = useI18n();
  const [people, setPeople] = useState<{ id: string; display_name: string }[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    if (canWrite) api.assignees(c.ref).then((r) => setPeople(r.items), setError);
  }, [c.ref, canWrite]);
  const current = people?.find((p) => p.id === c.assigned_to);
  const change = async (id: string) => {
    setBusy(true);
    setError(null);
    try {
      onChanged(await api.updateCase(c.ref, { version: c.version, assigned_to: id || null }));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  if (!canWrite || !people) return <dd>{current ? current.display_name : c.assigned_to ? '—' : i.t('cases.unassigned')}</dd>;
  return (
    <dd>
      <select name="assigned_to" data-testid="case-assign" value={c.assigned_to ?? ''} disabled={busy} onChange={(e) => change((e.target as HTMLSelectElement).value)}>
        <option value="">{i.t('cases.unassigned')}</option>
        {people.map((p) => (
          <option key={p.id} value={p.id}>
            {p.display_name}
          </option>
        ))}
      </select>
      {error !== null && <ErrorBox error={error} />}
    </dd>
  );
}

export function CaseView({ schema, ref_, canWrite, canErase, me }: { schema: Schema; ref_: string; canWrite: boolean; canErase: boolean; me?: Me }) {
  const i = useI18n();
  const [c, setC] = useState<Case | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [dialog, setDialog] = useState<'close' | 'erase' | null>(null);
  const [notice, setNotice] = useState<Msg | null>(takeFlash);

  const load = () => {
    setError(null);
    api.getCase(ref_).then(setC, setError);
  };
  useEffect(load, [ref_]);

  if (error && !c)
    return (
      <>
        <p>
          <a href="#/cases" data-testid="back-to-cases">
            {i.t('cases.back')}
          </a>
        </p>
        <ErrorBox error={error} />
      </>
    );
  if (!c) return <p class="muted">{i.t('common.loading')}</p>;

  const isClosed = /^Closed/.test(c.status);
  const personEnt = entity(schema, 'person');
  const victimEnt = entity(schema, 'victim');
  const caseEnt = entity(schema, 'case');
  const eventEnt = entity(schema, 'event');

  return (
    <section aria-labelledby="case-title" data-testid="case-view" data-ref={c.ref} data-version={c.version}>
      <p class="crumbs">
        <a href="#/cases" data-testid="back-to-cases">
          {i.t('cases.back')}
        </a>
      </p>
      <div class="section-head">
        <h1 id="case-title">
          <bdi dir="ltr" data-testid="case-ref">
            {c.ref}
          </bdi>
        </h1>
        <div class="row-actions">
          {canWrite && (
            <a class="btn" href={caseHref(c.ref, 'edit')} data-testid="case-edit">
              {i.t('common.edit')}
            </a>
          )}
          {canWrite && !isClosed && (
            <button type="button" class="btn" data-testid="case-close" onClick={() => setDialog('close')}>
              {i.t('cases.close')}
            </button>
          )}
          {canErase && (
            <button type="button" class="btn btn-danger" data-testid="case-erase" onClick={() => setDialog('erase')}>
              {i.t('cases.erase')}
            </button>
          )}
        </div>
      </div>
      {notice && <Notice>{i.t(notice[0], notice[1])}</Notice>}
      <dl class="facts facts-compact">
        <div>
          <dt>{i.t('cases.status')}</dt>
          <dd>
            <StatusBadge schema={schema} status={c.status} />
          </dd>
        </div>
        <div>
          <dt>{i.t('cases.version')}</dt>
          <dd data-testid="case-version">{i.num(c.version)}</dd>
        </div>
        <div>
          <dt>{i.t('cases.created')}</dt>
          <dd>{i.date(c.created_at)}</dd>
        </div>
        <div>
          <dt>{i.t('common.updated')}</dt>
          <dd>{i.date(c.updated_at)}</dd>
        </div>
        <div>
          <dt>{i.t('cases.assigned_to')}</dt>
          <Assignment c={c} canWrite={canWrite && !/^Closed/.test(c.status)} onChanged={setC} />
        </div>
      </dl>
      {personEnt && (
        <section class="card" aria-labelledby="v-person">
          <h2 id="v-person">{lbl(i, personEnt.label)}</h2>
          <EntityValues schema={schema} ent={personEnt} values={c.person ?? {}} testid="view-person" />
        </section>
      )}
      {caseEnt && (
        <section class="card" aria-labelledby="v-case">
          <h2 id="v-case">{lbl(i, caseEnt.label)}</h2>
          <EntityValues schema={schema} ent={caseEnt} values={c.case ?? {}} testid="view-case" />
        </section>
      )}
      {victimEnt && hasValues(c.victim) && (
        <section class="card" aria-labelledby="v-victim">
          <h2 id="v-victim">{lbl(i, victimEnt.label)}</h2>
          <EntityValues schema={schema} ent={victimEnt} values={c.victim ?? {}} testid="view-victim" />
        </section>
      )}
      {eventEnt && (c.events ?? []).length > 0 && (
        <section class="card" aria-labelledby="v-events">
          <h2 id="v-events">{i.t('cases.events')}</h2>
          {c.events.map((ev, k) => (
            <div key={k} class="event-view" data-testid="event-view">
              <h3>
                {i.t('cases.event_n', { n: k + 1 })}
                {typeof ev.type === 'string' && <> · {formatValue(i, schema, eventEnt.fields.find((f) => f.key === 'type')!, ev.type)}</>}
              </h3>
              <EntityValues schema={schema} ent={eventEnt} values={ev} testid={'view-event-' + k} />
            </div>
          ))}
        </section>
      )}
      {me && <CaseIdentification caseRef={c.ref} me={me} closed={isClosed} onChanged={load} />}
      <Consents schema={schema} c={c} canWrite={canWrite} onCase={setC} />
      {me && <CaseReferrals schema={schema} c={c} me={me} />}
      {me && me.permissions.includes('plan') && <PlanPanel c={c} me={me} canWrite={canWrite} />}
      <Comments c={c} canWrite={canWrite} />
      {dialog === 'close' && (
        <CloseDialog
          schema={schema}
          c={c}
          onClose={() => setDialog(null)}
          onDone={(nc) => {
            setDialog(null);
            setC(nc);
            setNotice(['cases.closed_ok', { ref: nc.ref }]);
          }}
        />
      )}
      {dialog === 'erase' && <EraseDialog c={c} onClose={() => setDialog(null)} />}
    </section>
  );
}
