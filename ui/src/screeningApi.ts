// Client of the screening, identification and work-list endpoints
// (docs/api-contract.md, "Screening" and "Identification decisions").
import { request, type CaseBody } from './api';
import type { Label } from './schema';

export type Population = 'adult' | 'child';
export type Exploitation = 'labour' | 'sexual';
export type Grade = 'strong' | 'medium' | 'weak';
export type Answer = 'yes' | 'no' | 'unknown';
export type DimResult = 'present' | 'absent' | 'unknown';
export type Assessment = 'likely_victim' | 'not_established' | 'insufficient_information';
export type Age = 'adult' | 'child' | 'unknown';

export const DIMENSIONS = [
  'deceptive_recruitment',
  'coercive_recruitment',
  'vulnerability_recruitment',
  'exploitation',
  'coercion_destination',
  'vulnerability_destination',
] as const;

export const CONTEXTS = ['hotline', 'outreach', 'labour_inspection', 'police', 'shelter', 'border', 'other'] as const;
export const URGENT_NEEDS = ['Safety', 'Medical', 'Shelter', 'Interpreter', 'ChildProtection'] as const;
export const NEXT_STEPS = ['create_case', 'record_urgent_needs', 'identification_decision', 'referral', 'child_protection', 'complete_screening'] as const;
export const DECISION_STATUSES = ['possible', 'presumed', 'identified', 'not_a_victim'] as const;
export const DECIDED_BY = ['Police', 'NGO', 'CourtOrProsecution', 'NonPoliceGovernmentalOrganization', 'Other'] as const;
export const WORK_KINDS = ['reasonable_grounds_overdue', 'conclusive_overdue', 'reasonable_grounds_due', 'conclusive_due', 'reflection_ending'] as const;

export type DecisionStatus = (typeof DECISION_STATUSES)[number];

export interface SetSummary {
  key: string;
  version: number;
  population: Population;
  exploitation: Exploitation;
  title: Label;
  indicator_count: number;
}

export interface Indicator {
  id: string;
  dimension: string;
  grade: Grade;
  text: Label;
}

export interface IndicatorSet {
  key: string;
  version: number;
  population: Population;
  exploitation: Exploitation;
  title: Label;
  source?: Label;
  rule?: { dimension?: Record<string, string>; victim?: string };
  dimensions: { key: string; title: Label }[];
  indicators: Indicator[];
}

export interface DimensionOutcome {
  key: string;
  result: DimResult;
  indicators: string[];
  unknown_indicators: string[];
}

export interface Screening {
  id: string;
  set: string;
  set_version: number;
  case: string | null;
  created_at: number | string;
  assessment: Assessment;
  child_protection: boolean;
  dimensions: DimensionOutcome[];
  next_steps: string[];
  answers?: Record<string, Answer>;
  notes?: string | null;
  context?: string | null;
  age?: Age | null;
  created_by?: string | null;
}

export interface ScreeningBody {
  set: string;
  answers: Record<string, Answer>;
  case?: string;
  age?: Age;
  context?: string;
  notes?: string;
}

export interface ScreeningCaseAnswer {
  ref: string;
  screening: string;
  next_steps: string[];
}

export interface Decision {
  id: string;
  status: DecisionStatus;
  org_id: string;
  org_name?: string | null;
  org_name_ar?: string | null;
  decided_by_type?: string | null;
  date: string;
  reasons?: string | null;
  screenings?: string[];
  recorded_by?: string | null;
  recorded_by_name?: string | null;
  recorded_at?: number | string;
  supersedes?: string | null;
  superseded?: boolean | string | null;
}

export interface Deadlines {
  clock_start?: string | null;
  reasonable_grounds_due?: string | null;
  conclusive_due?: string | null;
  reflection_ends?: string | null;
  overdue?: string[];
}

export interface Decisions {
  items: Decision[];
  current: Decision | string | null;
  deadlines?: Deadlines | null;
  next_cursor?: string | null;
}

export interface DecisionBody {
  status: DecisionStatus;
  date: string;
  reasons?: string;
  decided_by_type?: string;
  screenings?: string[];
  supersedes?: string;
}

export interface WorkItem {
  kind: string;
  ref: string;
  org_id?: string;
  due: string;
  days: number;
}

const enc = encodeURIComponent;

export const screeningApi = {
  sets: () => request<{ items: SetSummary[] }>('GET', '/api/v1/screening/sets'),
  set: (key: string) => request<IndicatorSet>('GET', '/api/v1/screening/sets/' + enc(key)),
  screen: (body: ScreeningBody) => request<Screening>('POST', '/api/v1/screenings', body),
  get: (id: string) => request<Screening>('GET', '/api/v1/screenings/' + enc(id)),
  forCase: (ref: string) => request<{ items: Screening[] }>('GET', '/api/v1/screenings?case=' + enc(ref)),
  toCase: (id: string, body: { case?: CaseBody; ref?: string; urgent_needs?: string[] }) =>
    request<ScreeningCaseAnswer>('POST', '/api/v1/screenings/' + enc(id) + '/case', body),
  decisions: (ref: string) => request<Decisions>('GET', '/api/v1/cases/' + enc(ref) + '/decisions'),
  decide: (ref: string, body: DecisionBody) => request<Decision>('POST', '/api/v1/cases/' + enc(ref) + '/decisions', body),
  worklist: (cursor?: string | null) =>
    request<{ items: WorkItem[]; next_cursor?: string | null }>('GET', '/api/v1/worklist?limit=100' + (cursor ? '&cursor=' + enc(cursor) : '')),
};

let setList: Promise<SetSummary[]> | null = null;
/** The sets (summaries), fetched once per page load; a failure is retried next time. */
export function knownSets(): Promise<SetSummary[]> {
  if (!setList) {
    setList = screeningApi.sets().then(
      (r) => r.items,
      (err) => {
        setList = null;
        throw err;
      },
    );
  }
  return setList;
}

/** The set key for an age and a form of exploitation: a possible child is screened on the child lists. */
export function setKeyFor(age: Age, exploitation: Exploitation): string {
  return (age === 'adult' ? 'adult-' : 'child-') + exploitation;
}
