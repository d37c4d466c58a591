import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api, ApiError, hooks, setCsrf, type Locale, type Me } from './api';
import { DemoBanner, ErrorBox, LangSwitch, Notice } from './components';
import { applyLocale, I18nContext, initialLocale, isLocale, makeI18n, useI18n } from './i18n';
import { Audit } from './screens/Audit';
import { CasesRoute, forgetCases } from './screens/Cases';
import { ChangePassword } from './screens/ChangePassword';
import { Directory } from './screens/Directory';
import { EnrolTotp } from './screens/EnrolTotp';
import { Login } from './screens/Login';
import { NotificationBell, Notifications } from './screens/Notifications';
import { Orgs } from './screens/Orgs';
import { Profiles } from './screens/Profiles';
import { ReferralsRoute } from './screens/Referrals';
import { LinkRoute } from './screens/LinkReview';
import { forgetScreening, ScreeningRoute } from './screens/Screening';
import { StatsRoute } from './screens/Stats';
import { Users } from './screens/Users';
import { Worklist } from './screens/Worklist';

type Route = 'home' | 'cases' | 'screening' | 'worklist' | 'referrals' | 'link' | 'profiles' | 'notifications' | 'directory' | 'stats' | 'orgs' | 'users' | 'audit' | 'password' | 'totp';
const ROUTES: Route[] = ['home', 'cases', 'screening', 'worklist', 'referrals', 'link', 'profiles', 'notifications', 'directory', 'stats', 'orgs', 'users', 'audit', 'password', 'totp'];

