// Referral profiles (docs/referrals.md): which fields of the person a
// receiving organisation sees. Lists the built-in profiles and the
// organisation's own with their fields in the registry's words (identifying
// and sensitive ones marked), and lets a supervisor (the coordinator: any
// organisation's) create a profile by ticking fields of the person and
// victim entities, or change one; a profile changed elsewhere meanwhile
// (409 stale_version) is reloaded and the change explained.
import { useEffect, useState } from 'preact/hooks';
import { allPages, api, ApiError, type Me, type Org } from '../api';
import { ErrorBox, Field, Notice } from '../components';
import { useI18n, type I18n } from '../i18n';
import { entity, lbl, loadSchema, type EntityDef, type FieldDef, type Schema } from '../schema';
import { referralApi, type Profile } from '../referralApi';
import { planApi } from '../planApi';
import '../plan.css';

const PARTS = ['person', 'victim'] as const;
const EVENTS = 'events';

/** A field's protection in words, or null for statistical and workflow fields. */
function protWord(i: I18n, f: FieldDef | undefined): string | null {
  if (!f) return null;
  if (f.protection === 'identifying') return i.t('profiles.identifying');
  if (f.protection === 'sensitive') return i.t('profiles.sensitive');
  return null;
}

function fieldOf(schema: Schema, path: string): FieldDef | undefined {
  const [ent, key] = path.split('.');
  return entity(schema, ent)?.fields.find((f) => f.key === key);
}

/** One path as a chip: its label, and its protection when identifying or sensitive. */
function PathChip({ schema, path }: { schema: Schema; path: string }) {
  const i = useI18n();
  const f = fieldOf(schema, path);
  const label = path === EVENTS ? lbl(i, entity(schema, 'event')?.label) || path : f ? lbl(i, f.label) : path;
  const prot = protWord(i, f);
  return (
    <li class={'profile-path' + (f && prot ? ' prot-' + f.protection : '')} data-path={path} data-testid="profile-path">
      <span>{label}</span>
      {prot && <span class="small">({prot})</span>}
    </li>
  );
}

/** A profile's fields by entity: person, victim, events. */
function ProfilePaths({ schema, fields }: { schema: Schema; fields: string[] }) {
  const i = useI18n();
  const parts: { key: string; title: string; paths: string[] }[] = [];
  for (const p of PARTS) {
    const paths = fields.filter((f) => f.startsWith(p + '.'));
    if (paths.length) parts.push({ key: p, title: lbl(i, entity(schema, p)?.label) || p, paths });
  }
  if (fields.includes(EVENTS)) parts.push({ key: EVENTS, title: i.t('profiles.events_part'), paths: [EVENTS] });
  const other = fields.filter((f) => f !== EVENTS && !PARTS.some((p) => f.startsWith(p + '.')));
  if (other.length) parts.push({ key: 'other', title: i.t('profiles.other_part'), paths: other });
  return (
    <>
      {parts.map((p) => (
        <div key={p.key} class="profile-part" data-part={p.key}>
          <h3>{p.title}</h3>
          <ul class="profile-paths">
            {p.paths.map((path) => (
              <PathChip key={path} schema={schema} path={path} />
            ))}
          </ul>
        </div>
      ))}
    </>
  );
}

/** The paths in the registry's order (person, victim, then events): what the form sends. */
function ordered(schema: Schema, chosen: Set<string>): string[] {
  const out: string[] = [];
  for (const p of PARTS) for (const f of entity(schema, p)?.fields ?? []) if (chosen.has(p + '.' + f.key)) out.push(p + '.' + f.key);
  if (chosen.has(EVENTS)) out.push(EVENTS);
  for (const x of chosen) if (!out.includes(x)) out.push(x);
  return out;
}

