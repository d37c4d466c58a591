// One referral (#/referrals/<id>): its state, deadlines and history; for the
// receiver, the person as the referral's profile shares it (labels and
// choice words from the registry); the moves the caller's side may make now,
// each with a note; the printable form in Arabic and in English; and, for
// the receiver serving the person, the services it delivered.
import { useEffect, useState } from 'preact/hooks';
import { ApiError, type Me } from '../api';
import { useI18n } from '../i18n';
import { formatDay, loadSchema, today, type Schema } from '../schema';
import { DECLINE_CODES, OPEN_STATES, OUTCOME_CODES, referralApi, type DeliveredService, type Profile, type Referral } from '../referralApi';
import { caseHref } from './Cases';
import { serviceLabel } from './directoryParts';
import {
  can,
  ConsentBadge,
  fieldErrText,
  Lateness,
  listHref,
  orgText,
  pathLabel,
  RefErrorBox,
  rword,
  servicesText,
  SharedPersonView,
  StateBadge,
  useServiceTypes,
} from './referralParts';

type Move = 'acknowledged' | 'accepted' | 'declined' | 'in_service' | 'completed' | 'withdrawn';

/** The moves the caller's side may make now (rules.h); the server decides in the end. */
function movesFor(r: Referral, me: Me): Move[] {
  const out: Move[] = [];
  if (r.side === 'receiver' && can(me, 'referral.receive')) {
    if (r.state === 'sent') out.push('acknowledged');
    if (r.state === 'acknowledged') out.push('accepted', 'declined');
    if (r.state === 'accepted') out.push('in_service');
    if (r.state === 'in_service') out.push('completed');
  }
  if (r.side !== 'receiver' && can(me, 'referral.send') && OPEN_STATES.includes(r.state)) out.push('withdrawn');
  return out;
}

