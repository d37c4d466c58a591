import { useEffect, useMemo, useState } from 'preact/hooks';
import { api, ApiError, type Org } from '../api';
import { ErrorBox, Field, Notice, Select } from '../components';
import { COUNTRY_CODES, ORG_TYPES } from '../countries';
import { useI18n } from '../i18n';

type Draft = { name_ar: string; name_en: string; type: string; country: string };

function OrgForm({
  initial,
  onSaved,
  onCancel,
  defaultCountry,
}: {
  initial: Org | null;
  onSaved: (o: Org, created: boolean) => void;
  onCancel: () => void;
  defaultCountry: string;
}) {
  const i = useI18n();
  const [d, setD] = useState<Draft>(() =>
    initial
      ? { name_ar: initial.name_ar, name_en: initial.name_en, type: initial.type, country: initial.country }
      : { name_ar: '', name_en: '', type: 'NGO', country: defaultCountry },
  );
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const set = (k: keyof Draft) => (v: string) => setD({ ...d, [k]: v });

  const collator = useMemo(() => new Intl.Collator(i.locale), [i.locale]);
  const countries = useMemo(
    () =>
      COUNTRY_CODES.map((c) => ({ value: c, label: i.country(c) })).sort((a, b) => collator.compare(a.label, b.label)),
    [i.locale],
  );
  const types = ORG_TYPES.map((t) => ({ value: t, label: i.t('orgType.' + t) }));
  if (initial && !ORG_TYPES.includes(initial.type)) types.push({ value: initial.type, label: initial.type });

  const submit = async (e: Event) => {
    e.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(null);
    const body = { name_ar: d.name_ar.trim(), name_en: d.name_en.trim(), type: d.type, country: d.country };
    try {
      const saved = initial ? await api.updateOrg(initial.id, { ...body, version: initial.version }) : await api.createOrg(body);
      onSaved(saved, !initial);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const fe = (f: string) => i.fieldError(error, f);
  const stale = error instanceof ApiError && error.code === 'stale_version';

  return (
    <form class="card form" onSubmit={submit} data-testid="org-form">
      <h2>{initial ? i.t('orgs.edit_title') : i.t('orgs.new_title')}</h2>
      <div class="grid2">
        <Field label={i.t('orgs.name_ar')} name="name_ar" value={d.name_ar} onInput={set('name_ar')} dir="rtl" required maxLength={200} error={fe('name_ar')} />
        <Field label={i.t('orgs.name_en')} name="name_en" value={d.name_en} onInput={set('name_en')} dir="ltr" required maxLength={200} error={fe('name_en')} />
        <Select label={i.t('orgs.type')} name="type" value={d.type} onChange={set('type')} options={types} error={fe('type')} required />
        <Select label={i.t('orgs.country')} name="country" value={d.country} onChange={set('country')} options={countries} error={fe('country')} required />
      </div>
      <ErrorBox error={error} />
      {stale && <p class="hint">{i.t('common.stale_hint')}</p>}
      <div class="actions">
        <button type="submit" class="btn btn-primary" data-testid="org-save" disabled={busy}>
          {busy ? i.t('common.working') : i.t('common.save')}
        </button>
        <button type="button" class="btn" data-testid="org-cancel" onClick={onCancel}>
          {i.t('common.cancel')}
        </button>
      </div>
    </form>
  );
}

export function Orgs({ canWrite, defaultCountry }: { canWrite: boolean; defaultCountry: string }) {
  const i = useI18n();
  const [items, setItems] = useState<Org[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [editing, setEditing] = useState<Org | 'new' | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  const load = async (more = false) => {
    setError(null);
    try {
      const page = await api.orgs(more ? cursor : null);
      setItems(more && items ? [...items, ...page.items] : page.items);
      setCursor(page.next_cursor);
    } catch (err) {
      setError(err);
    }
  };

  useEffect(() => {
    void load();
  }, []);

  const onSaved = (o: Org, created: boolean) => {
    setEditing(null);
    setNotice(created ? i.t('orgs.created', { name: i.orgName(o) }) : i.t('orgs.saved', { name: i.orgName(o) }));
    void load();
  };

  return (
    <section aria-labelledby="orgs-title">
      <div class="section-head">
        <h1 id="orgs-title">{i.t('orgs.title')}</h1>
        {canWrite && editing === null && (
          <button type="button" class="btn btn-primary" data-testid="org-new" onClick={() => { setNotice(null); setEditing('new'); }}>
            {i.t('orgs.new')}
          </button>
        )}
      </div>
      {notice && <Notice>{notice}</Notice>}
      {editing !== null && (
        <OrgForm
          key={editing === 'new' ? 'new' : editing.id}
          initial={editing === 'new' ? null : editing}
          onSaved={onSaved}
          onCancel={() => setEditing(null)}
          defaultCountry={defaultCountry}
        />
      )}
      <ErrorBox error={error} />
      {items === null && !error && <p class="muted">{i.t('common.loading')}</p>}
      {items && items.length === 0 && <p class="muted">{i.t('orgs.empty')}</p>}
      {items && items.length > 0 && (
        <div class="table-wrap" tabIndex={0} role="region" aria-labelledby="orgs-title">
          <table class="table" data-testid="orgs-table">
            <thead>
              <tr>
                <th scope="col">{i.t('orgs.name')}</th>
                <th scope="col">{i.t('orgs.type')}</th>
                <th scope="col">{i.t('orgs.country')}</th>
                <th scope="col">{i.t('common.updated')}</th>
                {canWrite && <th scope="col"><span class="sr-only">{i.t('common.actions')}</span></th>}
              </tr>
            </thead>
            <tbody>
              {items.map((o) => (
                <tr key={o.id} data-id={o.id} data-testid="org-row">
                  <td>
                    <div class="strong">{i.orgName(o)}</div>
                    <div class="muted small">
                      <bdi lang={i.locale === 'ar' ? 'en' : 'ar'} dir={i.locale === 'ar' ? 'ltr' : 'rtl'}>
                        {i.locale === 'ar' ? o.name_en : o.name_ar}
                      </bdi>
                    </div>
                  </td>
                  <td>{i.has('orgType.' + o.type) ? i.t('orgType.' + o.type) : o.type}</td>
                  <td>{i.country(o.country)}</td>
                  <td class="nowrap">{i.date(o.updated_at ?? o.created_at)}</td>
                  {canWrite && (
                    <td>
                      <button type="button" class="btn btn-small" data-testid="org-edit" onClick={() => { setNotice(null); setEditing(o); }}>
                        {i.t('common.edit')}
                      </button>
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
          <button type="button" class="btn" data-testid="orgs-more" onClick={() => load(true)}>
            {i.t('common.load_more')}
          </button>
        </div>
      )}
    </section>
  );
}