function EntityChecks(p: { schema: Schema; ent: EntityDef; chosen: Set<string>; toggle: (path: string, on: boolean) => void; bad: Record<string, string> }) {
  const i = useI18n();
  return (
    <fieldset class="field" data-testid={'profile-entity-' + p.ent.name}>
      <legend>{lbl(i, p.ent.label)}</legend>
      {p.ent.sections.map((s) => {
        const fields = p.ent.fields.filter((f) => f.section === s.key);
        if (!fields.length) return null;
        return (
          <div key={s.key}>
            <h3>{lbl(i, s.label)}</h3>
            <div class="checks">
              {fields.map((f) => {
                const path = p.ent.name + '.' + f.key;
                const prot = protWord(i, f);
                const bad = p.bad[path];
                return (
                  <label key={f.key} class={'check' + (bad ? ' has-error' : '')} data-path={path}>
                    <input
                      type="checkbox"
                      name="field"
                      value={path}
                      checked={p.chosen.has(path)}
                      aria-invalid={bad ? 'true' : undefined}
                      onChange={(e) => p.toggle(path, (e.currentTarget as HTMLInputElement).checked)}
                    />
                    <span class="check-text">
                      <span>{lbl(i, f.label)}</span>
                      {prot && (
                        <span class={'badge prot-' + f.protection} data-testid="profile-prot" data-protection={f.protection}>
                          {prot}
                        </span>
                      )}
                      {bad && <small class="field-error">{bad}</small>}
                    </span>
                  </label>
                );
              })}
            </div>
          </div>
        );
      })}
    </fieldset>
  );
}

function ProfileForm(p: {
  schema: Schema;
  initial: Profile | null;
  seed: string[];
  stale: boolean;
  onSaved: (pr: Profile) => void;
  onStale: () => void;
  onCancel: () => void;
}) {
  const i = useI18n();
  const [nameEn, setNameEn] = useState(p.initial?.name_en ?? '');
  const [nameAr, setNameAr] = useState(p.initial?.name_ar ?? '');
  const [chosen, setChosen] = useState<Set<string>>(() => new Set(p.initial?.fields ?? p.seed));
  const [missing, setMissing] = useState<Record<string, boolean>>({});
  const [error, setError] = useState<unknown>(null);
  const [sent, setSent] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);

  const toggle = (path: string, on: boolean) => {
    setChosen((c) => {
      const n = new Set(c);
      if (on) n.add(path);
      else n.delete(path);
      return n;
    });
    setMissing((m) => ({ ...m, fields: false }));
  };

  const submit = async (e: Event) => {
    e.preventDefault();
    const miss = { name_en: !nameEn.trim(), name_ar: !nameAr.trim(), fields: chosen.size === 0 };
    setMissing(miss);
    if (miss.name_en || miss.name_ar || miss.fields) return;
    const fields = ordered(p.schema, chosen);
    setSent(fields);
    setBusy(true);
    setError(null);
    try {
      const body = { name_en: nameEn.trim(), name_ar: nameAr.trim(), fields };
      const saved = p.initial ? await planApi.putProfile(p.initial.id, { ...body, version: p.initial.version ?? 1 }) : await planApi.createProfile(body);
      p.onSaved(saved);
    } catch (err) {
      if (err instanceof ApiError && err.code === 'stale_version') p.onStale();
      else setError(err);
    } finally {
      setBusy(false);
    }
  };

  // Field errors of the list ("fields[2]") are shown at the path sent in that place.
  const bad: Record<string, string> = {};
  let listErr: string | null = missing.fields ? i.t('profiles.choose_one') : null;
  if (error instanceof ApiError) {
    for (const [k, code] of Object.entries(error.fields)) {
      const m = /^fields\[(\d+)\]$/.exec(k);
      const text = i.fieldError(error, k) ?? code;
      if (m && sent[Number(m[1])]) bad[sent[Number(m[1])]] = text;
      else if (k === 'fields') listErr = text;
    }
  }
  const nameErr = (k: 'name_en' | 'name_ar') => (missing[k] ? i.t('field.missing_field') : i.fieldError(error, k));
  const eventEnt = entity(p.schema, 'event');

  return (
    <form class="card profile-form" onSubmit={submit} noValidate data-testid="profile-form" data-mode={p.initial ? 'edit' : 'new'}>
      <h2>{p.initial ? i.t('profiles.edit_title', { name: i.orgName(p.initial) }) : i.t('profiles.new_title')}</h2>
      {p.stale && (
        <p class="alert alert-info" role="alert" data-testid="profile-stale">
          {i.t('profiles.stale')}
        </p>
      )}
      <p class="hint">{i.t('profiles.form_intro')}</p>
      <div class="grid2">
        <Field
          label={i.t('profiles.name_en')}
          name="name_en"
          value={nameEn}
          onInput={(v) => {
            setNameEn(v);
            setMissing((m) => ({ ...m, name_en: false }));
          }}
          dir="ltr"
          maxLength={100}
          error={nameErr('name_en')}
        />
        <Field
          label={i.t('profiles.name_ar')}
          name="name_ar"
          value={nameAr}
          onInput={(v) => {
            setNameAr(v);
            setMissing((m) => ({ ...m, name_ar: false }));
          }}
          dir="rtl"
          maxLength={100}
          error={nameErr('name_ar')}
        />
      </div>
      <p class="strong" data-testid="profile-count" data-n={chosen.size}>
        {i.t('profiles.chosen', { n: chosen.size })}
      </p>
      {listErr && (
        <p class="field-error" data-testid="profile-fields-error">
          {listErr}
        </p>
      )}
      {PARTS.map((name) => {
        const ent = entity(p.schema, name);
        return ent ? <EntityChecks key={name} schema={p.schema} ent={ent} chosen={chosen} toggle={toggle} bad={bad} /> : null;
      })}
      {eventEnt && (
        <fieldset class="field">
          <legend>{i.t('profiles.events_part')}</legend>
          <label class={'check' + (bad[EVENTS] ? ' has-error' : '')} data-path={EVENTS}>
            <input type="checkbox" name="field" value={EVENTS} checked={chosen.has(EVENTS)} onChange={(e) => toggle(EVENTS, (e.currentTarget as HTMLInputElement).checked)} />
            <span class="check-text">
              <span>{i.t('profiles.events_all', { entity: lbl(i, eventEnt.label) })}</span>
              <span class="badge prot-sensitive">{i.t('profiles.sensitive')}</span>
              {bad[EVENTS] && <small class="field-error">{bad[EVENTS]}</small>}
            </span>
          </label>
        </fieldset>
      )}
      <ErrorBox error={error} />
      <div class="actions">
        <button type="submit" class="btn btn-primary" data-testid="profile-save" disabled={busy}>
          {busy ? i.t('common.working') : i.t('common.save')}
        </button>
        <button type="button" class="btn" data-testid="profile-cancel" onClick={p.onCancel}>
          {i.t('common.cancel')}
        </button>
      </div>
    </form>
  );
}