function MoveForm({ r, move, onDone, onCancel }: { r: Referral; move: Move; onDone: (r: Referral) => void; onCancel: () => void }) {
  const i = useI18n();
  const [plannedStart, setPlannedStart] = useState(today());
  const [code, setCode] = useState('');
  const [note, setNote] = useState('');
  const [missing, setMissing] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const extra = move === 'accepted' ? 'planned_start' : move === 'declined' ? 'reason' : move === 'completed' ? 'outcome' : '';

  const submit = async (e: Event) => {
    e.preventDefault();
    if (extra === 'planned_start' && !plannedStart) return setMissing(extra);
    if ((extra === 'reason' || extra === 'outcome') && !code) return setMissing(extra);
    setMissing('');
    setBusy(true);
    setError(null);
    try {
      const body: Parameters<typeof referralApi.move>[1] = { to: move, version: r.version };
      if (extra === 'planned_start') body.planned_start = plannedStart;
      if (extra === 'reason') body.reason = code;
      if (extra === 'outcome') body.outcome = code;
      if (note.trim()) body.note = note;
      onDone(await referralApi.move(r.id, body));
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };
  const ferr = (f: string) => (missing === f ? i.t('field.missing_field') : fieldErrText(i, error, f));
  const codes = extra === 'reason' ? DECLINE_CODES : OUTCOME_CODES;

  return (
    <form class="sub-form" onSubmit={submit} noValidate data-testid="move-form" data-move={move}>
      <h3>{i.t('referral.move_title.' + move)}</h3>
      {extra === 'planned_start' && (
        <div class={'field' + (ferr('planned_start') ? ' has-error' : '')}>
          <label for="move-start">{i.t('referral.planned_start')}</label>
          <input id="move-start" type="date" name="planned_start" value={plannedStart} onInput={(e) => setPlannedStart((e.currentTarget as HTMLInputElement).value)} />
          {ferr('planned_start') && <small class="field-error">{ferr('planned_start')}</small>}
        </div>
      )}
      {(extra === 'reason' || extra === 'outcome') && (
        <div class={'field' + (ferr(extra) ? ' has-error' : '')}>
          <label for="move-code">{i.t(extra === 'reason' ? 'referral.decline_reason' : 'referral.outcome')}</label>
          <select id="move-code" name={extra} value={code} onChange={(e) => setCode((e.currentTarget as HTMLSelectElement).value)}>
            <option value="">{i.t('referral.choose')}</option>
            {codes.map((c) => (
              <option key={c} value={c}>
                {rword(i, extra === 'reason' ? 'decline' : 'outcome', c)}
              </option>
            ))}
          </select>
          {ferr(extra) && <small class="field-error">{ferr(extra)}</small>}
        </div>
      )}
      <div class={'field ref-note' + (ferr('note') ? ' has-error' : '')}>
        <label for="move-note">{i.t('referral.note')}</label>
        <textarea id="move-note" name="note" dir="auto" rows={3} maxLength={2000} value={note} onInput={(e) => setNote((e.currentTarget as HTMLTextAreaElement).value)} />
        <small class={ferr('note') ? 'field-error' : 'hint'}>{ferr('note') ?? i.t('referral.note_hint')}</small>
      </div>
      <RefErrorBox error={error} />
      {error instanceof ApiError && error.code === 'stale_version' && <p class="hint">{i.t('referral.stale')}</p>}
      <div class="actions">
        <button type="submit" class={'btn btn-primary' + (move === 'declined' || move === 'withdrawn' ? ' btn-danger' : '')} data-testid="move-confirm" disabled={busy}>
          {busy ? i.t('common.working') : i.t('referral.move.' + move)}
        </button>
        <button type="button" class="btn" data-testid="move-cancel" onClick={onCancel}>
          {i.t('common.cancel')}
        </button>
      </div>
    </form>
  );
}

/** Services delivered through this referral; the receiver serving the person logs new ones. */
function DeliveredServices({ r, me, mayLog }: { r: Referral; me: Me; mayLog: boolean }) {
  const i = useI18n();
  const types = useServiceTypes();
  const [items, setItems] = useState<DeliveredService[] | null>(null);
  const [adding, setAdding] = useState(false);
  const [type, setType] = useState(r.services[0] ?? '');
  const [date, setDate] = useState(today());
  const [note, setNote] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const load = () => {
    referralApi.services(r.case_ref).then(
      (l) => setItems(l.items.filter((s) => s.referral === r.id)),
      () => setItems([]), // not serving (any more): nothing to show
    );
  };
  useEffect(load, [r.id, r.state]);
  if (!can(me, 'plan')) return null;
  if (!mayLog && (!items || items.length === 0)) return null;

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await referralApi.logService(r.case_ref, { support_type: type, date, referral: r.id, ...(note.trim() ? { note } : {}) });
      setAdding(false);
      setNote('');
      load();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="card" aria-labelledby="delivered-title" data-testid="delivered">
      <div class="section-head">
        <h2 id="delivered-title">{i.t('referral.delivered_title')}</h2>
        {mayLog && !adding && (
          <button type="button" class="btn btn-small" data-testid="service-log" onClick={() => setAdding(true)}>
            {i.t('referral.delivered_log')}
          </button>
        )}
      </div>
      {items && items.length === 0 && <p class="muted">{i.t('referral.delivered_none')}</p>}
      {items && items.length > 0 && (
        <ul class="ref-history">
          {items.map((s) => (
            <li key={s.id} data-testid="delivered-row">
              <span class="strong">{serviceLabel(i, types, s.support_type)}</span> · <span>{formatDay(i, s.date)}</span>{' '}
              <span class="muted small">
                {orgText(i, s.org)} · <bdi>{s.logged_by_name}</bdi>
              </span>
              {s.note && (
                <div class="prewrap" dir="auto">
                  {s.note}
                </div>
              )}
            </li>
          ))}
        </ul>
      )}
      {adding && (
        <form class="sub-form" onSubmit={submit} noValidate data-testid="service-form">
          <div class={'field' + (fieldErrText(i, error, 'support_type') ? ' has-error' : '')}>
            <label for="svc-type">{i.t('referral.delivered_type')}</label>
            <select id="svc-type" name="support_type" value={type} onChange={(e) => setType((e.currentTarget as HTMLSelectElement).value)}>
              {(types.length ? types.map((t) => t.code) : r.services).map((c) => (
                <option key={c} value={c}>
                  {serviceLabel(i, types, c)}
                </option>
              ))}
            </select>
            {fieldErrText(i, error, 'support_type') && <small class="field-error">{fieldErrText(i, error, 'support_type')}</small>}
          </div>
          <div class={'field' + (fieldErrText(i, error, 'date') ? ' has-error' : '')}>
            <label for="svc-date">{i.t('referral.delivered_date')}</label>
            <input id="svc-date" type="date" name="date" max={today()} value={date} onInput={(e) => setDate((e.currentTarget as HTMLInputElement).value)} />
            {fieldErrText(i, error, 'date') && <small class="field-error">{fieldErrText(i, error, 'date')}</small>}
          </div>
          <div class={'field ref-note' + (fieldErrText(i, error, 'note') ? ' has-error' : '')}>
            <label for="svc-note">{i.t('referral.note')}</label>
            <textarea id="svc-note" name="service_note" dir="auto" rows={3} maxLength={2000} value={note} onInput={(e) => setNote((e.currentTarget as HTMLTextAreaElement).value)} />
            {fieldErrText(i, error, 'note') && <small class="field-error">{fieldErrText(i, error, 'note')}</small>}
          </div>
          <RefErrorBox error={error} />
          <div class="actions">
            <button type="submit" class="btn btn-primary" data-testid="service-save" disabled={busy}>
              {busy ? i.t('common.working') : i.t('referral.delivered_save')}
            </button>
            <button type="button" class="btn" onClick={() => setAdding(false)}>
              {i.t('common.cancel')}
            </button>
          </div>
        </form>
      )}
    </section>
  );
}

