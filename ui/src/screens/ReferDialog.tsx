// Referrals on a case (CaseView): the case's referrals with their consent or
// override, the "Refer" form (receiving organisation from the service
// directory, its services, urgency, the profile and the fields the receiver
// will see, the reason; a supervisor's override when consent is missing) and
// the "Transfer case" form with the case's transfer history.
import { useEffect, useMemo, useState } from 'preact/hooks';
import { allPages, api, ApiError, type Case, type Me, type Org } from '../api';
import { Dialog } from '../components';
import { useI18n } from '../i18n';
import { type Schema } from '../schema';
import { referralApi, URGENCIES, type Profile, type Referral, type Transfer } from '../referralApi';
import { directoryApi, entryName, serviceLabel, type DirectoryEntry, type DirectoryServiceType } from './directoryParts';
import { goCases, setFlash } from './Cases';
import { can, ConsentBadge, errText, fieldErrText, Lateness, orgText, pathLabel, RefErrorBox, referralHref, rword, servicesText, StateBadge, useServiceTypes } from './referralParts';

let fieldSeq = 0;
const nextId = (p: string) => p + ++fieldSeq;

/** A text area with its label and the error of its field. */
function TextArea(p: { label: string; name: string; value: string; onInput: (v: string) => void; error?: string | null; hint?: string; max?: number; testid?: string }) {
  const [id] = useState(() => nextId('ta'));
  return (
    <div class={'field' + (p.error ? ' has-error' : '')}>
      <label for={id}>{p.label}</label>
      <textarea
        id={id}
        name={p.name}
        dir="auto"
        rows={3}
        maxLength={p.max ?? 2000}
        value={p.value}
        data-testid={p.testid}
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

/** The override a supervisor may give when the person's consent is missing: a reason is required. */
function OverrideBox(p: { allowed: boolean; on: boolean; setOn: (b: boolean) => void; reason: string; setReason: (s: string) => void; error: unknown; missing: boolean }) {
  const i = useI18n();
  if (!p.allowed) {
    return (
      <p class="alert alert-info" data-testid="consent-help">
        {i.t('referral.consent_missing_help')}
      </p>
    );
  }
  return (
    <div class="override-box" data-testid="override-box">
      <p>{i.t('referral.override_intro')}</p>
      <label class="check">
        <input type="checkbox" name="override" data-testid="override-on" checked={p.on} onChange={(e) => p.setOn((e.currentTarget as HTMLInputElement).checked)} />
        <span>{i.t('referral.override_label')}</span>
      </label>
      {p.on && (
        <TextArea
          label={i.t('referral.override_reason')}
          name="override_reason"
          testid="override-reason"
          value={p.reason}
          onInput={p.setReason}
          error={p.missing ? i.t('field.missing_field') : fieldErrText(i, p.error, 'consent_override.reason') ?? fieldErrText(i, p.error, 'consent_override')}
          hint={i.t('referral.override_hint')}
        />
      )}
    </div>
  );
}

/** Directory entries (and, for those who see them, other organisations) to send to. */
function useTargets(caseOrg: string, withOrgs: boolean) {
  const [entries, setEntries] = useState<DirectoryEntry[] | null>(null);
  const [types, setTypes] = useState<DirectoryServiceType[]>([]);
  const [orgs, setOrgs] = useState<Org[]>([]);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    directoryApi.search({}).then(
      (r) => {
        setEntries(r.items.filter((e) => e.org_id !== caseOrg));
        setTypes(r.service_types);
      },
      (e) => {
        setError(e);
        setEntries([]);
      },
    );
    if (withOrgs) allPages((c) => api.orgs(c)).then((l) => setOrgs(l.filter((o) => o.id !== caseOrg)), () => undefined);
  }, [caseOrg, withOrgs]);
  return { entries, types, orgs, error };
}