type FormState = { mode: 'new'; seed: string[] } | { mode: 'edit'; id: string };

export function Profiles({ me }: { me: Me }) {
  const i = useI18n();
  const [schema, setSchema] = useState<Schema | null>(null);
  const [profiles, setProfiles] = useState<Profile[] | null>(null);
  const [orgs, setOrgs] = useState<Org[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [form, setForm] = useState<FormState | null>(null);
  const [stale, setStale] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const everyOrg = me.roles.includes('coordinator');

  const load = () =>
    referralApi.profiles().then(
      (r) => {
        setProfiles(r.items);
        return r.items;
      },
      (e) => {
        setError(e);
        setProfiles((p) => p ?? []);
        return null;
      },
    );

  useEffect(() => {
    loadSchema().then(setSchema, setError);
    void load();
    if (me.permissions.includes('org.read')) allPages((c) => api.orgs(c)).then(setOrgs, () => undefined);
  }, []);

  const mayEdit = (p: Profile) => !p.builtin && (everyOrg || p.org_id === me.org?.id);
  const orgLabel = (id: string | null) => {
    if (!id) return '';
    if (me.org && me.org.id === id) return i.orgName(me.org);
    const o = orgs.find((x) => x.id === id);
    return o ? i.orgName(o) : id.slice(0, 8);
  };
  const editing = form?.mode === 'edit' ? profiles?.find((p) => p.id === form.id) ?? null : null;

  const open = (f: FormState) => {
    setForm(f);
    setStale(false);
    setNotice(null);
    window.scrollTo({ top: 0 });
  };

  if (error && !schema) return <ErrorBox error={error} />;
  if (!schema || profiles === null) return <p class="muted">{i.t('common.loading')}</p>;

  const builtins = profiles.filter((p) => p.builtin);
  const own = profiles.filter((p) => !p.builtin);

  const card = (p: Profile) => (
    <article key={p.id} class={'card profile-card' + (p.builtin ? ' builtin' : '')} data-testid="profile" data-id={p.id} data-builtin={p.builtin ? 'true' : 'false'} data-version={p.version ?? ''}>
      <div class="profile-head">
        <h2 data-testid="profile-name">{i.orgName(p)}</h2>
        <span>
          {p.builtin ? <span class="badge">{i.t('profiles.builtin')}</span> : <span class="badge badge-on">{orgLabel(p.org_id) || i.t('profiles.custom')}</span>}
          {!p.builtin && p.version !== undefined && <span class="muted small">{i.t('profiles.version', { version: p.version })}</span>}
        </span>
      </div>
      <p class="small muted" lang={i.locale === 'ar' ? 'en' : 'ar'} dir={i.locale === 'ar' ? 'ltr' : 'rtl'}>
        {i.locale === 'ar' ? p.name_en : p.name_ar}
      </p>
      <p class="small">{i.t('profiles.n_fields', { n: p.fields.length })}</p>
      <ProfilePaths schema={schema} fields={p.fields} />
      <div class="row-actions">
        {mayEdit(p) && (
          <button type="button" class="btn btn-small" data-testid="profile-edit" onClick={() => open({ mode: 'edit', id: p.id })}>
            {i.t('common.edit')}
          </button>
        )}
        <button type="button" class="btn btn-small" data-testid="profile-copy" onClick={() => open({ mode: 'new', seed: p.fields })}>
          {i.t('profiles.copy')}
        </button>
      </div>
    </article>
  );

  return (
    <section aria-labelledby="profiles-title" data-testid="profiles">
      <div class="section-head">
        <h1 id="profiles-title">{i.t('profiles.title')}</h1>
        {!form && (
          <button type="button" class="btn btn-primary" data-testid="profile-new" onClick={() => open({ mode: 'new', seed: [] })}>
            {i.t('profiles.new')}
          </button>
        )}
      </div>
      <p class="lead">{i.t('profiles.intro')}</p>
      {notice && <Notice>{notice}</Notice>}
      {error !== null && <ErrorBox error={error} />}
      {form && (form.mode === 'new' || editing) && (
        <ProfileForm
          key={form.mode === 'edit' ? form.id + ':' + (editing?.version ?? '') : 'new'}
          schema={schema}
          initial={editing}
          seed={form.mode === 'new' ? form.seed : []}
          stale={stale}
          onCancel={() => {
            setForm(null);
            setStale(false);
          }}
          onStale={() => {
            setStale(true);
            void load();
          }}
          onSaved={(pr) => {
            setForm(null);
            setStale(false);
            setNotice(i.t('profiles.saved', { name: i.orgName(pr) }));
            // shown at once; the list is read again for what others changed
            setProfiles((ps) => (ps && ps.some((x) => x.id === pr.id) ? ps.map((x) => (x.id === pr.id ? pr : x)) : [...(ps ?? []), pr]));
            void load();
          }}
        />
      )}
      <h2 class="profile-group">{i.t('profiles.own_title')}</h2>
      {own.length === 0 ? (
        <p class="muted" data-testid="profiles-none">
          {i.t('profiles.none')}
        </p>
      ) : (
        <div class="profile-list" data-testid="profiles-own">
          {own.map(card)}
        </div>
      )}
      <h2 class="profile-group">{i.t('profiles.builtin_title')}</h2>
      <p class="hint">{i.t('profiles.builtin_intro')}</p>
      <div class="profile-list" data-testid="profiles-builtin">
        {builtins.map(card)}
      </div>
    </section>
  );
}
