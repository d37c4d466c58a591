// Thin client for the JSON API under /api/v1/ (docs/api-contract.md).
// Keeps the CSRF token of the session in memory and in sessionStorage, sends it
// on every state-changing request, and turns error bodies into ApiError.

export type Locale = 'ar' | 'en';
export type Next = null | 'change_password' | 'enrol_totp';

export interface Org {
  id: string;
  name_ar: string;
  name_en: string;
  type: string;
  country: string;
  created_at?: number;
  updated_at?: number;
  version?: number;
}

export interface Me {
  id: string;
  username: string;
  display_name: string;
  locale: Locale | string | null;
  roles: string[];
  permissions: string[];
  org: Org | null;
  must_change_password: boolean;
  totp_enabled: boolean;
  next: Next;
  demo: boolean;
}

export interface User {
  id: string;
  username: string;
  display_name: string;
  org_id: string;
  roles: string[];
  disabled: boolean;
  totp_enabled: boolean;
  must_change_password: boolean;
  created_at: number;
  updated_at: number;
  version: number;
}

export interface AuditRow {
  seq: number;
  at: number;
  actor_id: string | null;
  org_id: string | null;
  action: string;
  object_type: string | null;
  object_id: string | null;
  outcome: string;
}

export interface List<T> {
  items: T[];
  next_cursor: string | null;
}

export interface Meta {
  demo: boolean;
  version: string;
}

export interface SessionAnswer {
  csrf_token: string;
  next: Next;
}

// ---- cases (docs/api-contract.md, "Cases")

export type Values = Record<string, unknown>;

export interface Consent extends Values {
  recorded_by?: string;
  recorded_at?: number;
}

export interface Case {
  ref: string;
  status: string;
  org_id: string;
  created_by: string;
  assigned_to: string | null;
  external_ref: string | null;
  created_at: number;
  updated_at: number;
  version: number;
  person: Values;
  victim: Values;
  case: Values;
  events: Values[];
  consents: Consent[];
}

export interface CaseSummary {
  ref: string;
  status: string;
  org_id: string;
  assigned_to?: string | null;
  name?: string;
  created_at: number;
  updated_at: number;
}

export interface CaseFilters {
  status?: string;
  assigned?: string;
  exploitation?: string;
}

export interface Comment {
  id: string;
  author_id: string;
  author_name?: string;
  at: number;
  text: string;
}

export interface CaseBody {
  person?: Values;
  victim?: Values;
  case?: Values;
  events?: Values[];
  consents?: Values[];
}

export interface CasePatch {
  version: number;
  person?: Values;
  victim?: Values;
  case?: Values;
  events?: Values[];
  assigned_to?: string | null;
}

export class ApiError extends Error {
  status: number;
  code: string;
  fields: Record<string, string>;
  currentVersion?: number;
  retryAfter?: number;

  constructor(status: number, code: string, message: string, fields: Record<string, string> = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.fields = fields;
  }
}

const CSRF_KEY = 'ihala.csrf';

function readStored(): string | null {
  try {
    return sessionStorage.getItem(CSRF_KEY);
  } catch {
    return null;
  }
}

let csrfToken: string | null = readStored();

export function setCsrf(token: string | null): void {
  csrfToken = token;
  try {
    if (token) sessionStorage.setItem(CSRF_KEY, token);
    else sessionStorage.removeItem(CSRF_KEY);
  } catch {
    /* storage may be unavailable (private mode); memory is enough */
  }
}

/** Called by the app shell: where to go on 401 and on 403 setup_required. */
export const hooks: {
  unauthenticated?: () => void;
  setupRequired?: () => void;
} = {};

interface Options {
  /** Do not call hooks.unauthenticated on 401 (the first GET /me, login). */
  quiet?: boolean;
}

const SAFE = new Set(['GET', 'HEAD']);

export async function request<T>(method: string, path: string, body?: unknown, opts: Options = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const isLogin = method === 'POST' && path === '/api/v1/session';
  if (!SAFE.has(method) && !isLogin && csrfToken) headers['X-CSRF-Token'] = csrfToken;

  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
      cache: 'no-store',
    });
  } catch {
    throw new ApiError(0, 'network', 'Network error');
  }

  let data: unknown = null;
  if (res.status !== 204) {
    const text = await res.text();
    if (text) {
      try {
        data = JSON.parse(text);
      } catch {
        data = null;
      }
    }
  }

  if (!res.ok) {
    const e = (data && typeof data === 'object' && 'error' in data ? (data as { error: unknown }).error : null) as
      | { code?: unknown; message?: unknown; fields?: unknown; current_version?: unknown }
      | null;
    const fallbackCode = res.status === 401 ? 'unauthenticated' : res.status >= 500 ? 'internal' : 'http_' + res.status;
    const err = new ApiError(
      res.status,
      e && typeof e.code === 'string' ? e.code : fallbackCode,
      e && typeof e.message === 'string' ? e.message : res.statusText,
      e && e.fields && typeof e.fields === 'object' ? (e.fields as Record<string, string>) : {},
    );
    if (e && typeof e.current_version === 'number') err.currentVersion = e.current_version;
    const ra = res.headers.get('Retry-After');
    if (ra && /^\d+$/.test(ra)) err.retryAfter = Number(ra);
    if (err.code === 'unauthenticated' && !opts.quiet) {
      setCsrf(null);
      hooks.unauthenticated?.();
    } else if (err.code === 'setup_required') {
      hooks.setupRequired?.();
    }
    throw err;
  }
  return data as T;
}

