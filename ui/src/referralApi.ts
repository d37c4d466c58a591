// Client of the referral endpoints (src/domain/referral/referral.h is the
// contract; docs/referrals.md tells it in words), of case transfers, of the
// in-app notifications and of the services a receiver logs for a case.
import { request, type List, type Values } from './api';

export const REFERRAL_STATES = ['sent', 'acknowledged', 'accepted', 'declined', 'in_service', 'completed', 'withdrawn'] as const;
export const OPEN_STATES = ['sent', 'acknowledged', 'accepted', 'in_service'];
export const URGENCIES = ['immediate', 'urgent', 'routine'] as const;
/** src/domain/referral/rules.c */
export const DECLINE_CODES = ['no_capacity', 'not_eligible', 'service_not_available', 'person_declined', 'safety_concern', 'other'] as const;
export const OUTCOME_CODES = ['goals_met', 'partially_met', 'person_left', 'referred_onward', 'other'] as const;
export const AGE_BANDS = ['under_1d', '1_7d', '7_30d', 'over_30d'] as const;

export interface OrgRef {
  id: string;
  name_en: string;
  name_ar: string;
}

export interface Transition {
  seq: number;
  from: string | null;
  to: string;
  by: string | null;
  by_name: string | null;
  by_org: string | null;
  at: number;
  note: string | null;
}

/** The receiver's view of the person: exactly the profile's fields. */
export interface SharedPerson {
  person?: Values;
  victim?: Values;
  events?: Values[];
}

export interface Referral {
  id: string;
  case_ref: string;
  side: 'sender' | 'receiver' | 'overview';
  from_org: OrgRef;
  to_org: OrgRef;
  services: string[];
  urgency: string;
  profile: string;
  fields: string[];
  reason?: string | null;
  consent: 'given' | 'override';
  override: null | { by: string; by_name: string; reason?: string };
  state: string;
  created_by: string;
  created_by_name: string;
  created_at: number;
  ack_due: number | null;
  answer_due: number | null;
  next_due: number | null;
  overdue: boolean;
  planned_start: string | null;
  decline_reason: string | null;
  outcome: string | null;
  updated_at: number;
  version: number;
  shared: boolean;
  person?: SharedPerson;
  transitions?: Transition[];
}

export interface ReferralFilter {
  role?: 'sent' | 'received' | '';
  state?: string;
  overdue?: boolean;
  case?: string;
  org?: string;
  service?: string;
}

export interface ReferralBody {
  case: string;
  to_org: string;
  services: string[];
  urgency: string;
  reason: string;
  profile: string;
  consent_override?: { reason: string };
}

export interface MoveBody {
  to: string;
  version: number;
  planned_start?: string;
  reason?: string;
  outcome?: string;
  note?: string;
}

export interface Profile {
  id: string;
  builtin: boolean;
  org_id: string | null;
  name_en: string;
  name_ar: string;
  fields: string[];
  version?: number;
}

export interface Overview {
  total: number;
  open: number;
  overdue: number;
  by_state: Record<string, number>;
  open_by_age: Record<string, number>;
  by_org: { org_id: string; name_en: string; name_ar: string; sent: number; received: number; open: number; overdue: number }[];
  by_service: { service: string; all: number; open: number; overdue: number }[];
  at: number;
}

export interface Transfer {
  id: string;
  from_org: OrgRef;
  to_org: OrgRef;
  by: string;
  by_name: string;
  at: number;
  consent: string;
  reason: string;
  override_by: string | null;
}

export interface Notification {
  id: string;
  kind: string;
  object_type: 'referral' | 'case' | string;
  object_id: string;
  case_ref: string | null;
  created_at: number;
  read: boolean;
}

export interface DeliveredService {
  id: string;
  item: string | null;
  support_type: string;
  date: string;
  org: OrgRef;
  referral: string | null;
  note: string | null;
  logged_by: string;
  logged_by_name: string;
  logged_at: number;
}

const enc = encodeURIComponent;

function query(params: Record<string, string | number | undefined | null>): string {
  const sp = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') sp.set(k, String(v));
  const s = sp.toString();
  return s ? '?' + s : '';
}

export const referralApi = {
  list: (f: ReferralFilter, cursor?: string | null, limit = 50) =>
    request<List<Referral>>(
      'GET',
      '/api/v1/referrals' +
        query({ role: f.role, state: f.state, overdue: f.overdue ? 1 : undefined, case: f.case, org: f.org, service: f.service, cursor, limit }),
    ),
  get: (id: string) => request<Referral>('GET', '/api/v1/referrals/' + enc(id)),
  create: (body: ReferralBody) => request<Referral>('POST', '/api/v1/referrals', body),
  move: (id: string, body: MoveBody) => request<Referral>('POST', '/api/v1/referrals/' + enc(id) + '/transitions', body),
  overview: () => request<Overview>('GET', '/api/v1/referrals/overview'),
  profiles: () => request<{ items: Profile[] }>('GET', '/api/v1/referral-profiles'),
  formHref: (id: string, lang: 'ar' | 'en') => '/api/v1/referrals/' + enc(id) + '/form?lang=' + lang,

  transfer: (ref: string, body: { to_org: string; reason: string; consent_override?: { reason: string } }) =>
    request<{ id: string; case_ref: string; to_org: string }>('POST', '/api/v1/cases/' + enc(ref) + '/transfer', body),
  transfers: (ref: string) => request<{ items: Transfer[] }>('GET', '/api/v1/cases/' + enc(ref) + '/transfers'),

  notifications: (unreadOnly: boolean, cursor?: string | null, limit = 50) =>
    request<List<Notification> & { unread: number }>('GET', '/api/v1/notifications' + query({ unread: unreadOnly ? 1 : undefined, cursor, limit })),
  markRead: (ids: string[] | 'all') =>
    request<{ marked: number; unread: number }>('POST', '/api/v1/notifications/read', ids === 'all' ? { all: true } : { ids }),

  services: (ref: string) => request<List<DeliveredService>>('GET', '/api/v1/cases/' + enc(ref) + '/services?limit=50'),
  logService: (ref: string, body: { support_type: string; date: string; referral: string; note?: string }) =>
    request<DeliveredService>('POST', '/api/v1/cases/' + enc(ref) + '/services', body),
};
