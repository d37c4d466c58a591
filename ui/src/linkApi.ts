// Client of the review queue of likely duplicates (src/domain/link/dedup.h
// is the contract; docs/linkage.md, "The review queue", tells it in words).
import { request, type List, type Values } from './api';

/** The fields compared, in the order the screen shows them. */
export const LINK_FIELDS = ['given', 'family', 'birth', 'doc', 'sex', 'citizenship'] as const;
export type LinkField = (typeof LINK_FIELDS)[number];

export const PAIR_STATUSES = ['open', 'same', 'different'] as const;
export type PairStatus = (typeof PAIR_STATUSES)[number];
export const PAIR_CLASSES = ['likely', 'review'] as const;

/** One side of a pair. The detail adds the case's facts and, when the caller may read it, its values. */
export interface PairCase {
  ref: string;
  org_id: string;
  person_id: string | null;
  status?: string;
  created_at?: number;
  external_ref?: string | null;
  readable?: boolean;
  person?: Values;
}

export interface Pair {
  id: string;
  score: number;
  class: 'likely' | 'review' | string;
  status: PairStatus | string;
  version: number;
  found_at: number;
  decided_by: string | null;
  decided_at: number | null;
  merge_id: string | null;
  /** One level per field: exact, close, sound, other_field, year, same, shared, differ or missing. */
  comparison: Partial<Record<LinkField, string>>;
  cases: PairCase[];
}

export interface PairFilter {
  status?: PairStatus;
  class?: string;
}

const enc = encodeURIComponent;

function query(params: Record<string, string | number | undefined | null>): string {
  const sp = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') sp.set(k, String(v));
  const s = sp.toString();
  return s ? '?' + s : '';
}

export const linkApi = {
  pairs: (f: PairFilter, cursor?: string | null, limit = 50) =>
    request<List<Pair>>('GET', '/api/v1/link/pairs' + query({ status: f.status === 'open' ? undefined : f.status, class: f.class, cursor, limit })),
  pair: (id: string) => request<Pair>('GET', '/api/v1/link/pairs/' + enc(id)),
  decide: (id: string, decision: 'same' | 'different', version: number) =>
    request<Pair>('POST', '/api/v1/link/pairs/' + enc(id) + '/decision', { decision, version }),
  undo: (mergeId: string) => request<{ merge_id: string; pair: Pair }>('POST', '/api/v1/link/merges/' + enc(mergeId) + '/undo', {}),
};

/** How far a level goes towards agreement: drawn as a mark beside the field. */
export function levelKind(level: string | undefined): 'agree' | 'partial' | 'differ' | 'missing' {
  switch (level) {
    case 'exact':
    case 'same':
    case 'shared':
      return 'agree';
    case 'close':
    case 'sound':
    case 'other_field':
    case 'year':
      return 'partial';
    case 'differ':
      return 'differ';
    default:
      return 'missing';
  }
}
