// The case form (create and edit), drawn from the field registry: person,
// victim and case in collapsible sections, trafficking events as a
// repeatable group. Creating sends the non-empty values; editing sends what
// changed with the version read (409 stale_version: offer to reload).
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError, type Case, type CaseBody, type CasePatch, type Values } from '../api';
import { apiValues, checkValues, Collapsible, formValues, isEmpty, SectionFields, type FormValue, type FormValues } from '../caseFields';
import { ErrorBox } from '../components';
import { useI18n } from '../i18n';
import { entity, hasValues, lbl, today, type EntityDef, type Schema } from '../schema';

const ENTITIES = ['person', 'victim', 'case'] as const;
type EntName = (typeof ENTITIES)[number];

interface State {
  person: FormValues;
  victim: FormValues;
  case: FormValues;
  events: FormValues[];
}

function initialState(schema: Schema, c: Case | null): State {
  const st: State = {
    person: formValues(entity(schema, 'person'), c?.person),
    victim: formValues(entity(schema, 'victim'), c?.victim),
    case: formValues(entity(schema, 'case'), c?.case),
    events: (c?.events ?? []).map((e) => formValues(entity(schema, 'event'), e)),
  };
  if (!c) {
    // A new case starts active and opened today; both can be changed.
    const ce = entity(schema, 'case');
    const status = ce?.fields.find((f) => f.key === 'status');
    if (status?.choices?.some((x) => x.value === 'Active') && isEmpty(st.case.status)) st.case.status = 'Active';
    if (ce?.fields.some((f) => f.key === 'opened_date')) st.case.opened_date = today();
  }
  return st;
}

/** Sections open at first: each entity's first, and those with required fields. */
function initialOpen(schema: Schema): Set<string> {
  const open = new Set<string>();
  for (const n of ENTITIES) {
    const e = entity(schema, n);
    if (!e) continue;
    if (n !== 'victim' && e.sections[0]) open.add(n + '.' + e.sections[0].key);
    for (const f of e.fields) if (f.required && n !== 'victim') open.add(n + '.' + f.section);
  }
  return open;
}

/** Maps the API's error.fields onto form names ("person.given_name", "events.0.type"). */
function mapServerFields(schema: Schema, fields: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k0, code] of Object.entries(fields)) {
    const k = k0.replace(/\[(\d+)\]/g, '.$1');
    if (k.includes('.')) {
      out[k] = code;
      continue;
    }
    const owner = ENTITIES.find((n) => entity(schema, n)?.fields.some((f) => f.key === k));
    if (owner) out[owner + '.' + k] = code;
    else out[k] = code;
  }
  return out;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/** The changed keys of one entity: new values, and null for cleared ones. */
function diff(ent: EntityDef | undefined, before: Values | undefined, now: Values): Values | null {
  if (!ent) return null;
  const out: Values = {};
  for (const f of ent.fields) {
    const b = before ? before[f.key] : undefined;
    const n = now[f.key];
    if (same(b, n)) continue;
    if (n === undefined) {
      if (b !== undefined && b !== null) out[f.key] = null;
    } else out[f.key] = n;
  }
  return Object.keys(out).length ? out : null;
}

