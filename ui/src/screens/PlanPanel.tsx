// The individual support plan of a case and the services delivered, shown on
// the case view (docs/support-plans.md). Goals are grouped by support type
// (the directory's service types and their labels); each says who is
// responsible, by when, its status (changed in one click), and is marked
// when overdue. Items are added, edited and cancelled here; an item someone
// else changed meanwhile (409 stale_version) is reloaded and the change
// explained, keeping what the person typed. Below: the services delivered,
// newest first, and the form to log one.
import { useEffect, useMemo, useState } from 'preact/hooks';
import { ApiError, type Case, type Me } from '../api';
import { LockMark } from '../caseFields';
import { ConfirmButton } from '../components';
import { useI18n, type I18n } from '../i18n';
import { formatDay, today } from '../schema';
import { planApi, PLAN_STATUSES, PLAN_TEXT_MAX, type Plan, type PlanItem, type PlanItemBody, type ServiceDelivered } from '../planApi';
import { directoryApi, entryName, serviceLabel, type DirectoryEntry, type DirectoryServiceType } from './directoryParts';
import '../plan.css';

export const planStatusWord = (i: I18n, s: string) => (i.has('plan.status.' + s) ? i.t('plan.status.' + s) : s);

const STATUS_CLASS: Record<string, string> = { planned: '', in_progress: 'badge-warn', done: 'badge-on', cancelled: 'badge-off' };

/** The quick status changes offered from each status; "cancelled" has its own confirm button. */
const NEXT: Record<string, string[]> = { planned: ['in_progress', 'done'], in_progress: ['done'], done: ['in_progress'], cancelled: ['planned'] };

let seq = 0;
const useId = (p: string) => useState(() => p + ++seq)[0];

/** The words for the error of one field: "missing" from the form's own check, else the server's code. */
function fieldText(i: I18n, error: unknown, key: string, missing?: boolean): string | null {
  if (missing) return i.t('field.missing_field');
  if (!(error instanceof ApiError)) return null;
  const code = error.fields[key];
  if (!code) return null;
  if (i.has('plan.err.' + key + '_' + code)) return i.t('plan.err.' + key + '_' + code);
  return i.fieldError(error, key);
}

/** The panel's words for an API error: the plan's own ones first. */
function PlanError({ error }: { error: unknown }) {
  const i = useI18n();
  if (!error) return null;
  const code = error instanceof ApiError ? error.code : undefined;
  const text = code && i.has('plan.err.' + code) ? i.t('plan.err.' + code) : i.error(error);
  return (
    <p class="alert alert-error" role="alert" data-testid="error" data-code={code}>
      {text}
    </p>
  );
}

function Text(p: { label: string; name: string; value: string; onInput: (v: string) => void; error?: string | null; hint?: string; sealed?: boolean; rows?: number }) {
  const id = useId('pt');
  return (
    <div class={'field' + (p.error ? ' has-error' : '')}>
      <label for={id}>
        {p.label} {p.sealed && <LockMark />}
      </label>
      <textarea
        id={id}
        name={p.name}
        dir="auto"
        rows={p.rows ?? 2}
        maxLength={PLAN_TEXT_MAX}
        value={p.value}
        aria-invalid={p.error ? 'true' : undefined}
        aria-describedby={p.error || p.hint ? id + '-d' : undefined}
        onInput={(e) => p.onInput((e.currentTarget as HTMLTextAreaElement).value)}
      />
      {(p.error || p.hint) && (
        <small id={id + '-d'} class={p.error ? 'field-error' : 'hint'}>
          {p.error || p.hint}
        </small>
      )}
    </div>
  );
}

