// Small pieces shared by the referral screens, the refer form on a case,
// the work list and the notifications: addresses, badges, lateness, the
// words for error codes, and the receiver's view of the person.
import type { JSX } from 'preact';
import type { Me, Values } from '../api';
import { ApiError } from '../api';
import { useEffect, useState } from 'preact/hooks';
import type { I18n } from '../i18n';
import { useI18n } from '../i18n';
import { entity, field, formatValue, lbl, type Schema } from '../schema';
import { OPEN_STATES, type OrgRef, type Referral, type SharedPerson } from '../referralApi';
import { directoryApi, serviceLabel, type DirectoryServiceType } from './directoryParts';
import '../referrals.css';

export const can = (me: Me | null | undefined, p: string) => !!me && me.permissions.includes(p);

export const referralHref = (id: string) => '#/referrals/' + encodeURIComponent(id);

/** The list's address with its filters ("#/referrals?tab=sent&state=sent"). */
export function listHref(params: Record<string, string | undefined>): string {
  const sp = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) sp.set(k, v);
  const s = sp.toString();
  return '#/referrals' + (s ? '?' + s : '');
}

export const overviewHref = '#/referrals/overview';

/** A word of an enumeration under referral.<group>.<value>, or the value itself. */
export function rword(i: I18n, group: string, value: string | null | undefined): string {
  if (!value) return '—';
  const k = 'referral.' + group + '.' + value;
  return i.has(k) ? i.t(k) : value;
}

let typesOnce: Promise<DirectoryServiceType[]> | null = null;

/** The service types with their labels (from the directory), fetched once per page load. */
export function useServiceTypes(): DirectoryServiceType[] {
  const [types, setTypes] = useState<DirectoryServiceType[]>([]);
  useEffect(() => {
    if (!typesOnce) {
      typesOnce = directoryApi.search({}).then(
        (r) => r.service_types,
        () => {
          typesOnce = null;
          return [];
        },
      );
    }
    let live = true;
    typesOnce.then((t) => live && setTypes(t));
    return () => {
      live = false;
    };
  }, []);
  return types;
}

/** A list of service codes in words. */
export const servicesText = (i: I18n, types: DirectoryServiceType[], codes: string[]) =>
  codes.map((c) => serviceLabel(i, types, c)).join(i.t('common.list_sep'));

export const orgText = (i: I18n, o: OrgRef | null | undefined) => i.orgName(o ?? null);

const STATE_CLASS: Record<string, string> = {
  sent: 'badge-warn',
  acknowledged: 'badge-warn',
  accepted: 'badge-on',
  in_service: 'badge-on',
  completed: 'badge-on',
  declined: 'badge-off',
  withdrawn: 'badge-off',
};

export function StateBadge({ state }: { state: string }) {
  const i = useI18n();
  return (
    <span class={'badge ' + (STATE_CLASS[state] ?? '')} data-testid="referral-state" data-state={state}>
      {rword(i, 'state', state)}
    </span>
  );
}

/** "5 h" or "3 days": a stretch of time in words, rounded up to the hour or down to the day. */
export function span(i: I18n, seconds: number): string {
  const s = Math.abs(seconds);
  if (s < 48 * 3600) return i.t('referral.span_hours', { n: Math.max(1, Math.ceil(s / 3600)) });
  return i.t('referral.span_days', { n: Math.floor(s / 86400) });
}

/** How late, or how long until the running deadline; nothing once none runs. */
export function Lateness({ r, now }: { r: Pick<Referral, 'next_due' | 'overdue' | 'state'>; now?: number }) {
  const i = useI18n();
  if (!r.next_due || !OPEN_STATES.includes(r.state)) return null;
  const t = now ?? Math.floor(Date.now() / 1000);
  const left = r.next_due - t;
  const late = r.overdue || left < 0;
  const what = r.state === 'sent' ? 'referral.deadline_ack' : 'referral.deadline_answer';
  return (
    <span class={late ? 'late-note' : 'muted'} data-testid="referral-lateness" data-late={late ? 'true' : 'false'}>
      {i.t(what)}: {late ? i.t('referral.late_by', { span: span(i, left) }) : i.t('referral.due_in', { span: span(i, left) })}
    </span>
  );
}

/**
 * The words for an API error: a referral-specific label when there is one
 * (consent_required, not_accepting, ...), else the general one.
 */
export function errText(i: I18n, e: unknown): string {
  if (e instanceof ApiError && i.has('referral.err.' + e.code)) return i.t('referral.err.' + e.code);
  return i.error(e);
}

/** The words for the error of one field (or of any of its items: "services" finds "services[1]"). */
export function fieldErrText(i: I18n, e: unknown, base: string): string | null {
  if (!(e instanceof ApiError)) return null;
  for (const [f, code] of Object.entries(e.fields)) {
    if (f !== base && !(f.startsWith(base + '[') && /\]$/.test(f))) continue;
    if (i.has('referral.err.' + code)) return i.t('referral.err.' + code);
    if (i.has('field.' + code)) return i.t('field.' + code);
    return i.has('error.' + code) ? i.t('error.' + code) : code;
  }
  return null;
}

export function RefErrorBox({ error }: { error: unknown }) {
  const i = useI18n();
  if (!error) return null;
  return (
    <p class="alert alert-error" role="alert" data-testid="error" data-code={error instanceof ApiError ? error.code : undefined}>
      {errText(i, error)}
    </p>
  );
}