export function CaseForm({ schema, initial, onDone, onCancel }: { schema: Schema; initial: Case | null; onDone: (c: Case) => void; onCancel: () => void }) {
  const i = useI18n();
  const [base, setBase] = useState<Case | null>(initial);
  const [st, setSt] = useState<State>(() => initialState(schema, initial));
  const [open, setOpen] = useState<Set<string>>(() => initialOpen(schema));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<unknown>(null);
  const [localInvalid, setLocalInvalid] = useState(false);
  const [busy, setBusy] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);
  const focusError = useRef(false);

  useEffect(() => {
    if (!focusError.current) return;
    focusError.current = false;
    const el = formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]');
    if (el) el.focus();
    else formRef.current?.querySelector<HTMLElement>('[role="alert"]')?.scrollIntoView({ block: 'center' });
  });

  const eventEnt = entity(schema, 'event');

  // a changed field loses its mark; the summary goes with the last mark
  const unmark = (name: string) =>
    setErrors((er) => {
      if (!(name in er)) return er;
      const n = { ...er };
      delete n[name];
      return n;
    });
  const setVal = (n: EntName, key: string, v: FormValue) => {
    setSt((s) => ({ ...s, [n]: { ...s[n], [key]: v } }));
    unmark(n + '.' + key);
  };
  const setEventVal = (idx: number, key: string, v: FormValue) => {
    setSt((s) => ({ ...s, events: s.events.map((e, k) => (k === idx ? { ...e, [key]: v } : e)) }));
    unmark('events.' + idx + '.' + key);
  };
  const toggle = (id: string) =>
    setOpen((o) => {
      const n = new Set(o);
      if (n.has(id)) n.delete(id);
      else n.add(id);
      return n;
    });

  const showErrors = (errs: Record<string, string>) => {
    setErrors(errs);
    // open every section that holds a marked field
    setOpen((o) => {
      const n = new Set(o);
      for (const k of Object.keys(errs)) {
        const [ent, key] = k.split('.');
        const f = entity(schema, ent)?.fields.find((x) => x.key === key);
        if (f) n.add(ent + '.' + f.section);
      }
      return n;
    });
    focusError.current = true;
  };

  const submit = async (e: Event) => {
    e.preventDefault();
    if (busy) return;
    setError(null);
    setLocalInvalid(false);

    const vals: Record<EntName, Values> = {
      person: apiValues(entity(schema, 'person'), st.person),
      victim: apiValues(entity(schema, 'victim'), st.victim),
      case: apiValues(entity(schema, 'case'), st.case),
    };
    const events = st.events.map((ev) => apiValues(eventEnt, ev));

    const errs: Record<string, string> = {};
    checkValues(entity(schema, 'person'), st.person, 'person.', errs);
    checkValues(entity(schema, 'case'), st.case, 'case.', errs);
    // the victim part is optional as a whole; once begun, its required fields count
    if (hasValues(vals.victim) || (initial && hasValues(initial.victim))) checkValues(entity(schema, 'victim'), st.victim, 'victim.', errs);
    st.events.forEach((ev, k) => checkValues(eventEnt, ev, 'events.' + k + '.', errs));
    if (Object.keys(errs).length) {
      setLocalInvalid(true);
      showErrors(errs);
      return;
    }
    setErrors({});
    setBusy(true);
    try {
      let c: Case;
      if (!base) {
        const body: CaseBody = { person: vals.person, case: vals.case };
        if (hasValues(vals.victim)) body.victim = vals.victim;
        const evs = events.filter((x) => hasValues(x));
        if (evs.length) body.events = evs;
        c = await api.createCase(body);
      } else {
        const patch: CasePatch = { version: base.version };
        for (const n of ENTITIES) {
          const d = diff(entity(schema, n), base[n], vals[n]);
          if (d) patch[n] = d;
        }
        const evs = events.filter((x) => hasValues(x));
        const before = (base.events ?? []).map((x) => apiValues(eventEnt, formValues(eventEnt, x)));
        if (!same(evs, before)) patch.events = evs;
        c = Object.keys(patch).length > 1 ? await api.updateCase(base.ref, patch) : base;
      }
      onDone(c);
    } catch (err) {
      setError(err);
      if (err instanceof ApiError && Object.keys(err.fields).length) showErrors(mapServerFields(schema, err.fields));
      else focusError.current = true;
    } finally {
      setBusy(false);
    }
  };

  const reload = async () => {
    if (!base) return;
    setBusy(true);
    try {
      const c = await api.getCase(base.ref);
      setBase(c);
      setSt(initialState(schema, c));
      setErrors({});
      setError(null);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const stale = error instanceof ApiError && error.code === 'stale_version';
  const errCount = (prefix: string) => Object.keys(errors).filter((k) => k.startsWith(prefix)).length;

  const entityCard = (n: EntName) => {
    const e = entity(schema, n);
    if (!e) return null;
    return (
      <section key={n} class="card entity-card" aria-labelledby={'ent-' + n} data-testid={'entity-' + n}>
        <h2 id={'ent-' + n}>{lbl(i, e.label)}</h2>
        {n === 'victim' && <p class="hint">{i.t('cases.victim_optional')}</p>}
        {e.sections.map((s) => {
          const id = n + '.' + s.key;
          if (!e.fields.some((f) => f.section === s.key)) return null;
          const bad = errCount(n + '.');
          const here = bad && Object.keys(errors).some((k) => k.startsWith(n + '.') && e.fields.find((f) => f.key === k.slice(n.length + 1))?.section === s.key);
          return (
            <Collapsible key={s.key} id={'sec-' + n + '-' + s.key} title={lbl(i, s.label)} open={open.has(id)} onToggle={() => toggle(id)} badge={here ? i.t('cases.check') : undefined}>
              <SectionFields schema={schema} ent={e} section={s.key} values={st[n]} prefix={n + '.'} errors={errors} onChange={(k, v) => setVal(n, k, v)} />
            </Collapsible>
          );
        })}
      </section>
    );
  };

  return (
    <form ref={formRef} class="case-form" onSubmit={submit} noValidate data-testid="case-form">
      <div class="section-head">
        <h1 id="case-form-title">{base ? i.t('cases.edit_title', { ref: base.ref }) : i.t('cases.new_title')}</h1>
      </div>
      <p class="legend-line hint">
        <span class="req" aria-hidden="true">
          *
        </span>{' '}
        {i.t('cases.required_legend')} · {i.t('cases.encrypted_legend')}
      </p>
      {entityCard('person')}
      {entityCard('case')}
      {entityCard('victim')}
      {eventEnt && (
        <section class="card entity-card" aria-labelledby="ent-events" data-testid="entity-events">
          <h2 id="ent-events">{i.t('cases.events')}</h2>
          {st.events.length === 0 && <p class="muted">{i.t('cases.no_events')}</p>}
          {st.events.map((ev, k) => (
            <fieldset key={k} class="event-block" data-testid="event-block">
              <legend>{i.t('cases.event_n', { n: k + 1 })}</legend>
              {eventEnt.sections.map((s) =>
                eventEnt.fields.some((f) => f.section === s.key) ? (
                  <div key={s.key} class="event-section">
                    <h4>{lbl(i, s.label)}</h4>
                    <SectionFields schema={schema} ent={eventEnt} section={s.key} values={ev} prefix={'events.' + k + '.'} errors={errors} onChange={(key, v) => setEventVal(k, key, v)} />
                  </div>
                ) : null,
              )}
              <div class="actions">
                <button
                  type="button"
                  class="btn btn-small btn-danger"
                  data-testid="event-remove"
                  onClick={() => {
                    setSt((s) => ({ ...s, events: s.events.filter((_, x) => x !== k) }));
                    setErrors((er) => Object.fromEntries(Object.entries(er).filter(([key]) => !key.startsWith('events.'))));
                  }}
                >
                  {i.t('cases.event_remove')}
                </button>
              </div>
            </fieldset>
          ))}
          <div class="actions">
            <button type="button" class="btn" data-testid="event-add" onClick={() => setSt((s) => ({ ...s, events: [...s.events, formValues(eventEnt, null)] }))}>
              {i.t('cases.event_add')}
            </button>
          </div>
        </section>
      )}
      {localInvalid && Object.keys(errors).length > 0 && (
        <p class="alert alert-error" role="alert" data-testid="error">
          {i.t('cases.fix_marked')}
        </p>
      )}
      <ErrorBox error={error} />
      {stale && (
        <div class="alert alert-info" data-testid="stale">
          <p>{i.t('cases.stale')}</p>
          <button type="button" class="btn" data-testid="case-reload" disabled={busy} onClick={reload}>
            {i.t('cases.reload')}
          </button>
        </div>
      )}
      <div class="actions sticky-actions">
        <button type="submit" class="btn btn-primary" data-testid="case-save" disabled={busy}>
          {busy ? i.t('common.working') : base ? i.t('common.save') : i.t('cases.create')}
        </button>
        <button type="button" class="btn" data-testid="case-cancel" onClick={onCancel}>
          {i.t('common.cancel')}
        </button>
      </div>
    </form>
  );
}