function Pick(p: { label: string; name: string; value: string; onChange: (v: string) => void; options: { value: string; label: string }[]; error?: string | null; hint?: string }) {
  const id = useId('ps');
  return (
    <div class={'field' + (p.error ? ' has-error' : '')}>
      <label for={id}>{p.label}</label>
      <select
        id={id}
        name={p.name}
        value={p.value}
        aria-invalid={p.error ? 'true' : undefined}
        aria-describedby={p.error || p.hint ? id + '-d' : undefined}
        onChange={(e) => p.onChange((e.currentTarget as HTMLSelectElement).value)}
      >
        {p.options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
      {(p.error || p.hint) && (
        <small id={id + '-d'} class={p.error ? 'field-error' : 'hint'}>
          {p.error || p.hint}
        </small>
      )}
    </div>
  );
}

function DayField(p: { label: string; name: string; value: string; onInput: (v: string) => void; error?: string | null; max?: string; hint?: string }) {
  const id = useId('pd');
  return (
    <div class={'field' + (p.error ? ' has-error' : '')}>
      <label for={id}>{p.label}</label>
      <input
        id={id}
        type="date"
        name={p.name}
        value={p.value}
        max={p.max}
        aria-invalid={p.error ? 'true' : undefined}
        aria-describedby={p.error || p.hint ? id + '-d' : undefined}
        onInput={(e) => p.onInput((e.currentTarget as HTMLInputElement).value)}
      />
      {(p.error || p.hint) && (
        <small id={id + '-d'} class={p.error ? 'field-error' : 'hint'}>
          {p.error || p.hint}
        </small>
      )}
    </div>
  );
}

function StatusBadge({ status }: { status: string }) {
  const i = useI18n();
  return (
    <span class={'badge ' + (STATUS_CLASS[status] ?? '')} data-testid="plan-item-status" data-status={status}>
      {planStatusWord(i, status)}
    </span>
  );
}

interface OrgChoice {
  id: string;
  name: string;
}

// ---------------------------------------------------------------- item form

interface ItemVals {
  support_type: string;
  goal: string;
  action: string;
  responsible_org: string;
  due_date: string;
  status: string;
}
type ItemKey = keyof ItemVals;
const ITEM_KEYS: ItemKey[] = ['support_type', 'goal', 'action', 'responsible_org', 'due_date', 'status'];

const valsOf = (it: PlanItem): ItemVals => ({
  support_type: it.support_type,
  goal: it.goal,
  action: it.action ?? '',
  responsible_org: it.responsible_org.id,
  due_date: it.due_date ?? '',
  status: it.status,
});

/**
 * Adds an item (item null) or edits one. Only the fields the person changed
 * are sent; when the item was changed elsewhere meanwhile, the form takes the
 * stored values for every field the person did not touch, and keeps theirs.
 */
function ItemForm(p: {
  item: PlanItem | null;
  stale: boolean;
  types: DirectoryServiceType[];
  orgs: OrgChoice[];
  defaultOrg: string;
  busy: boolean;
  error: unknown;
  onSave: (body: PlanItemBody) => void;
  onCancel: () => void;
}) {
  const i = useI18n();
  const blank: ItemVals = { support_type: '', goal: '', action: '', responsible_org: p.defaultOrg, due_date: '', status: 'planned' };
  const [vals, setVals] = useState<ItemVals>(() => (p.item ? valsOf(p.item) : blank));
  const [dirty, setDirty] = useState<Set<ItemKey>>(() => new Set());
  const [missing, setMissing] = useState<Set<ItemKey>>(() => new Set());

  // A newer version of the item arrived (someone else changed it): take its values where the person typed nothing.
  useEffect(() => {
    if (!p.item) return;
    const stored = valsOf(p.item);
    setVals((v) => {
      const out = { ...v };
      for (const k of ITEM_KEYS) if (!dirty.has(k)) out[k] = stored[k];
      return out;
    });
  }, [p.item?.version]);

  const set = (k: ItemKey) => (v: string) => {
    setVals((o) => ({ ...o, [k]: v }));
    setDirty((d) => new Set(d).add(k));
    setMissing((m) => {
      const n = new Set(m);
      n.delete(k);
      return n;
    });
  };

  const submit = (e: Event) => {
    e.preventDefault();
    const miss = new Set<ItemKey>();
    if (!vals.support_type) miss.add('support_type');
    if (!vals.goal.trim()) miss.add('goal');
    if (!vals.responsible_org) miss.add('responsible_org');
    setMissing(miss);
    if (miss.size) return;
    if (!p.item) {
      const body: PlanItemBody = { support_type: vals.support_type, goal: vals.goal, responsible_org: vals.responsible_org, status: vals.status };
      if (vals.action.trim()) body.action = vals.action;
      if (vals.due_date) body.due_date = vals.due_date;
      p.onSave(body);
      return;
    }
    const stored = valsOf(p.item);
    const body: PlanItemBody = {};
    for (const k of ITEM_KEYS) {
      if (vals[k] === stored[k]) continue;
      if (k === 'action') body.action = vals.action.trim() ? vals.action : null;
      else if (k === 'due_date') body.due_date = vals.due_date || null;
      else body[k] = vals[k];
    }
    if (Object.keys(body).length === 0) p.onCancel();
    else p.onSave(body);
  };

  const typeOptions = [{ value: '', label: i.t('plan.choose_type') }, ...p.types.map((t) => ({ value: t.code, label: serviceLabel(i, p.types, t.code) }))];
  if (vals.support_type && !p.types.some((t) => t.code === vals.support_type)) typeOptions.push({ value: vals.support_type, label: vals.support_type });
  const orgOptions = [{ value: '', label: i.t('plan.choose_org') }, ...p.orgs.map((o) => ({ value: o.id, label: o.name }))];
  const err = (k: ItemKey) => fieldText(i, p.error, k, missing.has(k));

  return (
    <form class="sub-form plan-form" onSubmit={submit} noValidate data-testid="plan-item-form" data-mode={p.item ? 'edit' : 'add'}>
      <h3>{p.item ? i.t('plan.edit_title') : i.t('plan.add_title')}</h3>
      {p.stale && p.item && (
        <p class="alert alert-info" role="status" data-testid="plan-form-stale">
          {i.t('plan.stale_form')}
        </p>
      )}
      <div class="grid2">
        <Pick label={i.t('plan.support_type')} name="support_type" value={vals.support_type} onChange={set('support_type')} options={typeOptions} error={err('support_type')} />
        <Pick label={i.t('plan.responsible_org')} name="responsible_org" value={vals.responsible_org} onChange={set('responsible_org')} options={orgOptions} error={err('responsible_org')} hint={i.t('plan.responsible_hint')} />
      </div>
      <Text label={i.t('plan.goal')} name="goal" value={vals.goal} onInput={set('goal')} error={err('goal')} hint={i.t('plan.goal_hint')} sealed rows={3} />
      <Text label={i.t('plan.action')} name="action" value={vals.action} onInput={set('action')} error={err('action')} sealed rows={3} />
      <div class="grid2">
        <DayField label={i.t('plan.due_date')} name="due_date" value={vals.due_date} onInput={set('due_date')} error={err('due_date')} hint={i.t('plan.due_hint')} />
        <Pick
          label={i.t('plan.status')}
          name="status"
          value={vals.status}
          onChange={set('status')}
          options={PLAN_STATUSES.map((s) => ({ value: s, label: planStatusWord(i, s) }))}
          error={err('status')}
        />
      </div>
      <PlanError error={p.error} />
      <div class="actions">
        <button type="submit" class="btn btn-primary" data-testid="plan-item-save" disabled={p.busy}>
          {p.busy ? i.t('common.working') : i.t('common.save')}
        </button>
        <button type="button" class="btn" data-testid="plan-item-cancel-form" onClick={p.onCancel}>
          {i.t('common.cancel')}
        </button>
      </div>
    </form>
  );
}

// ---------------------------------------------------------------- one item

function ItemView(p: {
  item: PlanItem;
  mayEdit: boolean;
  mayStatus: boolean;
  busy: boolean;
  stale: boolean;
  error: unknown;
  onStatus: (s: string) => void;
  onEdit: () => void;
}) {
  const i = useI18n();
  const it = p.item;
  const off = it.status === 'cancelled';
  return (
    <>
      <div class="plan-item-head">
        <span class="plan-goal strong prewrap" dir="auto" data-testid="plan-item-goal">
          {it.goal}
        </span>
        <span class="plan-badges">
          <StatusBadge status={it.status} />
          {it.overdue && (
            <span class="badge plan-badge-late" data-testid="plan-overdue">
              {i.t('plan.overdue')}
            </span>
          )}
        </span>
      </div>
      {it.action && (
        <p class="plan-action prewrap" dir="auto" data-testid="plan-item-action">
          {it.action}
        </p>
      )}
      <dl class="plan-facts">
        <div>
          <dt>{i.t('plan.responsible_org')}</dt>
          <dd data-testid="plan-item-org">{i.orgName(it.responsible_org)}</dd>
        </div>
        <div>
          <dt>{i.t('plan.due_date')}</dt>
          <dd data-testid="plan-item-due">{it.due_date ? formatDay(i, it.due_date) : i.t('plan.no_due')}</dd>
        </div>
        {it.completed_on && (
          <div>
            <dt>{i.t('plan.completed_on')}</dt>
            <dd>{formatDay(i, it.completed_on)}</dd>
          </div>
        )}
        {it.updated_by_name && (
          <div>
            <dt>{i.t('plan.changed_by')}</dt>
            <dd>
              <bdi>{it.updated_by_name}</bdi> · {i.date(it.updated_at)}
            </dd>
          </div>
        )}
      </dl>
      {p.stale && (
        <p class="alert alert-info" role="alert" data-testid="plan-stale">
          {i.t('plan.stale_item')}
        </p>
      )}
      {!p.stale && p.error !== null && <PlanError error={p.error} />}
      {(p.mayStatus || p.mayEdit) && (
        <div class="row-actions plan-item-actions">
          {p.mayStatus &&
            (NEXT[it.status] ?? []).map((s) => (
              <button key={s} type="button" class="btn btn-small" data-testid={'plan-status-' + s} disabled={p.busy} onClick={() => p.onStatus(s)}>
                {i.t('plan.to.' + it.status + '.' + s)}
              </button>
            ))}
          {p.mayEdit && (
            <button type="button" class="btn btn-small" data-testid="plan-item-edit" disabled={p.busy} onClick={p.onEdit}>
              {i.t('common.edit')}
            </button>
          )}
          {p.mayStatus && !off && it.status !== 'done' && (
            <ConfirmButton label={i.t('plan.cancel_item')} testid="plan-item-cancel" busy={p.busy} danger onConfirm={() => p.onStatus('cancelled')} />
          )}
        </div>
      )}
    </>
  );
}

// ---------------------------------------------------------------- services

function ServiceForm(p: { c: Case; plan: Plan; types: DirectoryServiceType[]; onLogged: (s: ServiceDelivered) => void; onCancel: () => void }) {
  const i = useI18n();
  const [type, setType] = useState('');
  const [item, setItem] = useState('');
  const [date, setDate] = useState(today());
  const [note, setNote] = useState('');
  const [missing, setMissing] = useState<Record<string, boolean>>({});
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const pickItem = (id: string) => {
    setItem(id);
    const it = p.plan.items.find((x) => x.id === id);
    if (it && !type) setType(it.support_type);
    setMissing((m) => ({ ...m, support_type: false }));
  };

  const submit = async (e: Event) => {
    e.preventDefault();
    const miss = { date: !date, support_type: !type && !item };
    setMissing(miss);
    if (miss.date || miss.support_type) return;
    setBusy(true);
    setError(null);
    try {
      const body: { date: string; support_type?: string; item?: string; note?: string } = { date };
      if (type) body.support_type = type;
      if (item) body.item = item;
      if (note.trim()) body.note = note;
      p.onLogged(await planApi.logService(p.c.ref, body));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const open = p.plan.items.filter((x) => x.status !== 'cancelled' || x.id === item);
  return (
    <form class="sub-form plan-form" onSubmit={submit} noValidate data-testid="plan-service-form">
      <h3>{i.t('plan.log_title')}</h3>
      <div class="grid2">
        <Pick
          label={i.t('plan.service_item')}
          name="item"
          value={item}
          onChange={pickItem}
          options={[{ value: '', label: i.t('plan.no_item') }, ...open.map((x) => ({ value: x.id, label: serviceLabel(i, p.types, x.support_type) + ': ' + x.goal }))]}
          error={fieldText(i, error, 'item')}
          hint={i.t('plan.service_item_hint')}
        />
        <Pick
          label={i.t('plan.support_type')}
          name="service_type"
          value={type}
          onChange={(v) => {
            setType(v);
            setMissing((m) => ({ ...m, support_type: false }));
          }}
          options={[{ value: '', label: i.t('plan.choose_type') }, ...p.types.map((t) => ({ value: t.code, label: serviceLabel(i, p.types, t.code) }))]}
          error={fieldText(i, error, 'support_type', missing.support_type)}
        />
        <DayField
          label={i.t('plan.service_date')}
          name="service_date"
          value={date}
          max={today()}
          onInput={(v) => {
            setDate(v);
            setMissing((m) => ({ ...m, date: false }));
          }}
          error={fieldText(i, error, 'date', missing.date)}
        />
      </div>
      <Text label={i.t('plan.service_note')} name="service_note" value={note} onInput={setNote} error={fieldText(i, error, 'note')} sealed rows={3} />
      <PlanError error={error} />
      <div class="actions">
        <button type="submit" class="btn btn-primary" data-testid="plan-service-save" disabled={busy}>
          {busy ? i.t('common.working') : i.t('plan.log_save')}
        </button>
        <button type="button" class="btn" data-testid="plan-service-cancel" onClick={p.onCancel}>
          {i.t('common.cancel')}
        </button>
      </div>
    </form>
  );
}

function Services(p: { c: Case; plan: Plan; types: DirectoryServiceType[]; mayLog: boolean }) {
  const i = useI18n();
  const [items, setItems] = useState<ServiceDelivered[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [logging, setLogging] = useState(false);
  const [logged, setLogged] = useState(false);

  useEffect(() => {
    planApi.services(p.c.ref).then(
      (l) => {
        setItems(l.items);
        setNext(l.next_cursor);
      },
      (e) => {
        setError(e);
        setItems([]);
      },
    );
  }, [p.c.ref]);

  const more = () =>
    planApi.services(p.c.ref, next).then((l) => {
      setItems((xs) => [...(xs ?? []), ...l.items]);
      setNext(l.next_cursor);
    }, setError);

  const goalOf = (id: string | null) => (id ? p.plan.items.find((x) => x.id === id) : undefined);

  return (
    <section class="card" aria-labelledby="services-title" data-testid="plan-services">
      <div class="section-head">
        <h2 id="services-title">{i.t('plan.services_title')}</h2>
        {p.mayLog && !logging && (
          <button
            type="button"
            class="btn btn-small btn-primary"
            data-testid="plan-service-new"
            onClick={() => {
              setLogging(true);
              setLogged(false);
            }}
          >
            {i.t('plan.log_service')}
          </button>
        )}
      </div>
      <p class="hint">{i.t('plan.services_intro')}</p>
      {logged && (
        <p class="alert alert-ok" role="status" data-testid="plan-service-logged">
          {i.t('plan.logged_ok')}
        </p>
      )}
      {logging && (
        <ServiceForm
          c={p.c}
          plan={p.plan}
          types={p.types}
          onCancel={() => setLogging(false)}
          onLogged={(s) => {
            setItems((xs) => [s, ...(xs ?? [])].sort((a, b) => (a.date === b.date ? b.logged_at - a.logged_at : a.date < b.date ? 1 : -1)));
            setLogging(false);
            setLogged(true);
          }}
        />
      )}
      <PlanError error={error} />
      {items === null && <p class="muted">{i.t('common.loading')}</p>}
      {items && items.length === 0 && !error && <p class="muted">{i.t('plan.no_services')}</p>}
      {items && items.length > 0 && (
        <ul class="plan-services">
          {items.map((s) => {
            const it = goalOf(s.item);
            return (
              <li key={s.id} class="plan-service" data-testid="plan-service-row" data-item={s.item ?? ''} data-type={s.support_type}>
                <div class="plan-item-head">
                  <span class="strong">{serviceLabel(i, p.types, s.support_type)}</span>
                  <span class="nowrap" data-testid="plan-service-date">
                    {formatDay(i, s.date)}
                  </span>
                </div>
                <div class="small">
                  {i.t('plan.delivered_by', { org: i.orgName(s.org) })}
                  {it && (
                    <>
                      {' · '}
                      {i.t('plan.for_item')}{' '}
                      <bdi class="strong" data-testid="plan-service-item-goal">
                        {it.goal}
                      </bdi>
                    </>
                  )}
                </div>
                {s.note && (
                  <p class="prewrap plan-action" dir="auto" data-testid="plan-service-note">
                    {s.note}
                  </p>
                )}
                <div class="muted small">
                  {i.t('plan.logged_by')} <bdi>{s.logged_by_name}</bdi> · {i.date(s.logged_at)}
                </div>
              </li>
            );
          })}
        </ul>
      )}
      {next && (
        <button type="button" class="btn btn-small" data-testid="plan-services-more" onClick={more}>
          {i.t('common.load_more')}
        </button>
      )}
    </section>
  );
}

// ---------------------------------------------------------------- the panel

export function PlanPanel({ c, me, canWrite }: { c: Case; me: Me; canWrite: boolean }) {
  const i = useI18n();
  const [plan, setPlan] = useState<Plan | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [entries, setEntries] = useState<DirectoryEntry[]>([]);
  const [types, setTypes] = useState<DirectoryServiceType[]>([]);
  const [dirError, setDirError] = useState<unknown>(null);
  // The form open: 'add', an item's id (edit) or nothing.
  const [form, setForm] = useState<string | null>(null);
  const [formError, setFormError] = useState<unknown>(null);
  const [busy, setBusy] = useState<string | null>(null);
  // The item whose change met a newer version (explained at the item), and another item's error.
  const [stale, setStale] = useState<string | null>(null);
  const [itemError, setItemError] = useState<{ id: string; error: unknown } | null>(null);
  const [gone, setGone] = useState(false);

  const reload = () =>
    planApi.get(c.ref).then(
      (pl) => {
        setPlan(pl);
        setLoadError(null);
        return pl;
      },
      (e) => {
        setLoadError(e);
        return null;
      },
    );

  useEffect(() => {
    void reload();
    directoryApi.search({}).then(
      (r) => {
        setEntries(r.items);
        setTypes(r.service_types);
      },
      setDirError,
    );
  }, [c.ref]);

  const owner = plan?.view === 'owner';
  const mayEdit = owner && canWrite;
  const mayStatus = mayEdit || plan?.view === 'receiver';

  // Every organisation that may be responsible: the case's own first, then the directory's, then any already named.
  const orgs = useMemo<OrgChoice[]>(() => {
    const out: OrgChoice[] = [];
    const add = (id: string, name: string) => {
      if (id && !out.some((o) => o.id === id)) out.push({ id, name });
    };
    const fromDir = entries.find((e) => e.org_id === c.org_id);
    const fromItem = plan?.items.find((x) => x.responsible_org.id === c.org_id)?.responsible_org;
    const ownName = me.org && me.org.id === c.org_id ? i.orgName(me.org) : fromDir ? entryName(i, fromDir) : fromItem ? i.orgName(fromItem) : c.org_id;
    add(c.org_id, i.t('plan.own_org', { org: ownName }));
    for (const e of entries) add(e.org_id, entryName(i, e));
    for (const x of plan?.items ?? []) add(x.responsible_org.id, i.orgName(x.responsible_org));
    return out;
  }, [entries, plan, i, me, c.org_id]);

  // Groups by support type, in the directory's order of types; unknown types after them.
  const groups = useMemo(() => {
    const items = plan?.items ?? [];
    const codes: string[] = [];
    for (const t of types) if (items.some((x) => x.support_type === t.code)) codes.push(t.code);
    for (const x of items) if (!codes.includes(x.support_type)) codes.push(x.support_type);
    return codes.map((code) => ({ code, items: items.filter((x) => x.support_type === code) }));
  }, [plan, types]);

  const conflict = async (id: string) => {
    setStale(id);
    const pl = await reload();
    if (pl && !pl.items.some((x) => x.id === id)) {
      setStale(null);
      setGone(true);
    }
  };

  const addItem = async (body: PlanItemBody) => {
    setBusy('add');
    setFormError(null);
    try {
      setPlan(await planApi.addItem(c.ref, body));
      setForm(null);
    } catch (err) {
      setFormError(err);
    } finally {
      setBusy(null);
    }
  };

  const patch = async (it: PlanItem, body: PlanItemBody, fromForm: boolean) => {
    setBusy(it.id);
    setItemError(null);
    setGone(false);
    if (fromForm) setFormError(null);
    else setStale(null);
    try {
      setPlan(await planApi.patchItem(c.ref, it.id, { version: it.version, ...body }));
      setStale(null);
      if (fromForm) setForm(null);
    } catch (err) {
      if (err instanceof ApiError && err.code === 'stale_version') {
        await conflict(it.id);
      } else if (err instanceof ApiError && err.code === 'not_found') {
        setGone(true);
        if (fromForm) setForm(null);
        await reload();
      } else if (fromForm) {
        setFormError(err);
      } else {
        setItemError({ id: it.id, error: err });
      }
    } finally {
      setBusy(null);
    }
  };

  const overdue = plan ? plan.items.filter((x) => x.overdue).length : 0;

  return (
    <>
      <section class="card" aria-labelledby="plan-title" data-testid="plan-panel" data-version={plan?.version ?? ''}>
        <div class="section-head">
          <h2 id="plan-title">{i.t('plan.title')}</h2>
          {mayEdit && form !== 'add' && (
            <button
              type="button"
              class="btn btn-small btn-primary"
              data-testid="plan-add"
              onClick={() => {
                setForm('add');
                setFormError(null);
              }}
            >
              {i.t('plan.add')}
            </button>
          )}
        </div>
        <p class="hint">{i.t(plan?.view === 'receiver' ? 'plan.intro_receiver' : 'plan.intro')}</p>
        {plan && plan.items.length > 0 && (
          <p class="plan-summary" data-testid="plan-summary">
            <span>{i.t('plan.count', { n: plan.items.length })}</span>
            {overdue > 0 && <span class="badge plan-badge-late">{i.t('plan.count_overdue', { n: overdue })}</span>}
            {plan.version !== null && plan.updated_by_name && (
              <span class="muted small">
                {i.t('plan.version_line', { version: plan.version })} · <bdi>{plan.updated_by_name}</bdi> · {i.date(plan.updated_at)}
              </span>
            )}
          </p>
        )}
        {gone && (
          <p class="alert alert-info" role="alert" data-testid="plan-stale">
            {i.t('plan.item_gone')}
          </p>
        )}
        <PlanError error={loadError} />
        {dirError !== null && <PlanError error={dirError} />}
        {form === 'add' && (
          <ItemForm
            item={null}
            stale={false}
            types={types}
            orgs={orgs}
            defaultOrg={c.org_id}
            busy={busy === 'add'}
            error={formError}
            onSave={addItem}
            onCancel={() => setForm(null)}
          />
        )}
        {plan === null && !loadError && <p class="muted">{i.t('common.loading')}</p>}
        {plan && plan.items.length === 0 && <p class="muted" data-testid="plan-empty">{i.t(mayEdit ? 'plan.empty_add' : 'plan.empty')}</p>}
        {groups.map((g) => (
          <div key={g.code} class="plan-group" data-testid="plan-group" data-type={g.code}>
            <h3 class="plan-group-title" data-testid="plan-group-title">
              {serviceLabel(i, types, g.code)} <span class="muted small">({i.num(g.items.length)})</span>
            </h3>
            <ul class="plan-items">
              {g.items.map((it) => (
                <li
                  key={it.id}
                  class={'plan-item' + (it.overdue ? ' overdue' : '') + (it.status === 'cancelled' ? ' off' : it.status === 'done' ? ' done' : '')}
                  data-testid="plan-item"
                  data-id={it.id}
                  data-status={it.status}
                  data-overdue={it.overdue ? 'true' : 'false'}
                  data-version={it.version}
                >
                  {form === it.id ? (
                    <ItemForm
                      item={it}
                      stale={stale === it.id}
                      types={types}
                      orgs={orgs}
                      defaultOrg={c.org_id}
                      busy={busy === it.id}
                      error={formError}
                      onSave={(body) => patch(it, body, true)}
                      onCancel={() => {
                        setForm(null);
                        setStale(null);
                        setFormError(null);
                      }}
                    />
                  ) : (
                    <ItemView
                      item={it}
                      mayEdit={mayEdit}
                      mayStatus={!!mayStatus}
                      busy={busy !== null}
                      stale={stale === it.id}
                      error={itemError?.id === it.id ? itemError.error : null}
                      onStatus={(s) => patch(it, { status: s }, false)}
                      onEdit={() => {
                        setForm(it.id);
                        setFormError(null);
                        setStale(null);
                      }}
                    />
                  )}
                </li>
              ))}
            </ul>
          </div>
        ))}
      </section>
      {plan && <Services c={c} plan={plan} types={types} mayLog={canWrite || plan.view === 'receiver'} />}
    </>
  );
}