/** A profile path ("person.given_name", "events") in words of the registry. */
export function pathLabel(i: I18n, schema: Schema | null, path: string): string {
  if (!schema) return path;
  if (path === 'events') return lbl(i, entity(schema, 'event')?.label) || path;
  const [ent, key] = path.split('.');
  const f = field(schema, ent, key);
  if (!f) return path;
  const e = entity(schema, ent);
  return e && ent !== 'person' ? lbl(i, f.label) + ' (' + lbl(i, e.label) + ')' : lbl(i, f.label);
}

const present = (v: unknown) => !(v === null || v === undefined || v === '' || (Array.isArray(v) && v.length === 0));

function ValueList({ schema, ent, values, testid }: { schema: Schema; ent: string; values: Values; testid: string }) {
  const i = useI18n();
  const def = entity(schema, ent);
  const keys = Object.keys(values).filter((k) => present(values[k]));
  // In the registry's order; keys it does not know (none expected) at the end.
  const order = def ? def.fields.map((f) => f.key) : [];
  keys.sort((a, b) => (order.indexOf(a) + 1 || 999) - (order.indexOf(b) + 1 || 999));
  return (
    <dl class="values" data-testid={testid}>
      {keys.map((k) => {
        const f = def?.fields.find((x) => x.key === k);
        const text = f ? formatValue(i, schema, f, values[k]) : String(values[k]);
        return (
          <div key={k} class="value-row" data-key={k}>
            <dt>{f ? lbl(i, f.label) : k}</dt>
            <dd class={f?.type === 'longtext' ? 'prewrap' : undefined} data-testid={'shared-' + ent + '-' + k}>
              {f && (f.type === 'text' || f.type === 'longtext') ? <bdi>{text}</bdi> : text}
            </dd>
          </div>
        );
      })}
    </dl>
  );
}

/** What the receiver sees of the person: only the profile's fields, labelled from the registry. */
export function SharedPersonView({ schema, person }: { schema: Schema; person: SharedPerson }) {
  const i = useI18n();
  const parts: JSX.Element[] = [];
  for (const ent of ['person', 'victim'] as const) {
    const v = person[ent];
    if (v && Object.keys(v).some((k) => present(v[k]))) {
      parts.push(
        <div key={ent} class="view-section">
          <h3>{lbl(i, entity(schema, ent)?.label) || ent}</h3>
          <ValueList schema={schema} ent={ent} values={v} testid={'shared-values-' + ent} />
        </div>,
      );
    }
  }
  (person.events ?? []).forEach((ev, k) => {
    parts.push(
      <div key={'ev' + k} class="view-section">
        <h3>
          {lbl(i, entity(schema, 'event')?.label)} {i.num(k + 1)}
        </h3>
        <ValueList schema={schema} ent="event" values={ev} testid={'shared-values-event-' + k} />
      </div>,
    );
  });
  if (!parts.length) return <p class="muted">{i.t('referral.person_empty')}</p>;
  return <div data-testid="shared-person">{parts}</div>;
}

/** The consent a referral was sent on: given, or a supervisor's override (with its reason for the sender). */
export function ConsentBadge({ r }: { r: Pick<Referral, 'consent' | 'override'> }) {
  const i = useI18n();
  if (r.consent !== 'override') {
    return (
      <span class="badge badge-on" data-testid="referral-consent" data-consent="given">
        {i.t('referral.consent_given')}
      </span>
    );
  }
  return (
    <span data-testid="referral-consent" data-consent="override">
      <span class="badge badge-warn">{i.t('referral.consent_override', { name: r.override?.by_name || '—' })}</span>
      {r.override?.reason && (
        <span class="small" data-testid="override-reason-text">
          {' '}
          <bdi>{r.override.reason}</bdi>
        </span>
      )}
    </span>
  );
}

/** A work-list item about a referral: its id, or null for the identification deadlines. */
export function referralWorkId(w: object): string | null {
  const id = (w as { referral_id?: unknown }).referral_id;
  return typeof id === 'string' && id ? id : null;
}

/**
 * A referral's running deadline on the work list: what is due (acknowledge,
 * answer), the case reference, the deadline and how late; it opens the
 * referral, which both sides may see (the receiver cannot open the case).
 */
export function ReferralWorkItem({ w }: { w: { kind: string; ref: string; due_at?: number; due?: string } }) {
  const i = useI18n();
  const id = referralWorkId(w) ?? '';
  const late = /_overdue$/.test(w.kind);
  const dueAt = typeof w.due_at === 'number' ? w.due_at : null;
  const left = dueAt !== null ? dueAt - Math.floor(Date.now() / 1000) : null;
  return (
    <li class={'work-item' + (late ? ' overdue' : '')} data-testid="work-item" data-kind={w.kind} data-ref={w.ref} data-referral={id} data-overdue={late ? 'true' : 'false'}>
      <div class="work-kind">{rword(i, 'kind', w.kind)}</div>
      <div class="work-line">
        <a href={referralHref(id)} data-testid="work-referral">
          {i.t('referral.work_open')} <bdi dir="ltr">{w.ref}</bdi>
        </a>
        <span>{i.t('worklist.due', { date: dueAt !== null ? i.date(dueAt) : w.due ?? '—' })}</span>
        {left !== null && (
          <span class={late || left < 0 ? 'overdue-note' : 'muted'}>
            {late || left < 0 ? i.t('referral.late_by', { span: span(i, left) }) : i.t('referral.due_in', { span: span(i, left) })}
          </span>
        )}
      </div>
    </li>
  );
}