function readRoute(): Route {
  const h = location.hash.replace(/^#\/?/, '').split(/[/?]/)[0];
  return (ROUTES as string[]).includes(h) ? (h as Route) : 'home';
}

function go(r: Route): void {
  const h = r === 'home' ? '#/' : '#/' + r;
  if (location.hash !== h) location.hash = h;
}

function useRoute(): Route {
  const [r, setR] = useState<Route>(readRoute);
  useEffect(() => {
    const on = () => setR(readRoute());
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return r;
}

const can = (me: Me, p: string) => me.permissions.includes(p);

function TopBar({ me, onLocale, onLogout }: { me: Me | null; onLocale: (l: Locale) => void; onLogout?: () => void }) {
  const i = useI18n();
  return (
    <header class="topbar">
      <a class="brand" href="#/" data-testid="brand">
        <span class="brand-mark" aria-hidden="true">
          ⟡
        </span>
        <span>{i.t('app.name')}</span>
      </a>
      <div class="topbar-end">
        {me && (
          <div class="who" data-testid="who">
            <span class="who-name" dir="auto" data-testid="who-name">
              {me.display_name || me.username}
            </span>
            {me.org && (
              <span class="who-org" data-testid="who-org">
                {i.orgName(me.org)}
              </span>
            )}
          </div>
        )}
        {me && <NotificationBell />}
        <LangSwitch onSwitch={onLocale} />
        {onLogout && (
          <button type="button" class="btn btn-quiet" data-testid="logout" onClick={onLogout}>
            {i.t('nav.logout')}
          </button>
        )}
      </div>
    </header>
  );
}

function Nav({ me, route }: { me: Me; route: Route }) {
  const i = useI18n();
  // For those who work on cases, the case list is the home screen.
  const casesHome = can(me, 'case.read');
  const link = (r: Route, key: string) => {
    const on = route === r || (r === 'cases' && casesHome && route === 'home');
    return (
      <a href={'#/' + (r === 'home' ? '' : r)} class={'nav-link' + (on ? ' active' : '')} aria-current={on ? 'page' : undefined} data-testid={'nav-' + r}>
        {i.t(key)}
      </a>
    );
  };
  return (
    <nav class="nav" aria-label={i.t('nav.label')}>
      {casesHome ? link('cases', 'nav.cases') : link('home', 'nav.home')}
      {can(me, 'screening') && link('screening', 'nav.screening')}
      {can(me, 'worklist') && link('worklist', 'nav.worklist')}
      {can(me, 'referral.read') && link('referrals', 'referral.nav')}
      {can(me, 'link.review') && link('link', 'link.nav')}
      {can(me, 'referral.profiles') && link('profiles', 'profiles.nav')}
      {can(me, 'org.read') && link('directory', 'directory.nav')}
      {can(me, 'stats') && link('stats', 'stats.nav')}
      {can(me, 'org.read') && link('orgs', 'nav.orgs')}
      {can(me, 'user.read') && link('users', 'nav.users')}
      {can(me, 'audit.read') && link('audit', 'nav.audit')}
      <span class="nav-spacer" />
      {link('password', 'nav.password')}
      {!me.totp_enabled && link('totp', 'nav.totp')}
    </nav>
  );
}

function Home({ me }: { me: Me }) {
  const i = useI18n();
  const cards: { r: Route; key: string; perm: string }[] = [
    { r: 'screening', key: 'screening', perm: 'screening' },
    { r: 'worklist', key: 'worklist', perm: 'worklist' },
    { r: 'orgs', key: 'orgs', perm: 'org.read' },
    { r: 'users', key: 'users', perm: 'user.read' },
    { r: 'audit', key: 'audit', perm: 'audit.read' },
  ];
  const visible = cards.filter((c) => can(me, c.perm));
  return (
    <section aria-labelledby="home-title">
      <h1 id="home-title">{i.t('home.welcome', { name: me.display_name || me.username })}</h1>
      <p class="lead">{i.t('home.intro')}</p>
      <dl class="facts">
        <div>
          <dt>{i.t('home.org')}</dt>
          <dd>{i.orgName(me.org)}</dd>
        </div>
        <div>
          <dt>{i.t('home.roles')}</dt>
          <dd>{me.roles.map((r) => (i.has('role.' + r) ? i.t('role.' + r) : r)).join(i.t('common.list_sep')) || '—'}</dd>
        </div>
        <div>
          <dt>{i.t('home.totp')}</dt>
          <dd data-testid="home-totp">{me.totp_enabled ? i.t('home.totp_on') : i.t('home.totp_off')}</dd>
        </div>
      </dl>
      {!me.totp_enabled && (
        <p class="alert alert-info">
          {i.t('home.totp_advice')}{' '}
          <a href="#/totp" data-testid="home-enrol-totp">
            {i.t('nav.totp')}
          </a>
        </p>
      )}
      {visible.length > 0 ? (
        <div class="cards">
          {visible.map((c) => (
            <a key={c.r} class="tile" href={'#/' + c.r} data-testid={'tile-' + c.r}>
              <span class="tile-title">{i.t('nav.' + c.key)}</span>
              <span class="tile-text">{i.t('home.tile_' + c.key)}</span>
            </a>
          ))}
        </div>
      ) : (
        <p class="muted">{i.t('home.nothing')}</p>
      )}
    </section>
  );
}

export function App() {
  const [locale, setLocaleState] = useState<Locale>(initialLocale);
  const i18n = useMemo(() => makeI18n(locale), [locale]);
  const [demo, setDemo] = useState(false);
  const [me, setMe] = useState<Me | null>(null);
  const [loading, setLoading] = useState(true);
  const [loginNotice, setLoginNotice] = useState<string | null>(null);
  const [shellNotice, setShellNotice] = useState<string | null>(null);
  const [fatal, setFatal] = useState<unknown>(null);
  // The person picked a language before the server knew them (login, setup):
  // that choice wins over the stored preference once signed in.
  const pickedBeforeShell = useRef(false);
  const route = useRoute();

  const localeRef = useRef(locale);
  const setLocale = (l: Locale) => {
    applyLocale(l);
    localeRef.current = l;
    setLocaleState(l);
  };

  useEffect(() => {
    if (route !== 'home') setShellNotice(null);
  }, [route]);

  useEffect(() => {
    applyLocale(locale);
  }, []);

  const adopt = async (m: Me) => {
    if (m.next === null) {
      const server = isLocale(m.locale) ? m.locale : null;
      const current = localeRef.current;
      if (pickedBeforeShell.current && server !== current) {
        pickedBeforeShell.current = false;
        try {
          m = await api.setLocale(current);
        } catch {
          /* keep the local choice even if saving it failed */
        }
      } else if (server && server !== current) {
        pickedBeforeShell.current = false;
        setLocale(server);
      } else {
        pickedBeforeShell.current = false;
      }
    }
    setMe(m);
  };

  const loadMe = async (quiet: boolean) => {
    try {
      const m = await api.me(quiet);
      setFatal(null);
      await adopt(m);
    } catch (err) {
      if (err instanceof ApiError && err.code === 'unauthenticated') {
        setMe(null);
      } else {
        setFatal(err);
      }
    }
  };

  useEffect(() => {
    hooks.unauthenticated = () => {
      forgetCases();
      forgetScreening();
      setMe(null);
      setLoginNotice('login.expired');
    };
    hooks.setupRequired = () => void loadMe(true);
    api.meta().then(
      (m) => setDemo(!!m.demo),
      () => undefined,
    );
    loadMe(true).finally(() => setLoading(false));
  }, []);

  const onLocale = (l: Locale) => {
    setLocale(l);
    if (me && me.next === null) {
      api.setLocale(l).then(
        (m) => setMe((old) => (old ? { ...old, ...m } : m)),
        () => undefined,
      );
    } else {
      pickedBeforeShell.current = true;
    }
  };

  const logout = async () => {
    try {
      await api.logout();
    } catch {
      /* the session may already be gone */
    }
    setCsrf(null);
    forgetCases();
    forgetScreening();
    setMe(null);
    setLoginNotice('login.signed_out');
    go('home');
  };

  const afterSignIn = () => {
    setLoginNotice(null);
    setShellNotice(null);
    go('home');
    void loadMe(false);
  };

  let body;
  if (loading) {
    body = <p class="muted center">{i18n.t('common.loading')}</p>;
  } else if (fatal && !me) {
    body = (
      <main class="card card-narrow">
        <ErrorBox error={fatal} />
        <button type="button" class="btn" data-testid="retry" onClick={() => loadMe(true)}>
          {i18n.t('common.retry')}
        </button>
      </main>
    );
  } else if (!me) {
    body = <Login onSignedIn={afterSignIn} notice={loginNotice ? i18n.t(loginNotice) : null} />;
  } else if (me.next === 'change_password') {
    body = <ChangePassword forced onDone={() => void loadMe(false)} />;
  } else if (me.next === 'enrol_totp') {
    body = <EnrolTotp forced onDone={() => void loadMe(false)} />;
  } else {
    let page;
    switch (route) {
      case 'cases':
        page = can(me, 'case.read') ? <CasesRoute me={me} /> : <Forbidden />;
        break;
      case 'screening':
        page = can(me, 'screening') ? <ScreeningRoute me={me} /> : <Forbidden />;
        break;
      case 'worklist':
        page = can(me, 'worklist') ? <Worklist /> : <Forbidden />;
        break;
      case 'referrals':
        page = can(me, 'referral.read') ? <ReferralsRoute me={me} /> : <Forbidden />;
        break;
      case 'link':
        page = can(me, 'link.review') ? <LinkRoute me={me} /> : <Forbidden />;
        break;
      case 'profiles':
        page = can(me, 'referral.profiles') ? <Profiles me={me} /> : <Forbidden />;
        break;
      case 'notifications':
        page = <Notifications />;
        break;
      case 'directory':
        page = can(me, 'org.read') ? <Directory me={me} /> : <Forbidden />;
        break;
      case 'stats':
        page = can(me, 'stats') ? <StatsRoute me={me} /> : <Forbidden />;
        break;
      case 'orgs':
        page = can(me, 'org.read') ? <Orgs canWrite={can(me, 'org.write')} defaultCountry={me.org?.country || 'BH'} /> : <Forbidden />;
        break;
      case 'users':
        page = can(me, 'user.read') ? <Users me={me} canWrite={can(me, 'user.write')} canReadOrgs={can(me, 'org.read')} /> : <Forbidden />;
        break;
      case 'audit':
        page = can(me, 'audit.read') ? <Audit canReadUsers={can(me, 'user.read')} /> : <Forbidden />;
        break;
      case 'password':
        page = (
          <ChangePassword
            forced={false}
            onDone={() => {
              setShellNotice('password.changed');
              go('home');
              void loadMe(false);
            }}
          />
        );
        break;
      case 'totp':
        page = (
          <EnrolTotp
            forced={false}
            onCancel={() => go('home')}
            onDone={() => {
              setShellNotice('totp.enabled');
              go('home');
              void loadMe(false);
            }}
          />
        );
        break;
      default:
        page = can(me, 'case.read') ? <CasesRoute me={me} /> : <Home me={me} />;
    }
    body = (
      <>
        <Nav me={me} route={route} />
        <main class="content" id="content">
          {shellNotice && route === 'home' && <Notice>{i18n.t(shellNotice)}</Notice>}
          {page}
        </main>
      </>
    );
  }

  return (
    <I18nContext.Provider value={i18n}>
      <div class="page">
        {(demo || me?.demo) && <DemoBanner />}
        <TopBar me={me && me.next === null ? me : null} onLocale={onLocale} onLogout={me ? logout : undefined} />
        {body}
        <footer class="footer">
          <span>{i18n.t('app.footer')}</span>
        </footer>
      </div>
    </I18nContext.Provider>
  );
}

function Forbidden() {
  const i = useI18n();
  return <p class="alert alert-error">{i.t('error.forbidden')}</p>;
}