const q = (params: Record<string, string | number | null | undefined>): string => {
  const sp = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== null && v !== undefined && v !== '') sp.set(k, String(v));
  const s = sp.toString();
  return s ? '?' + s : '';
};

const enc = encodeURIComponent;

export const api = {
  meta: () => request<Meta>('GET', '/api/v1/meta', undefined, { quiet: true }),
  me: (quiet = false) => request<Me>('GET', '/api/v1/me', undefined, { quiet }),
  login: (username: string, password: string, totp?: string) =>
    request<SessionAnswer>('POST', '/api/v1/session', totp ? { username, password, totp } : { username, password }, {
      quiet: true,
    }),
  logout: () => request<void>('DELETE', '/api/v1/session', undefined, { quiet: true }),
  setLocale: (locale: Locale) => request<Me>('PATCH', '/api/v1/me', { locale }),
  changePassword: (current: string, next: string) =>
    request<SessionAnswer>('POST', '/api/v1/me/password', { current, new: next }),
  totpBegin: () => request<{ secret: string; otpauth_uri: string }>('POST', '/api/v1/me/totp', {}),
  totpConfirm: (code: string) => request<{ next: Next }>('POST', '/api/v1/me/totp/confirm', { code }),

  orgs: (cursor?: string | null) => request<List<Org>>('GET', '/api/v1/orgs' + q({ limit: 200, cursor })),
  createOrg: (o: Pick<Org, 'name_ar' | 'name_en' | 'type' | 'country'>) => request<Org>('POST', '/api/v1/orgs', o),
  updateOrg: (id: string, o: Partial<Org>) => request<Org>('PATCH', '/api/v1/orgs/' + enc(id), o),

  users: (org?: string | null, cursor?: string | null) =>
    request<List<User>>('GET', '/api/v1/users' + q({ org, limit: 100, cursor })),
  createUser: (u: { username: string; display_name: string; org_id: string; roles: string[] }) =>
    request<{ user: User; password: string }>('POST', '/api/v1/users', u),
  updateUser: (id: string, u: { display_name?: string; roles?: string[]; disabled?: boolean; version?: number }) =>
    request<User>('PATCH', '/api/v1/users/' + enc(id), u),
  resetPassword: (id: string) => request<{ password: string }>('POST', '/api/v1/users/' + enc(id) + '/password', {}),
  endSessions: (id: string) => request<void>('DELETE', '/api/v1/users/' + enc(id) + '/sessions'),
  resetTotp: (id: string) => request<void>('DELETE', '/api/v1/users/' + enc(id) + '/totp'),

  audit: (after?: string | null, limit = 50) =>
    request<List<AuditRow>>('GET', '/api/v1/audit' + q({ after, limit })),

  schema: () => request<unknown>('GET', '/api/v1/schema'),
  searchCases: (query: string, limit = 50) => request<List<CaseSummary>>('GET', '/api/v1/cases' + q({ q: query, limit })),
  listCases: (f: CaseFilters, cursor?: string | null, limit = 50) =>
    request<List<CaseSummary>>('GET', '/api/v1/cases' + q({ status: f.status, assigned: f.assigned, exploitation: f.exploitation, limit, cursor })),
  getCase: (ref: string) => request<Case>('GET', '/api/v1/cases/' + enc(ref)),
  assignees: (ref: string) =>
    request<{ items: { id: string; username: string; display_name: string }[] }>('GET', '/api/v1/cases/' + enc(ref) + '/assignees'),
  createCase: (body: CaseBody) => request<Case>('POST', '/api/v1/cases', body),
  updateCase: (ref: string, patch: CasePatch) => request<Case>('PATCH', '/api/v1/cases/' + enc(ref), patch),
  eraseCase: (ref: string) => request<void>('DELETE', '/api/v1/cases/' + enc(ref)),
  addConsent: (ref: string, consent: Values) => request<Case>('POST', '/api/v1/cases/' + enc(ref) + '/consents', consent),
  withdrawConsent: (ref: string, n: number, date: string) =>
    request<Case>('POST', '/api/v1/cases/' + enc(ref) + '/consents/' + n + '/withdraw', { date }),
  comments: (ref: string) => request<List<Comment>>('GET', '/api/v1/cases/' + enc(ref) + '/comments'),
  addComment: (ref: string, text: string) => request<Comment>('POST', '/api/v1/cases/' + enc(ref) + '/comments', { text }),
};

/** Reads all pages of a list (bounded, for small reference lists like orgs). */
export async function allPages<T>(get: (cursor: string | null) => Promise<List<T>>, maxPages = 20): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | null = null;
  for (let i = 0; i < maxPages; i++) {
    const page: List<T> = await get(cursor);
    out.push(...page.items);
    if (!page.next_cursor) break;
    cursor = page.next_cursor;
  }
  return out;
}
