import { useEffect, useMemo, useState } from 'preact/hooks';
import { allPages, api, ApiError, type Me, type Org, type User } from '../api';
import { ConfirmButton, ErrorBox, Field, Notice, OneTimePassword, Select } from '../components';
import { ROLES } from '../countries';
import { useI18n } from '../i18n';

function RolesBox({ value, onChange, error }: { value: string[]; onChange: (r: string[]) => void; error?: string | null }) {
  const i = useI18n();
  return (
    <fieldset class={'field roles' + (error ? ' has-error' : '')}>
      <legend>{i.t('users.roles')}</legend>
      <div class="checks">
        {ROLES.map((r) => (
          <label key={r} class="check">
            <input
              type="checkbox"
              name="roles"
              value={r}
              checked={value.includes(r)}
              onChange={(e) => {
                const on = (e.currentTarget as HTMLInputElement).checked;
                onChange(on ? [...value.filter((x) => x !== r), r] : value.filter((x) => x !== r));
              }}
            />
            <span>{i.t('role.' + r)}</span>
          </label>
        ))}
      </div>
      {error && <small class="field-error">{error}</small>}
    </fieldset>
  );
}

function UserForm({
  initial,
  orgs,
  defaultOrg,
  onCreated,
  onSaved,
  onCancel,
}: {
  initial: User | null;
  orgs: Org[];
  defaultOrg: string;
  onCreated: (u: User, password: string) => void;
  onSaved: (u: User) => void;
  onCancel: () => void;
}) {
  const i = useI18n();
  const [username, setUsername] = useState(initial?.username ?? '');
  const [displayName, setDisplayName] = useState(initial?.display_name ?? '');
  const [orgId, setOrgId] = useState(initial?.org_id ?? defaultOrg);
  const [roles, setRoles] = useState<string[]>(initial?.roles ?? []);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [noRole, setNoRole] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    if (busy) return;
    if (roles.length === 0) {
      setNoRole(true);
      return;
    }
    setNoRole(false);
    setBusy(true);
    setError(null);
    try {
      if (initial) {
        const u = await api.updateUser(initial.id, { display_name: displayName.trim(), roles, version: initial.version });
        onSaved(u);
      } else {
        const r = await api.createUser({ username: username.trim(), display_name: displayName.trim(), org_id: orgId, roles });
        onCreated(r.user, r.password);
      }
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const fe = (f: string) => i.fieldError(error, f);
  const orgOptions = orgs.map((o) => ({ value: o.id, label: i.orgName(o) }));
  const stale = error instanceof ApiError && error.code === 'stale_version';

  return (
    <form class="card form" onSubmit={submit} data-testid="user-form">
      <h2>{initial ? i.t('users.edit_title') : i.t('users.new_title')}</h2>
      <div class="grid2">
        {!initial && (
          <Field
            label={i.t('users.username')}
            name="username"
            value={username}
            onInput={(v) => setUsername(v.toLowerCase())}
            dir="ltr"
            autocomplete="off"
            required
            minLength={3}
            maxLength={64}
            pattern="[a-z0-9._\-]{3,64}"
            hint={i.t('users.username_hint')}
            error={fe('username')}
          />
        )}
        <Field
          label={i.t('users.display_name')}
          name="display_name"
          value={displayName}
          onInput={setDisplayName}
          dir="auto"
          required
          maxLength={200}
          error={fe('display_name')}
        />
        {!initial && (
          <Select label={i.t('users.org')} name="org_id" value={orgId} onChange={setOrgId} options={orgOptions} error={fe('org_id')} required />
        )}
      </div>
      <RolesBox value={roles} onChange={setRoles} error={noRole ? i.t('users.need_role') : fe('roles')} />
      <ErrorBox error={error} />
      {stale && <p class="hint">{i.t('common.stale_hint')}</p>}
      <div class="actions">
        <button type="submit" class="btn btn-primary" data-testid="user-save" disabled={busy}>
          {busy ? i.t('common.working') : initial ? i.t('common.save') : i.t('users.create')}
        </button>
        <button type="button" class="btn" data-testid="user-cancel" onClick={onCancel}>
          {i.t('common.cancel')}
        </button>
      </div>
    </form>
  );
}

export function Users({ me, canWrite, canReadOrgs }: { me: Me; canWrite: boolean; canReadOrgs: boolean }) {
  const i = useI18n();
  const [orgs, setOrgs] = useState<Org[]>(me.org ? [me.org] : []);
  const [filter, setFilter] = useState('');
  const [items, setItems] = useState<User[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [rowError, setRowError] = useState<unknown>(null);
  const [editing, setEditing] = useState<User | 'new' | null>(null);
  const [otp, setOtp] = useState<{ username: string; password: string } | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busyId, setBusyId] = useState<string | null>(null);

  const orgById = useMemo(() => new Map(orgs.map((o) => [o.id, o])), [orgs]);

  const load = async (more = false, org = filter) => {
    setError(null);
    try {
      const page = await api.users(org || null, more ? cursor : null);
      setItems(more && items ? [...items, ...page.items] : page.items);
      setCursor(page.next_cursor);
    } catch (err) {
      setError(err);
    }
  };

  useEffect(() => {
    if (canReadOrgs) {
      allPages((c) => api.orgs(c)).then(
        (all) => setOrgs(all.length ? all : me.org ? [me.org] : []),
        () => undefined,
      );
    }
    void load();
  }, []);

  const replace = (u: User) => setItems((xs) => (xs ? xs.map((x) => (x.id === u.id ? u : x)) : xs));

  const act = async (u: User, what: 'disable' | 'enable' | 'reset' | 'sessions' | 'totp') => {
    setBusyId(u.id);
    setRowError(null);
    setNotice(null);
    setOtp(null);
    try {
      if (what === 'disable' || what === 'enable') {
        const nu = await api.updateUser(u.id, { disabled: what === 'disable', version: u.version });
        replace(nu);
        setNotice(i.t(what === 'disable' ? 'users.disabled_done' : 'users.enabled_done', { username: u.username }));
      } else if (what === 'reset') {
        const r = await api.resetPassword(u.id);
        setOtp({ username: u.username, password: r.password });
        void load();
      } else if (what === 'totp') {
        await api.resetTotp(u.id);
        setNotice(i.t('users.totp_reset_done', { username: u.username }));
        void load();
      } else {
        await api.endSessions(u.id);
        setNotice(i.t('users.sessions_done', { username: u.username }));
      }
    } catch (err) {
      setRowError(err);
      if (err instanceof ApiError && err.code === 'stale_version') void load();
    } finally {
      setBusyId(null);
    }
  };

  const filterOptions = [{ value: '', label: i.t('users.all_orgs') }, ...orgs.map((o) => ({ value: o.id, label: i.orgName(o) }))];

  return (
    <section aria-labelledby="users-title">
      <div class="section-head">
        <h1 id="users-title">{i.t('users.title')}</h1>
        {canWrite && editing === null && (
          <button
            type="button"
            class="btn btn-primary"
            data-testid="user-new"
            onClick={() => {
              setNotice(null);
              setOtp(null);
              setEditing('new');
            }}
          >
            {i.t('users.new')}
          </button>
        )}
      </div>
      {otp && <OneTimePassword username={otp.username} password={otp.password} onDone={() => setOtp(null)} />}
      {notice && <Notice>{notice}</Notice>}
      <ErrorBox error={rowError} />
      {editing !== null && (
        <UserForm
          key={editing === 'new' ? 'new' : editing.id}
          initial={editing === 'new' ? null : editing}
          orgs={orgs}
          defaultOrg={filter || me.org?.id || orgs[0]?.id || ''}
          onCreated={(u, pw) => {
            setEditing(null);
            setOtp({ username: u.username, password: pw });
            void load();
          }}
          onSaved={(u) => {
            setEditing(null);
            replace(u);
            setNotice(i.t('users.saved', { username: u.username }));
          }}
          onCancel={() => setEditing(null)}
        />
      )}
      {orgs.length > 1 && (
        <div class="filters">
          <Select
            label={i.t('users.filter_org')}
            name="org_filter"
            value={filter}
            onChange={(v) => {
              setFilter(v);
              setItems(null);
              void load(false, v);
            }}
            options={filterOptions}
          />
        </div>
      )}
      <ErrorBox error={error} />
      {items === null && !error && <p class="muted">{i.t('common.loading')}</p>}
      {items && items.length === 0 && <p class="muted">{i.t('users.empty')}</p>}
      {items && items.length > 0 && (
        <div class="table-wrap" tabIndex={0} role="region" aria-labelledby="users-title">
          <table class="table" data-testid="users-table">
            <thead>
              <tr>
                <th scope="col">{i.t('users.user')}</th>
                <th scope="col">{i.t('users.org')}</th>
                <th scope="col">{i.t('users.roles')}</th>
                <th scope="col">{i.t('users.status')}</th>
                {canWrite && <th scope="col">{i.t('common.actions')}</th>}
              </tr>
            </thead>
            <tbody>
              {items.map((u) => (
                <tr key={u.id} data-id={u.id} data-username={u.username} data-testid="user-row" class={u.disabled ? 'row-off' : ''}>
                  <td>
                    <div class="strong"><bdi>{u.display_name}</bdi></div>
                    <div class="muted small"><bdi dir="ltr">{u.username}</bdi></div>
                  </td>
                  <td>{orgById.has(u.org_id) ? i.orgName(orgById.get(u.org_id)) : <code class="small">{u.org_id.slice(0, 8)}</code>}</td>
                  <td>{u.roles.map((r) => (i.has('role.' + r) ? i.t('role.' + r) : r)).join(i.t('common.list_sep'))}</td>
                  <td>
                    <span class={'badge ' + (u.disabled ? 'badge-off' : 'badge-on')} data-testid="user-status">
                      {u.disabled ? i.t('users.state_disabled') : i.t('users.state_active')}
                    </span>
                    {u.totp_enabled && <span class="badge">{i.t('users.totp_on')}</span>}
                    {u.must_change_password && <span class="badge badge-warn">{i.t('users.must_change')}</span>}
                  </td>
                  {canWrite && (
                    <td>
                      <div class="row-actions">
                        <button type="button" class="btn btn-small" data-testid="user-edit" disabled={busyId === u.id} onClick={() => { setNotice(null); setOtp(null); setEditing(u); }}>
                          {i.t('common.edit')}
                        </button>
                        {u.id !== me.id &&
                          (u.disabled ? (
                            <button type="button" class="btn btn-small" data-testid="user-enable" disabled={busyId === u.id} onClick={() => act(u, 'enable')}>
                              {i.t('users.enable')}
                            </button>
                          ) : (
                            <ConfirmButton label={i.t('users.disable')} testid="user-disable" danger busy={busyId === u.id} onConfirm={() => act(u, 'disable')} />
                          ))}
                        {u.id !== me.id && (
                          <ConfirmButton label={i.t('users.reset_password')} testid="user-reset-password" busy={busyId === u.id} onConfirm={() => act(u, 'reset')} />
                        )}
                        {u.totp_enabled && (
                          <ConfirmButton label={i.t('users.reset_totp')} testid="user-reset-totp" busy={busyId === u.id} onConfirm={() => act(u, 'totp')} />
                        )}
                        <ConfirmButton label={i.t('users.end_sessions')} testid="user-end-sessions" busy={busyId === u.id} onConfirm={() => act(u, 'sessions')} />
                      </div>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {cursor && (
        <div class="actions">
          <button type="button" class="btn" data-testid="users-more" onClick={() => load(true)}>
            {i.t('common.load_more')}
          </button>
        </div>
      )}
    </section>
  );
}
