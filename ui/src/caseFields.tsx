// Form widgets drawn from the field registry: one per field type, the
// required marker, the "encrypted" mark of protected fields, name pairs
// (a name beside its Latin spelling) and collapsible sections.
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import type { Values } from './api';
import { useI18n } from './i18n';
import { isProtected, lbl, optionsFor, type EntityDef, type FieldDef, type Schema } from './schema';

/** A value as the form holds it: text for most types, a flag, or a list. */
export type FormValue = string | boolean | string[];
export type FormValues = Record<string, FormValue>;

let seq = 0;
const useId = () => useState(() => 'rf' + ++seq)[0];

export function isMulti(f: FieldDef): boolean {
  return f.type === 'multichoice' || f.type === 'countries' || f.type === 'languages';
}

/** A stored value into the form's representation. */
export function toForm(f: FieldDef, v: unknown): FormValue {
  if (f.type === 'boolean') return v === true;
  if (isMulti(f)) return Array.isArray(v) ? v.map(String) : [];
  if (v === null || v === undefined) return '';
  return String(v);
}

export function formValues(ent: EntityDef | undefined, v: Values | undefined | null): FormValues {
  const out: FormValues = {};
  if (!ent) return out;
  for (const f of ent.fields) out[f.key] = toForm(f, v ? v[f.key] : undefined);
  return out;
}

export function isEmpty(x: FormValue | undefined): boolean {
  return x === undefined || x === '' || x === false || (Array.isArray(x) && x.length === 0);
}

/**
 * The form's value as the API wants it, or undefined when empty. A number
 * that does not parse stays a string, which the check below reports.
 */
export function fromForm(f: FieldDef, x: FormValue | undefined): unknown {
  if (isEmpty(x)) return undefined;
  if (f.type === 'boolean') return x === true;
  if (isMulti(f)) return x as string[];
  const s = String(x);
  if (f.type === 'number') {
    const t = s.trim();
    return /^-?\d+$/.test(t) ? Number(t) : t;
  }
  if (f.type === 'text') return s.trim() || undefined;
  if (f.type === 'longtext') return s.trim() ? s : undefined;
  return s;
}

/** The non-empty values of an entity, for the API. */
export function apiValues(ent: EntityDef | undefined, fv: FormValues): Values {
  const out: Values = {};
  if (!ent) return out;
  for (const f of ent.fields) {
    if (f.derived) continue;
    const v = fromForm(f, fv[f.key]);
    if (v !== undefined) out[f.key] = v;
  }
  return out;
}

/** Checks done before sending (the server checks again): required, numbers. Codes as the API's. */
export function checkValues(ent: EntityDef | undefined, fv: FormValues, prefix: string, errs: Record<string, string>): void {
  if (!ent) return;
  for (const f of ent.fields) {
    const x = fv[f.key];
    if (f.required && f.type !== 'boolean' && isEmpty(x)) {
      errs[prefix + f.key] = 'missing_field';
      continue;
    }
    if (f.type === 'number' && !isEmpty(x)) {
      const v = fromForm(f, x);
      if (typeof v !== 'number') errs[prefix + f.key] = 'wrong_type';
      else if ((f.min !== undefined && v < f.min) || (f.max !== undefined && f.max > 0 && v > f.max)) errs[prefix + f.key] = 'invalid';
    }
  }
}

export function LockMark() {
  const i = useI18n();
  return (
    <span class="lock" title={i.t('cases.encrypted_hint')}>
      <svg class="lock-icon" viewBox="0 0 16 16" aria-hidden="true" focusable="false">
        <path d="M4 7V5a4 4 0 0 1 8 0v2h1v8H3V7h1zm2 0h4V5a2 2 0 0 0-4 0v2z" />
      </svg>
      <span class="lock-text">{i.t('cases.encrypted')}</span>
    </span>
  );
}