export function ReferDialog(props: { schema: Schema; c: Case; me: Me; onClose: () => void; onSent: (r: Referral) => void }) {
  const i = useI18n();
  const { entries, types, error: dirError } = useTargets(props.c.org_id, false);
  const [profiles, setProfiles] = useState<Profile[] | null>(null);
  const [onlyService, setOnlyService] = useState('');
  const [toOrg, setToOrg] = useState('');
  const [services, setServices] = useState<string[]>([]);
  const [urgency, setUrgency] = useState('urgent');
  const [profile, setProfile] = useState('');
  const [reason, setReason] = useState('');
  const [consentNeeded, setConsentNeeded] = useState(false);
  const [override, setOverride] = useState(false);
  const [overrideReason, setOverrideReason] = useState('');
  const [missing, setMissing] = useState<Record<string, boolean>>({});
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const mayOverride = can(props.me, 'consent.override');

  useEffect(() => {
    referralApi.profiles().then(
      (r) => setProfiles(r.items),
      (e) => {
        setError(e);
        setProfiles([]);
      },
    );
  }, []);

  const target = entries?.find((e) => e.org_id === toOrg) ?? null;
  const shown = (entries ?? []).filter((e) => !onlyService || e.services.includes(onlyService));
  const chosenProfile = profiles?.find((p) => p.id === profile) ?? null;

  const pickOrg = (id: string) => {
    setToOrg(id);
    const e = entries?.find((x) => x.org_id === id);
    setServices((s) => s.filter((x) => e?.services.includes(x)));
    setMissing((m) => ({ ...m, to_org: false }));
  };
  const toggleService = (code: string, on: boolean) => {
    setServices((s) => (on ? [...s.filter((x) => x !== code), code] : s.filter((x) => x !== code)));
    setMissing((m) => ({ ...m, services: false }));
  };

  const submit = async (ev: Event) => {
    ev.preventDefault();
    const miss: Record<string, boolean> = {
      to_org: !toOrg,
      services: services.length === 0,
      profile: !profile,
      reason: !reason.trim(),
      override_reason: consentNeeded && override && !overrideReason.trim(),
    };
    setMissing(miss);
    if (Object.values(miss).some(Boolean)) return;
    setBusy(true);
    setError(null);
    try {
      const body = {
        case: props.c.ref,
        to_org: toOrg,
        services: target ? target.services.filter((s) => services.includes(s)) : services,
        urgency,
        profile,
        reason,
        ...(consentNeeded && override ? { consent_override: { reason: overrideReason } } : {}),
      };
      props.onSent(await referralApi.create(body));
    } catch (err) {
      setError(err);
      if (err instanceof ApiError && (err.code === 'consent_required' || 'consent_override' in err.fields)) setConsentNeeded(true);
    } finally {
      setBusy(false);
    }
  };

  const ferr = (f: string) => (missing[f] ? i.t('field.missing_field') : fieldErrText(i, error, f));
  const orgErr = ferr('to_org') ?? (error instanceof ApiError && error.code === 'not_accepting' ? errText(i, error) : null);

  return (
    <Dialog title={i.t('referral.refer_title', { ref: props.c.ref })} testid="refer-dialog" onClose={props.onClose}>
      <form onSubmit={submit} noValidate data-testid="refer-form">
        <fieldset class={'field' + (orgErr ? ' has-error' : '')}>
          <legend>{i.t('referral.to_org')}</legend>
          <p class="hint">{i.t('referral.to_org_hint')}</p>
          {types.length > 0 && (
            <div class="field">
              <label for="refer-only-service">{i.t('referral.filter_service')}</label>
              <select id="refer-only-service" name="only_service" value={onlyService} onChange={(e) => setOnlyService((e.currentTarget as HTMLSelectElement).value)}>
                <option value="">{i.t('referral.any_service')}</option>
                {types.map((t) => (
                  <option key={t.code} value={t.code}>
                    {serviceLabel(i, types, t.code)}
                  </option>
                ))}
              </select>
            </div>
          )}
          {entries === null && <p class="muted">{i.t('common.loading')}</p>}
          {entries && shown.length === 0 && <p class="muted">{i.t('referral.no_orgs')}</p>}
          {entries && shown.length > 0 && (
            <ul class="org-picks" role="radiogroup" aria-label={i.t('referral.to_org')}>
              {shown.map((e) => (
                <li key={e.org_id}>
                  <label class={'org-pick' + (e.accepting ? '' : ' off')} data-testid="org-pick" data-org={e.org_id}>
                    <input type="radio" name="to_org" value={e.org_id} checked={toOrg === e.org_id} disabled={!e.accepting} onChange={() => pickOrg(e.org_id)} />
                    <span class="org-pick-body">
                      <span class="strong">{entryName(i, e)}</span>
                      <span class="small">{e.services.map((s) => serviceLabel(i, types, s)).join(i.t('common.list_sep'))}</span>
                      <span>
                        <span class={'badge ' + (e.accepting ? 'badge-on' : 'badge-off')}>{i.t(e.accepting ? 'referral.accepting' : 'referral.not_accepting')}</span>
                        {e.capacity && (
                          <span class={'badge ' + (e.capacity.free > 0 ? 'badge-on' : 'badge-warn')} data-testid="org-pick-free">
                            {i.t('referral.free_places', { free: e.capacity.free, total: e.capacity.total })}
                          </span>
                        )}
                      </span>
                    </span>
                  </label>
                </li>
              ))}
            </ul>
          )}
          <p class="small">
            <a href="#/directory">{i.t('referral.open_directory')}</a>
          </p>
          {orgErr && <small class="field-error">{orgErr}</small>}
          {dirError !== null && <RefErrorBox error={dirError} />}
        </fieldset>

        {target && (
          <fieldset class={'field' + (ferr('services') ? ' has-error' : '')} data-testid="refer-services">
            <legend>{i.t('referral.services')}</legend>
            <div class="checks">
              {target.services.map((s) => (
                <label key={s} class="check">
                  <input type="checkbox" name="services" value={s} checked={services.includes(s)} onChange={(e) => toggleService(s, (e.currentTarget as HTMLInputElement).checked)} />
                  <span>{serviceLabel(i, types, s)}</span>
                </label>
              ))}
            </div>
            {ferr('services') && <small class="field-error">{ferr('services')}</small>}
          </fieldset>
        )}

        <div class={'field' + (ferr('urgency') ? ' has-error' : '')}>
          <label for="refer-urgency">{i.t('referral.urgency')}</label>
          <select id="refer-urgency" name="urgency" value={urgency} onChange={(e) => setUrgency((e.currentTarget as HTMLSelectElement).value)}>
            {URGENCIES.map((u) => (
              <option key={u} value={u}>
                {rword(i, 'urgency', u)}
              </option>
            ))}
          </select>
          {ferr('urgency') && <small class="field-error">{ferr('urgency')}</small>}
        </div>

        <div class={'field' + (ferr('profile') ? ' has-error' : '')}>
          <label for="refer-profile">{i.t('referral.profile')}</label>
          <select
            id="refer-profile"
            name="profile"
            value={profile}
            onChange={(e) => {
              setProfile((e.currentTarget as HTMLSelectElement).value);
              setMissing((m) => ({ ...m, profile: false }));
            }}
          >
            <option value="">{i.t('referral.choose_profile')}</option>
            {(profiles ?? []).map((p) => (
              <option key={p.id} value={p.id}>
                {i.orgName(p)}
              </option>
            ))}
          </select>
          {ferr('profile') && <small class="field-error">{ferr('profile')}</small>}
        </div>
        {chosenProfile && (
          <div data-testid="profile-fields">
            <p class="hint">{i.t('referral.profile_shows')}</p>
            <ul class="profile-fields">
              {chosenProfile.fields.map((f) => (
                <li key={f} data-path={f}>
                  {pathLabel(i, props.schema, f)}
                </li>
              ))}
            </ul>
          </div>
        )}

        <TextArea label={i.t('referral.reason')} name="reason" testid="refer-reason" value={reason} onInput={setReason} error={ferr('reason')} hint={i.t('referral.reason_hint')} />

        {consentNeeded && (
          <OverrideBox allowed={mayOverride} on={override} setOn={setOverride} reason={overrideReason} setReason={setOverrideReason} error={error} missing={!!missing.override_reason} />
        )}
        <RefErrorBox error={error} />
        <div class="actions">
          <button type="submit" class="btn btn-primary" data-testid="refer-send" disabled={busy}>
            {busy ? i.t('common.working') : i.t('referral.send')}
          </button>
          <button type="button" class="btn" data-testid="refer-cancel" onClick={props.onClose}>
            {i.t('common.cancel')}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

export function TransferDialog(props: { c: Case; me: Me; onClose: () => void }) {
  const i = useI18n();
  const { entries, orgs } = useTargets(props.c.org_id, can(props.me, 'org.read'));
  const [toOrg, setToOrg] = useState('');
  const [reason, setReason] = useState('');
  const [consentNeeded, setConsentNeeded] = useState(false);
  const [override, setOverride] = useState(false);
  const [overrideReason, setOverrideReason] = useState('');
  const [missing, setMissing] = useState<Record<string, boolean>>({});
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  // Every organisation the caller can name: the directory's, then any other it sees.
  const choices = useMemo(() => {
    const out: { id: string; name: string }[] = (entries ?? []).map((e) => ({ id: e.org_id, name: entryName(i, e) }));
    for (const o of orgs) if (!out.some((x) => x.id === o.id)) out.push({ id: o.id, name: i.orgName(o) });
    return out;
  }, [entries, orgs, i]);

  const submit = async (ev: Event) => {
    ev.preventDefault();
    const miss = { to_org: !toOrg, reason: !reason.trim(), override_reason: consentNeeded && override && !overrideReason.trim() };
    setMissing(miss);
    if (Object.values(miss).some(Boolean)) return;
    setBusy(true);
    setError(null);
    try {
      await referralApi.transfer(props.c.ref, {
        to_org: toOrg,
        reason,
        ...(consentNeeded && override ? { consent_override: { reason: overrideReason } } : {}),
      });
      const name = choices.find((x) => x.id === toOrg)?.name ?? '';
      setFlash(['referral.transferred_ok', { ref: props.c.ref, org: name }]);
      goCases();
    } catch (err) {
      setError(err);
      if (err instanceof ApiError && (err.code === 'consent_required' || 'consent_override' in err.fields)) setConsentNeeded(true);
      setBusy(false);
    }
  };
  const ferr = (f: string) => (missing[f] ? i.t('field.missing_field') : fieldErrText(i, error, f));

  return (
    <Dialog title={i.t('referral.transfer_title', { ref: props.c.ref })} testid="transfer-dialog" onClose={props.onClose}>
      <form onSubmit={submit} noValidate>
        <p>{i.t('referral.transfer_intro')}</p>
        <div class={'field' + (ferr('to_org') ? ' has-error' : '')}>
          <label for="transfer-org">{i.t('referral.transfer_to')}</label>
          <select id="transfer-org" name="transfer_to" value={toOrg} onChange={(e) => setToOrg((e.currentTarget as HTMLSelectElement).value)}>
            <option value="">{entries === null ? i.t('common.loading') : i.t('referral.choose_org')}</option>
            {choices.map((o) => (
              <option key={o.id} value={o.id}>
                {o.name}
              </option>
            ))}
          </select>
          {ferr('to_org') && <small class="field-error">{ferr('to_org')}</small>}
        </div>
        <TextArea label={i.t('referral.transfer_reason')} name="transfer_reason" testid="transfer-reason" value={reason} onInput={setReason} error={ferr('reason')} />
        {consentNeeded && (
          <OverrideBox
            allowed={can(props.me, 'consent.override')}
            on={override}
            setOn={setOverride}
            reason={overrideReason}
            setReason={setOverrideReason}
            error={error}
            missing={!!missing.override_reason}
          />
        )}
        <RefErrorBox error={error} />
        <div class="actions">
          <button type="submit" class="btn btn-primary btn-danger" data-testid="transfer-confirm" disabled={busy}>
            {busy ? i.t('common.working') : i.t('referral.transfer')}
          </button>
          <button type="button" class="btn" data-testid="transfer-cancel" onClick={props.onClose}>
            {i.t('common.cancel')}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

/** The case's referrals, Refer and Transfer, and the case's transfers. */
export function CaseReferrals({ schema, c, me }: { schema: Schema; c: Case; me: Me }) {
  const i = useI18n();
  const [items, setItems] = useState<Referral[] | null>(null);
  const [transfers, setTransfers] = useState<Transfer[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [dialog, setDialog] = useState<'refer' | 'transfer' | null>(null);
  const [sent, setSent] = useState<Referral | null>(null);
  const closed = /^Closed/.test(c.status);
  const mayRead = can(me, 'referral.read');
  const types = useServiceTypes();

  const load = () => {
    if (mayRead) {
      allPages((cur) => referralApi.list({ case: c.ref }, cur), 10).then(setItems, (e) => {
        setError(e);
        setItems([]);
      });
    }
    referralApi.transfers(c.ref).then(
      (r) => setTransfers(r.items),
      () => setTransfers([]),
    );
  };
  useEffect(load, [c.ref]);

  if (!mayRead && !can(me, 'case.transfer')) return null;
  return (
    <section class="card" aria-labelledby="case-referrals-title" data-testid="case-referrals">
      <div class="section-head">
        <h2 id="case-referrals-title">{i.t('referral.case_title')}</h2>
        <div class="row-actions">
          {can(me, 'referral.send') && !closed && (
            <button type="button" class="btn btn-small btn-primary" data-testid="case-refer" onClick={() => setDialog('refer')}>
              {i.t('referral.refer')}
            </button>
          )}
          {can(me, 'case.transfer') && !closed && (
            <button type="button" class="btn btn-small" data-testid="case-transfer" onClick={() => setDialog('transfer')}>
              {i.t('referral.transfer')}
            </button>
          )}
        </div>
      </div>
      {sent && (
        <p class="alert alert-ok" role="status" data-testid="refer-sent">
          {i.t('referral.sent_ok', { org: orgText(i, sent.to_org) })} <a href={referralHref(sent.id)}>{i.t('referral.open')}</a>
        </p>
      )}
      <RefErrorBox error={error} />
      {mayRead && items === null && <p class="muted">{i.t('common.loading')}</p>}
      {items && items.length === 0 && !error && <p class="muted">{i.t('referral.case_none')}</p>}
      {items && items.length > 0 && (
        <ul class="ref-items">
          {items.map((r) => (
            <li key={r.id} class={'ref-item' + (r.overdue ? ' late' : '')} data-testid="case-referral" data-id={r.id} data-state={r.state}>
              <div class="ref-item-head">
                <a href={referralHref(r.id)} class="strong" data-testid="case-referral-link">
                  {orgText(i, r.to_org)}
                </a>
                <StateBadge state={r.state} />
                <ConsentBadge r={r} />
              </div>
              <div class="ref-item-line">
                <span>{servicesText(i, types, r.services)}</span>
                <span class="muted">{i.date(r.created_at)}</span>
                <Lateness r={r} />
                {r.outcome && <span data-testid="case-referral-outcome">{i.t('referral.outcome_is', { outcome: rword(i, 'outcome', r.outcome) })}</span>}
              </div>
            </li>
          ))}
        </ul>
      )}
      {transfers.length > 0 && (
        <div class="view-section" data-testid="case-transfers">
          <h3>{i.t('referral.transfers')}</h3>
          <ul class="ref-history">
            {transfers.map((t) => (
              <li key={t.id} data-testid="case-transfer-row">
                <span class="strong">
                  {orgText(i, t.from_org)} <span class="ref-arrow">{i.locale === 'ar' ? '←' : '→'}</span> {orgText(i, t.to_org)}
                </span>{' '}
                <span class="muted small">
                  {i.date(t.at)} · <bdi>{t.by_name}</bdi>
                </span>
                {t.override_by && <span class="badge badge-warn">{i.t('referral.transfer_override')}</span>}
                <div class="prewrap" dir="auto">
                  {t.reason}
                </div>
              </li>
            ))}
          </ul>
        </div>
      )}
      {dialog === 'refer' && (
        <ReferDialog
          schema={schema}
          c={c}
          me={me}
          onClose={() => setDialog(null)}
          onSent={(r) => {
            setDialog(null);
            setSent(r);
            load();
          }}
        />
      )}
      {dialog === 'transfer' && <TransferDialog c={c} me={me} onClose={() => setDialog(null)} />}
    </section>
  );
}
