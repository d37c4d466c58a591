// Client of the support plan of a case and of the services delivered
// (src/domain/plan/plan.h is the contract; docs/support-plans.md tells it in
// words), and of the referral profiles an organisation keeps for itself
// (POST/PUT /api/v1/referral-profiles; the list is referralApi.profiles).
import { request, type List } from './api';
import type { Profile } from './referralApi';

export const PLAN_STATUSES = ['planned', 'in_progress', 'done', 'cancelled'] as const;
export type PlanStatus = (typeof PLAN_STATUSES)[number];
/** Characters of a goal, an action or a note (PLAN_TEXT_MAX_CHARS). */
export const PLAN_TEXT_MAX = 2000;

export interface PlanOrg {
  id: string;
  name_en: string;
  name_ar: string;
}

export interface PlanItem {
  id: string;
  support_type: string;
  goal: string;
  action: string | null;
  responsible_org: PlanOrg;
  due_date: string | null;
  overdue: boolean;
  status: PlanStatus | string;
  completed_on: string | null;
  created_by: string;
  created_at: number;
  updated_by: string;
  updated_by_name: string;
  updated_at: number;
  version: number;
}

export interface Plan {
  case_ref: string;
  view: 'owner' | 'receiver';
  /** 0: no plan yet; null for an organisation serving the case through a referral. */
  version: number | null;
  updated_at: number | null;
  updated_by: string | null;
  updated_by_name: string | null;
  items: PlanItem[];
}

/** What the item form sends: a new item (POST) or the changed fields of one (PATCH). */
export interface PlanItemBody {
  support_type?: string;
  goal?: string;
  action?: string | null;
  responsible_org?: string;
  due_date?: string | null;
  status?: string;
}

export interface ServiceDelivered {
  id: string;
  item: string | null;
  support_type: string;
  date: string;
  org: PlanOrg;
  referral: string | null;
  note: string | null;
  logged_by: string;
  logged_by_name: string;
  logged_at: number;
}

export interface ServiceBody {
  date: string;
  support_type?: string;
  item?: string;
  note?: string;
}

export interface ProfileBody {
  name_en: string;
  name_ar: string;
  fields: string[];
  version?: number;
}

const enc = encodeURIComponent;
const base = (ref: string) => '/api/v1/cases/' + enc(ref);

export const planApi = {
  get: (ref: string) => request<Plan>('GET', base(ref) + '/plan'),
  addItem: (ref: string, body: PlanItemBody) => request<Plan>('POST', base(ref) + '/plan/items', body),
  patchItem: (ref: string, id: string, body: PlanItemBody & { version: number }) =>
    request<Plan>('PATCH', base(ref) + '/plan/items/' + enc(id), body),
  services: (ref: string, cursor?: string | null) =>
    request<List<ServiceDelivered>>('GET', base(ref) + '/services?limit=50' + (cursor ? '&cursor=' + enc(cursor) : '')),
  logService: (ref: string, body: ServiceBody) => request<ServiceDelivered>('POST', base(ref) + '/services', body),

  createProfile: (body: ProfileBody) => request<Profile>('POST', '/api/v1/referral-profiles', body),
  putProfile: (id: string, body: ProfileBody & { version: number }) =>
    request<Profile>('PUT', '/api/v1/referral-profiles/' + enc(id), body),
};