export function ReferralView({ id, me }: { id: string; me: Me }) {
  const i = useI18n();
  const types = useServiceTypes();
  const [r, setR] = useState<Referral | null>(null);
  const [schema, setSchema] = useState<Schema | null>(null);
  const [profiles, setProfiles] = useState<Profile[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [move, setMove] = useState<Move | null>(null);
  const [done, setDone] = useState<Move | null>(null);

  const load = () => {
    setError(null);
    referralApi.get(id).then(setR, setError);
  };
  useEffect(() => {
    load();
    loadSchema().then(setSchema, () => undefined);
    referralApi.profiles().then(
      (p) => setProfiles(p.items),
      () => undefined,
    );
  }, [id]);

  const back = (
    <p class="crumbs">
      <a href={listHref({})} data-testid="back-to-referrals">
        {i.t('referral.back')}
      </a>
    </p>
  );
  if (error && !r)
    return (
      <>
        {back}
        <RefErrorBox error={error} />
      </>
    );
  if (!r) return <p class="muted">{i.t('common.loading')}</p>;

  const moves = movesFor(r, me);
  const profile = profiles.find((p) => p.id === r.profile);
  const transitions = r.transitions ?? [];
  const open = OPEN_STATES.includes(r.state);
  const serving = r.side === 'receiver' && (r.state === 'accepted' || r.state === 'in_service');

  return (
    <section aria-labelledby="referral-title" data-testid="referral-view" data-id={r.id} data-state={r.state} data-side={r.side} data-version={r.version}>
      {back}
      <div class="section-head">
        <h1 id="referral-title">
          {i.t('referral.view_title')}{' '}
          <bdi dir="ltr" data-testid="referral-case">
            {r.case_ref}
          </bdi>
        </h1>
        <div class="ref-print" data-testid="referral-print">
          <a class="btn btn-small" href={referralApi.formHref(r.id, 'ar')} target="_blank" rel="noopener" lang="ar" data-testid="form-ar">
            {i.t('referral.print_ar')}
          </a>
          <a class="btn btn-small" href={referralApi.formHref(r.id, 'en')} target="_blank" rel="noopener" lang="en" data-testid="form-en">
            {i.t('referral.print_en')}
          </a>
        </div>
      </div>
      {done && (
        <p class="alert alert-ok" role="status" data-testid="notice">
          {i.t('referral.moved_ok', { state: rword(i, 'state', r.state) })}
        </p>
      )}
      <dl class="facts facts-compact">
        <div>
          <dt>{i.t('referral.state')}</dt>
          <dd>
            <StateBadge state={r.state} />
            {r.overdue && <span class="badge badge-late">{i.t('referral.overdue')}</span>}
          </dd>
        </div>
        <div>
          <dt>{i.t('referral.from')}</dt>
          <dd data-testid="referral-from">{orgText(i, r.from_org)}</dd>
        </div>
        <div>
          <dt>{i.t('referral.to')}</dt>
          <dd data-testid="referral-to">{orgText(i, r.to_org)}</dd>
        </div>
        <div>
          <dt>{i.t('referral.services')}</dt>
          <dd data-testid="referral-services">{servicesText(i, types, r.services)}</dd>
        </div>
        <div>
          <dt>{i.t('referral.urgency')}</dt>
          <dd>{rword(i, 'urgency', r.urgency)}</dd>
        </div>
        <div>
          <dt>{i.t('referral.consent')}</dt>
          <dd>
            <ConsentBadge r={r} />
          </dd>
        </div>
        <div>
          <dt>{i.t('referral.created')}</dt>
          <dd>
            {i.date(r.created_at)} · <bdi>{r.created_by_name}</bdi>
          </dd>
        </div>
        {r.side === 'sender' && can(me, 'case.read') && (
          <div>
            <dt>{i.t('referral.case')}</dt>
            <dd>
              <a href={caseHref(r.case_ref)} data-testid="referral-case-link">
                <bdi dir="ltr">{r.case_ref}</bdi>
              </a>
            </dd>
          </div>
        )}
      </dl>

      <section class="card" aria-labelledby="ref-deadlines" data-testid="referral-deadlines">
        <h2 id="ref-deadlines">{i.t('referral.deadlines')}</h2>
        <dl class="values">
          <div class="value-row">
            <dt>{i.t('referral.deadline_ack')}</dt>
            <dd>{i.date(r.ack_due)}</dd>
          </div>
          <div class="value-row">
            <dt>{i.t('referral.deadline_answer')}</dt>
            <dd>{i.date(r.answer_due)}</dd>
          </div>
          {open && r.next_due && (
            <div class="value-row">
              <dt>{i.t('referral.now_running')}</dt>
              <dd>
                <Lateness r={r} />
              </dd>
            </div>
          )}
          {r.planned_start && (
            <div class="value-row">
              <dt>{i.t('referral.planned_start')}</dt>
              <dd data-testid="referral-planned-start">{formatDay(i, r.planned_start)}</dd>
            </div>
          )}
          {r.decline_reason && (
            <div class="value-row">
              <dt>{i.t('referral.decline_reason')}</dt>
              <dd data-testid="referral-decline-reason">{rword(i, 'decline', r.decline_reason)}</dd>
            </div>
          )}
          {r.outcome && (
            <div class="value-row">
              <dt>{i.t('referral.outcome')}</dt>
              <dd data-testid="referral-outcome" data-outcome={r.outcome}>
                {rword(i, 'outcome', r.outcome)}
              </dd>
            </div>
          )}
        </dl>
      </section>

      {moves.length > 0 && (
        <section class="card" aria-labelledby="ref-moves" data-testid="referral-moves">
          <h2 id="ref-moves">{i.t('referral.moves_title')}</h2>
          {!move && (
            <div class="ref-moves">
              {moves.map((m) => (
                <button
                  key={m}
                  type="button"
                  class={'btn' + (m === 'declined' || m === 'withdrawn' ? ' btn-danger' : ' btn-primary')}
                  data-testid={'move-' + m}
                  onClick={() => {
                    setDone(null);
                    setMove(m);
                  }}
                >
                  {i.t('referral.move.' + m)}
                </button>
              ))}
            </div>
          )}
          {move && (
            <MoveForm
              r={r}
              move={move}
              onCancel={() => setMove(null)}
              onDone={(nr) => {
                setR(nr);
                setDone(move);
                setMove(null);
              }}
            />
          )}
        </section>
      )}

      {r.reason && (
        <section class="card" aria-labelledby="ref-reason">
          <h2 id="ref-reason">{i.t('referral.reason')}</h2>
          <p class="prewrap" dir="auto" data-testid="referral-reason">
            {r.reason}
          </p>
        </section>
      )}

      <section class="card" aria-labelledby="ref-person" data-testid="referral-person">
        <h2 id="ref-person">{i.t(r.side === 'receiver' ? 'referral.person_title' : 'referral.person_shared_title')}</h2>
        {profile && <p class="muted small">{i.t('referral.profile_is', { profile: i.orgName(profile) })}</p>}
        {r.side === 'receiver' && r.shared && r.person && schema && <SharedPersonView schema={schema} person={r.person} />}
        {r.side === 'receiver' && !r.shared && (
          <p class="alert alert-info" data-testid="referral-not-shared">
            {i.t(open ? 'referral.not_shared_consent' : 'referral.not_shared_closed')}
          </p>
        )}
        {r.side !== 'receiver' && (
          <>
            <p class="hint">{i.t('referral.receiver_sees')}</p>
            <ul class="profile-fields" data-testid="referral-fields">
              {r.fields.map((f) => (
                <li key={f}>{pathLabel(i, schema, f)}</li>
              ))}
            </ul>
          </>
        )}
      </section>

      <DeliveredServices r={r} me={me} mayLog={serving} />

      <section class="card" aria-labelledby="ref-history" data-testid="referral-history">
        <h2 id="ref-history">{i.t('referral.history')}</h2>
        <ol class="ref-history">
          {transitions.map((t) => (
            <li key={t.seq} data-testid="history-row" data-to={t.to}>
              <StateBadge state={t.to} /> <span class="muted small">{i.date(t.at)}</span>{' '}
              <span class="small">
                <bdi>{t.by_name || '—'}</bdi>
              </span>
              {t.note && (
                <div class="prewrap" dir="auto" data-testid="history-note">
                  {t.note}
                </div>
              )}
            </li>
          ))}
        </ol>
      </section>
    </section>
  );
}