function LabelText({ f }: { f: FieldDef }) {
  const i = useI18n();
  return (
    <>
      <span>{lbl(i, f.label)}</span>
      {f.required && (
        <>
          <span class="req" aria-hidden="true">
            *
          </span>
          <span class="sr-only">{i.t('cases.required')}</span>
        </>
      )}
      {isProtected(f) && <LockMark />}
    </>
  );
}

interface RegFieldProps {
  schema: Schema;
  f: FieldDef;
  name: string;
  value: FormValue | undefined;
  onChange: (v: FormValue) => void;
  error?: string | null;
  wide?: boolean;
}

/** One registry field, with the widget of its type. */
export function RegField(p: RegFieldProps) {
  const i = useI18n();
  const id = useId();
  const { f } = p;
  const help = f.help ? lbl(i, f.help) : '';
  const descId = p.error || help ? id + '-d' : undefined;
  const aria = {
    'aria-invalid': p.error ? ('true' as const) : undefined,
    'aria-describedby': descId,
    'aria-required': f.required ? ('true' as const) : undefined,
  };
  const desc = (p.error || help) && (
    <small id={descId} class={p.error ? 'field-error' : 'hint'}>
      {p.error || help}
    </small>
  );
  const cls = 'field' + (p.error ? ' has-error' : '') + (p.wide || f.type === 'longtext' || isMulti(f) ? ' field-wide' : '');
  const str = typeof p.value === 'string' ? p.value : '';
  const onText = (e: Event) => p.onChange((e.currentTarget as HTMLInputElement).value);

  if (f.type === 'boolean') {
    return (
      <div class={cls} data-field={p.name}>
        <label class="check" for={id}>
          <input id={id} type="checkbox" name={p.name} checked={p.value === true} onChange={(e) => p.onChange((e.currentTarget as HTMLInputElement).checked)} {...aria} />
          <LabelText f={f} />
        </label>
        {desc}
      </div>
    );
  }

  if (f.type === 'multichoice') {
    const list = Array.isArray(p.value) ? p.value : [];
    return (
      <fieldset class={cls} data-field={p.name} aria-describedby={descId}>
        <legend>
          <LabelText f={f} />
        </legend>
        <div class="checks">
          {optionsFor(i, p.schema, f).map((o) => (
            <label key={o.value} class="check">
              <input
                type="checkbox"
                name={p.name}
                value={o.value}
                checked={list.includes(o.value)}
                onChange={(e) => {
                  const on = (e.currentTarget as HTMLInputElement).checked;
                  p.onChange(on ? [...list.filter((x) => x !== o.value), o.value] : list.filter((x) => x !== o.value));
                }}
              />
              <span>{o.label}</span>
            </label>
          ))}
        </div>
        {desc}
      </fieldset>
    );
  }

  if (f.type === 'countries' || f.type === 'languages') {
    const list = Array.isArray(p.value) ? p.value : [];
    const opts = optionsFor(i, p.schema, f);
    const name = (v: string) => opts.find((o) => o.value === v)?.label ?? v;
    return (
      <div class={cls} data-field={p.name}>
        <label for={id}>
          <LabelText f={f} />
        </label>
        {list.length > 0 && (
          <ul class="chips">
            {list.map((v) => (
              <li key={v} class="chip">
                <span>{name(v)}</span>
                <button
                  type="button"
                  class="chip-x"
                  data-testid="chip-remove"
                  data-value={v}
                  aria-label={i.t('cases.remove_item', { item: name(v) })}
                  onClick={() => p.onChange(list.filter((x) => x !== v))}
                >
                  ×
                </button>
              </li>
            ))}
          </ul>
        )}
        <select
          id={id}
          name={p.name}
          value=""
          onChange={(e) => {
            const el = e.currentTarget as HTMLSelectElement;
            const v = el.value;
            el.value = '';
            if (v && !list.includes(v)) p.onChange([...list, v]);
          }}
          {...aria}
        >
          <option value="">{i.t('cases.add_choice')}</option>
          {opts
            .filter((o) => !list.includes(o.value))
            .map((o) => (
              <option key={o.value} value={o.value}>
                {o.label}
              </option>
            ))}
        </select>
        {desc}
      </div>
    );
  }

  let input: ComponentChildren;
  switch (f.type) {
    case 'choice':
    case 'country':
    case 'language':
    case 'isic':
      input = (
        <select id={id} name={p.name} value={str} onChange={onText} {...aria}>
          <option value="">{i.t('cases.choose')}</option>
          {optionsFor(i, p.schema, f).map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </select>
      );
      break;
    case 'longtext':
      input = <textarea id={id} name={p.name} value={str} onInput={onText} dir="auto" rows={3} maxLength={f.max && f.max > 0 ? f.max : undefined} {...aria} />;
      break;
    case 'date':
      input = <input id={id} type="date" name={p.name} value={str} onInput={onText} {...aria} />;
      break;
    case 'number':
      input = (
        <input
          id={id}
          type="number"
          name={p.name}
          value={str}
          onInput={onText}
          inputMode="numeric"
          step={1}
          min={f.min}
          max={f.max && f.max > 0 ? f.max : undefined}
          dir="ltr"
          {...aria}
        />
      );
      break;
    default:
      input = (
        <input id={id} type="text" name={p.name} value={str} onInput={onText} dir="auto" autocomplete="off" maxLength={f.max && f.max > 0 ? f.max : undefined} {...aria} />
      );
  }
  return (
    <div class={cls} data-field={p.name}>
      <label for={id}>
        <LabelText f={f} />
      </label>
      {input}
      {desc}
    </div>
  );
}

/** Fields of one section, a name and its Latin spelling side by side. */
export function SectionFields(p: {
  schema: Schema;
  ent: EntityDef;
  section: string;
  values: FormValues;
  prefix: string;
  errors: Record<string, string>;
  onChange: (key: string, v: FormValue) => void;
}) {
  const i = useI18n();
  const fields = p.ent.fields.filter((f) => f.section === p.section && !f.derived);
  const keys = new Set(fields.map((f) => f.key));
  const err = (k: string) => {
    const code = p.errors[p.prefix + k];
    if (!code) return null;
    return i.has('field.' + code) ? i.t('field.' + code) : i.has('error.' + code) ? i.t('error.' + code) : code;
  };
  const one = (f: FieldDef) => (
    <RegField key={f.key} schema={p.schema} f={f} name={p.prefix + f.key} value={p.values[f.key]} error={err(f.key)} onChange={(v) => p.onChange(f.key, v)} />
  );
  const out: ComponentChildren[] = [];
  for (const f of fields) {
    if (f.key.endsWith('_latin') && keys.has(f.key.slice(0, -6))) continue; // drawn with its twin
    const twin = fields.find((x) => x.key === f.key + '_latin');
    if (twin) {
      out.push(
        <div key={f.key} class="name-pair" data-testid={'pair-' + f.key}>
          {one(f)}
          {one(twin)}
        </div>,
      );
    } else out.push(one(f));
  }
  return <div class="reg-grid">{out}</div>;
}

/** A section that opens and closes; the heading is a button. */
export function Collapsible(p: { id: string; title: string; open: boolean; onToggle: () => void; children: ComponentChildren; badge?: string }) {
  return (
    <section class={'collapsible' + (p.open ? ' open' : '')}>
      <h3 class="collapsible-head">
        <button type="button" class="collapsible-btn" aria-expanded={p.open ? 'true' : 'false'} aria-controls={p.id} data-testid={'section-' + p.id} onClick={p.onToggle}>
          <span class="chevron" aria-hidden="true" />
          <span>{p.title}</span>
          {p.badge && <span class="badge badge-warn">{p.badge}</span>}
        </button>
      </h3>
      {p.open && (
        <div id={p.id} class="collapsible-body">
          {p.children}
        </div>
      )}
    </section>
  );
}
