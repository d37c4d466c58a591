// Referrals (#/referrals): the list with its tabs (received, sent, and all
// for the coordinator), filters by state and lateness (and by organisation
// or service when coming from the overview), the coordinator's overview
// (#/referrals/overview), and one referral (#/referrals/<id>, ReferralView).
import { useEffect, useRef, useState } from 'preact/hooks';
import { type Me } from '../api';
import { useI18n } from '../i18n';
import { referralApi, REFERRAL_STATES, AGE_BANDS, type Overview, type Referral, type ReferralFilter } from '../referralApi';
import { caseHref } from './Cases';
import { serviceLabel } from './directoryParts';
import { can, Lateness, listHref, orgText, overviewHref, RefErrorBox, referralHref, rword, servicesText, StateBadge, useServiceTypes } from './referralParts';
import { ReferralView } from './ReferralView';

type Tab = 'received' | 'sent' | 'all';

interface Where {
  sub: string; // "" (list), "overview" or a referral id
  params: URLSearchParams;
}

function readWhere(): Where {
  const h = location.hash.replace(/^#\/?/, '');
  const [path, qs] = [h.split('?')[0], h.includes('?') ? h.slice(h.indexOf('?') + 1) : ''];
  const parts = path.split('/').filter(Boolean);
  let sub = '';
  if (parts[0] === 'referrals' && parts[1]) {
    try {
      sub = decodeURIComponent(parts[1]);
    } catch {
      sub = parts[1];
    }
  }
  return { sub, params: new URLSearchParams(qs) };
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

function tabsFor(me: Me): Tab[] {
  const t: Tab[] = [];
  if (can(me, 'referral.receive')) t.push('received');
  if (can(me, 'referral.send')) t.push('sent');
  if (can(me, 'referral.overview') || t.length === 0) t.push('all');
  return t;
}

export function ReferralsRoute({ me }: { me: Me }) {
  const w = useWhere();
  if (w.sub === 'overview') return can(me, 'referral.overview') ? <OverviewScreen me={me} /> : <ReferralList me={me} params={w.params} />;
  if (w.sub) return <ReferralView key={w.sub} id={w.sub} me={me} />;
  return <ReferralList me={me} params={w.params} />;
}

function Tabs({ me, current, params }: { me: Me; current: Tab | 'overview'; params: URLSearchParams }) {
  const i = useI18n();
  const tabs = tabsFor(me);
  const keep = (t: Tab) => listHref({ tab: t, state: params.get('state') ?? undefined, overdue: params.get('overdue') ?? undefined });
  return (
    <nav class="ref-tabs" aria-label={i.t('referral.tabs')}>
      {tabs.map((t) => (
        <a key={t} class="ref-tab" href={keep(t)} aria-current={current === t ? 'page' : undefined} data-testid={'ref-tab-' + t}>
          {i.t('referral.tab_' + t)}
        </a>
      ))}
      {can(me, 'referral.overview') && (
        <a class="ref-tab" href={overviewHref} aria-current={current === 'overview' ? 'page' : undefined} data-testid="ref-tab-overview">
          {i.t('referral.tab_overview')}
        </a>
      )}
    </nav>
  );
}

function ReferralList({ me, params }: { me: Me; params: URLSearchParams }) {
  const i = useI18n();
  const types = useServiceTypes();
  const tabs = tabsFor(me);
  const asked = params.get('tab') as Tab | null;
  // The coordinator starts with every referral; the others with what came in, then what went out.
  const tab: Tab = asked && tabs.includes(asked) ? asked : tabs.includes('all') && can(me, 'referral.overview') ? 'all' : tabs[0];
  const state = params.get('state') ?? '';
  const overdue = params.get('overdue') === '1';
  const org = params.get('org') ?? '';
  const service = params.get('service') ?? '';
  const [items, setItems] = useState<Referral[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const seq = useRef(0);
  const filter: ReferralFilter = { role: tab === 'all' ? '' : tab, state, overdue, org, service };
  const key = JSON.stringify(filter);

  const load = (more: boolean) => {
    const mine = ++seq.current;
    setBusy(true);
    setError(null);
    referralApi
      .list(filter, more ? cursor : null)
      .then(
        (page) => {
          if (mine !== seq.current) return;
          setItems((old) => [...(more && old ? old : []), ...page.items]);
          setCursor(page.next_cursor);
        },
        (e) => {
          if (mine !== seq.current) return;
          setError(e);
          setItems((x) => x ?? []);
        },
      )
      .finally(() => mine === seq.current && setBusy(false));
  };
  useEffect(() => load(false), [key]);

  const go = (p: Record<string, string | undefined>) => {
    location.hash = listHref({ tab, state, overdue: overdue ? '1' : undefined, org, service, ...p }).slice(1);
  };
  const orgName = org && items ? items.map((r) => (r.from_org.id === org ? r.from_org : r.to_org.id === org ? r.to_org : null)).find(Boolean) : null;
  const now = Math.floor(Date.now() / 1000);
  const mayOpenCases = can(me, 'case.read');

  return (
    <section aria-labelledby="referrals-title" data-testid="referrals" data-tab={tab}>
      <div class="section-head">
        <h1 id="referrals-title">{i.t('referral.title')}</h1>
        <button type="button" class="btn btn-small" data-testid="referrals-refresh" disabled={busy} onClick={() => load(false)}>
          {i.t('common.refresh')}
        </button>
      </div>
      <Tabs me={me} current={tab} params={params} />
      <div class="ref-filters" data-testid="referral-filters">
        <div class="field">
          <label for="ref-state">{i.t('referral.filter_state')}</label>
          <select id="ref-state" name="state" value={state} onChange={(e) => go({ state: (e.currentTarget as HTMLSelectElement).value || undefined })}>
            <option value="">{i.t('referral.any_state')}</option>
            {REFERRAL_STATES.map((s) => (
              <option key={s} value={s}>
                {rword(i, 'state', s)}
              </option>
            ))}
          </select>
        </div>
        <label class="check">
          <input type="checkbox" name="overdue" data-testid="filter-overdue" checked={overdue} onChange={(e) => go({ overdue: (e.currentTarget as HTMLInputElement).checked ? '1' : undefined })} />
          <span>{i.t('referral.filter_overdue')}</span>
        </label>
      </div>
      {(org || service) && (
        <ul class="chips" data-testid="referral-chips">
          {org && (
            <li class="chip">
              {i.t('referral.chip_org', { org: orgName ? orgText(i, orgName) : org.slice(0, 8) })}
              <button type="button" class="chip-x" aria-label={i.t('referral.chip_remove')} onClick={() => go({ org: undefined })}>
                ×
              </button>
            </li>
          )}
          {service && (
            <li class="chip">
              {i.t('referral.chip_service', { service: serviceLabel(i, types, service) })}
              <button type="button" class="chip-x" aria-label={i.t('referral.chip_remove')} onClick={() => go({ service: undefined })}>
                ×
              </button>
            </li>
          )}
        </ul>
      )}
      <RefErrorBox error={error} />
      {items === null && <p class="muted">{i.t('common.loading')}</p>}
      {items && items.length === 0 && !error && (
        <p class="muted" data-testid="referrals-empty">
          {i.t('referral.none')}
        </p>
      )}
      {items && items.length > 0 && (
        <ul class="ref-items">
          {items.map((r) => {
            const open = ['sent', 'acknowledged', 'accepted', 'in_service'].includes(r.state);
            return (
              <li
                key={r.id}
                class={'ref-item' + (r.overdue ? ' late' : '') + (open ? '' : ' closed')}
                data-testid="referral-item"
                data-id={r.id}
                data-state={r.state}
                data-ref={r.case_ref}
                data-overdue={r.overdue ? 'true' : 'false'}
              >
                <div class="ref-item-head">
                  <a href={referralHref(r.id)} class="strong" data-testid="referral-link">
                    {r.side === 'receiver' ? orgText(i, r.from_org) : r.side === 'sender' ? orgText(i, r.to_org) : orgText(i, r.from_org) + ' ' + (i.locale === 'ar' ? '←' : '→') + ' ' + orgText(i, r.to_org)}
                  </a>
                  <StateBadge state={r.state} />
                  {r.overdue && <span class="badge badge-late">{i.t('referral.overdue')}</span>}
                  {r.urgency !== 'routine' && <span class="badge badge-warn">{rword(i, 'urgency', r.urgency)}</span>}
                </div>
                <div class="ref-item-line">
                  <span>
                    {i.t('referral.case')}{' '}
                    {mayOpenCases && r.side === 'sender' ? (
                      <a href={caseHref(r.case_ref)}>
                        <bdi dir="ltr">{r.case_ref}</bdi>
                      </a>
                    ) : (
                      <bdi dir="ltr">{r.case_ref}</bdi>
                    )}
                  </span>
                  <span>{servicesText(i, types, r.services)}</span>
                  <span class="muted">{i.t('referral.sent_at', { date: i.date(r.created_at) })}</span>
                  <Lateness r={r} now={now} />
                </div>
              </li>
            );
          })}
        </ul>
      )}
      {cursor && (
        <div class="actions">
          <button type="button" class="btn" data-testid="referrals-more" disabled={busy} onClick={() => load(true)}>
            {busy ? i.t('common.loading') : i.t('common.load_more')}
          </button>
        </div>
      )}
    </section>
  );
}

function Num({ n, href, testid }: { n: number; href?: string; testid?: string }) {
  const i = useI18n();
  return <td class="num">{href && n > 0 ? <a href={href} data-testid={testid}>{i.num(n)}</a> : <span data-testid={testid}>{i.num(n)}</span>}</td>;
}

function OverviewScreen({ me }: { me: Me }) {
  const i = useI18n();
  const types = useServiceTypes();
  const [ov, setOv] = useState<Overview | null>(null);
  const [error, setError] = useState<unknown>(null);
  const load = () => {
    setError(null);
    referralApi.overview().then(setOv, setError);
  };
  useEffect(load, []);
  const all = (p: Record<string, string | undefined>) => listHref({ tab: 'all', ...p });

  return (
    <section aria-labelledby="overview-title" data-testid="referral-overview">
      <div class="section-head">
        <h1 id="overview-title">{i.t('referral.overview_title')}</h1>
        <button type="button" class="btn btn-small" data-testid="overview-refresh" onClick={load}>
          {i.t('common.refresh')}
        </button>
      </div>
      <Tabs me={me} current="overview" params={new URLSearchParams()} />
      <RefErrorBox error={error} />
      {!ov && !error && <p class="muted">{i.t('common.loading')}</p>}
      {ov && (
        <>
          <dl class="facts facts-compact">
            <div>
              <dt>{i.t('referral.ov_total')}</dt>
              <dd data-testid="ov-total">{i.num(ov.total)}</dd>
            </div>
            <div>
              <dt>{i.t('referral.ov_open')}</dt>
              <dd data-testid="ov-open">{i.num(ov.open)}</dd>
            </div>
            <div>
              <dt>{i.t('referral.overdue')}</dt>
              <dd data-testid="ov-overdue">{ov.overdue > 0 ? <a href={all({ overdue: '1' })}>{i.num(ov.overdue)}</a> : i.num(ov.overdue)}</dd>
            </div>
          </dl>
          <div class="ov-grid">
            <div>
              <h2 id="ov-state">{i.t('referral.ov_by_state')}</h2>
              <div class="table-wrap" tabIndex={0} role="region" aria-labelledby="ov-state">
                <table class="table table-dense" data-testid="ov-by-state">
                  <thead>
                    <tr>
                      <th scope="col">{i.t('referral.state')}</th>
                      <th scope="col" class="num">
                        {i.t('referral.ov_count')}
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {REFERRAL_STATES.map((s) => (
                      <tr key={s} data-state={s}>
                        <th scope="row">
                          <StateBadge state={s} />
                        </th>
                        <Num n={ov.by_state[s] ?? 0} href={all({ state: s })} testid={'ov-state-' + s} />
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </div>
            <div>
              <h2 id="ov-age">{i.t('referral.ov_by_age')}</h2>
              <div class="table-wrap" tabIndex={0} role="region" aria-labelledby="ov-age">
                <table class="table table-dense" data-testid="ov-by-age">
                  <thead>
                    <tr>
                      <th scope="col">{i.t('referral.ov_age')}</th>
                      <th scope="col" class="num">
                        {i.t('referral.ov_count')}
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {AGE_BANDS.map((a) => (
                      <tr key={a}>
                        <th scope="row">{rword(i, 'age', a)}</th>
                        <Num n={ov.open_by_age?.[a] ?? 0} />
                      </tr>
                    ))}
                    <tr>
                      <th scope="row">{i.t('referral.overdue')}</th>
                      <Num n={ov.overdue} href={all({ overdue: '1' })} />
                    </tr>
                  </tbody>
                </table>
              </div>
            </div>
          </div>
          <h2 id="ov-org">{i.t('referral.ov_by_org')}</h2>
          <div class="table-wrap" tabIndex={0} role="region" aria-labelledby="ov-org">
            <table class="table table-dense" data-testid="ov-by-org">
              <thead>
                <tr>
                  <th scope="col">{i.t('referral.ov_org')}</th>
                  <th scope="col" class="num">
                    {i.t('referral.ov_sent')}
                  </th>
                  <th scope="col" class="num">
                    {i.t('referral.ov_received')}
                  </th>
                  <th scope="col" class="num">
                    {i.t('referral.ov_open')}
                  </th>
                  <th scope="col" class="num">
                    {i.t('referral.overdue')}
                  </th>
                </tr>
              </thead>
              <tbody>
                {ov.by_org.map((o) => (
                  <tr key={o.org_id} data-org={o.org_id}>
                    <th scope="row">
                      <a href={all({ org: o.org_id })} data-testid="ov-org-link">
                        {i.orgName(o)}
                      </a>
                    </th>
                    <Num n={o.sent} />
                    <Num n={o.received} />
                    <Num n={o.open} />
                    <Num n={o.overdue} href={all({ org: o.org_id, overdue: '1' })} />
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <h2 id="ov-service">{i.t('referral.ov_by_service')}</h2>
          <div class="table-wrap" tabIndex={0} role="region" aria-labelledby="ov-service">
            <table class="table table-dense" data-testid="ov-by-service">
              <thead>
                <tr>
                  <th scope="col">{i.t('referral.services')}</th>
                  <th scope="col" class="num">
                    {i.t('referral.ov_all')}
                  </th>
                  <th scope="col" class="num">
                    {i.t('referral.ov_open')}
                  </th>
                  <th scope="col" class="num">
                    {i.t('referral.overdue')}
                  </th>
                </tr>
              </thead>
              <tbody>
                {ov.by_service.map((s) => (
                  <tr key={s.service} data-service={s.service}>
                    <th scope="row">
                      <a href={all({ service: s.service })} data-testid="ov-service-link">
                        {serviceLabel(i, types, s.service)}
                      </a>
                    </th>
                    <Num n={s.all} />
                    <Num n={s.open} />
                    <Num n={s.overdue} href={all({ service: s.service, overdue: '1' })} />
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <p class="muted small">{i.t('referral.ov_at', { date: i.date(ov.at) })}</p>
        </>
      )}
    </section>
  );
}
