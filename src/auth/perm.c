/*
 * perm.c: the role × permission table. This is the only place that says who
 * may do what; the API's route table names one permission per route and
 * domain code asks perm_scope() how far a permission reaches.
 */
#include "perm.h"

#include <string.h>

#include "../core/err.h"

static const char *const role_names[ROLE_COUNT] = {
	[ROLE_ADMIN] = "admin",
	[ROLE_COORDINATOR] = "coordinator",
	[ROLE_CASE_MANAGER] = "case_manager",
	[ROLE_FIRST_RESPONDER] = "first_responder",
	[ROLE_SERVICE_PROVIDER] = "service_provider",
	[ROLE_ANALYST] = "analyst",
	[ROLE_AUDITOR] = "auditor",
	[ROLE_COMPETENT_AUTHORITY] = "competent_authority",
	[ROLE_SUPERVISOR] = "supervisor",
};

static const char *const perm_names_tab[PERM_COUNT] = {
	[PERM_PUBLIC] = "public",
	[PERM_SESSION] = "session",
	[PERM_SIGNED_IN] = "signed_in",
	[PERM_ORG_READ] = "org.read",
	[PERM_ORG_WRITE] = "org.write",
	[PERM_USER_READ] = "user.read",
	[PERM_USER_WRITE] = "user.write",
	[PERM_AUDIT_READ] = "audit.read",
	[PERM_CASE_READ] = "case.read",
	[PERM_CASE_WRITE] = "case.write",
	[PERM_CASE_ERASE] = "case.erase",
	[PERM_SCREENING] = "screening",
	[PERM_DECIDE] = "identification.decide",
	[PERM_WORKLIST] = "worklist",
	[PERM_DIRECTORY_WRITE] = "directory.write",
	[PERM_REFER] = "referral.send",
	[PERM_REFERRAL_READ] = "referral.read",
	[PERM_REFERRAL_RECEIVE] = "referral.receive",
	[PERM_CONSENT_OVERRIDE] = "consent.override",
	[PERM_CASE_TRANSFER] = "case.transfer",
	[PERM_PLAN] = "plan",
	[PERM_PROFILE_WRITE] = "referral.profiles",
	[PERM_REFERRAL_OVERVIEW] = "referral.overview",
	[PERM_LINK_REVIEW] = "link.review",
	[PERM_LINK_MATCH] = "link.match",
	[PERM_STATS] = "stats",
	[PERM_STATS_INTERNAL] = "stats.internal",
	[PERM_STATS_RELEASE] = "stats.release",
	[PERM_STATS_EXPORT] = "stats.export",
};

#define N SCOPE_NONE
#define S SCOPE_OWN
#define O SCOPE_OWN_ORG
#define A SCOPE_ALL

/*
 * Rows: roles. Columns: PUBLIC, SESSION, SIGNED_IN, ORG_READ, ORG_WRITE,
 * USER_READ, USER_WRITE, AUDIT_READ, CASE_READ, CASE_WRITE, CASE_ERASE,
 * SCREENING, DECIDE, WORKLIST, DIRECTORY_WRITE, then the referral columns:
 * REFER, REFERRAL_READ, REFERRAL_RECEIVE, CONSENT_OVERRIDE, CASE_TRANSFER,
 * PLAN, PROFILE_WRITE, REFERRAL_OVERVIEW, then LINK_REVIEW, LINK_MATCH, then
 * STATS, STATS_INTERNAL, STATS_RELEASE, STATS_EXPORT (a
 * row that stops early has N in the columns it leaves out).
 * The analyst sees statistics only and the auditor the audit log only:
 * neither reads organisations' users or cases. The administrator runs the
 * installation and sees no case (need to know). A first responder sees the
 * cases and screenings they recorded, and refers them. The competent
 * authority (police, prosecution, the body the law names) records and
 * decides on its organisation's cases. The work list shows deadlines (case
 * references and dates, no personal data): the coordinator's covers the
 * country. The service directory is kept by each organisation for itself
 * (case managers, service providers) and by the coordinator and the
 * administrator for all.
 * Referrals (docs/referrals.md): an organisation sends them for its cases
 * and receives them; a receiver sees the fields of the referral's profile
 * and nothing else of the case. A service provider receives but does not
 * send. The national coordinator may send for any case and sees every
 * referral's workflow (never the person's fields: it reads no case). A
 * supervisor is a role added to a senior case manager: it may send with a
 * written override where consent is missing, and keeps its organisation's
 * referral profiles; the coordinator may do both for all.
 * Duplicates (docs/linkage.md): a case manager reviews the pairs whose two
 * cases are both its organisation's; the coordinator reviews every pair,
 * those across organisations included, and sees no person's values there
 * (it reads no case): only references, scores and which fields agree.
 * Linkage with another installation (CLK encodings): the coordinator alone
 * matches another agency's encodings with every case and gets back pairs of
 * references and scores, never a value.
 * Statistics (docs/statistics.md): the analyst and the coordinator count, the
 * analyst in the publication view only (small cells suppressed); the
 * coordinator also sees exact counts, spends the differential-privacy budget
 * and writes the k-anonymous CTDC export. Counting reads no case: no
 * personal value reaches either.
 */
static const unsigned char table[ROLE_COUNT][PERM_COUNT] = {
	/*                        pub ses sig orgR orgW usrR usrW audR casR casW casE scr dec wrk dirW  ref rrd rcv ovr trf pln prf ovw lnk mat sta sti str ste */
	[ROLE_ADMIN] =            { A,  A,  A,  A,   A,   A,   A,   N,   N,   N,   N,   N,  N,  N, A,    N,  N,  N,  N,  N,  N,  N,  N },
	[ROLE_COORDINATOR] =      { A,  A,  A,  A,   N,   O,   N,   N,   N,   N,   N,   S,  N,  A, A,    A,  A,  N,  A,  A,  N,  A,  A, A, A,  A,  A,  A,  A },
	[ROLE_CASE_MANAGER] =     { A,  A,  A,  O,   N,   N,   N,   N,   O,   O,   O,   O,  N,  O, O,    O,  O,  O,  N,  O,  O,  N,  N,  O },
	[ROLE_FIRST_RESPONDER] =  { A,  A,  A,  O,   N,   N,   N,   N,   S,   S,   N,   S,  N,  N, N,    S,  S,  N,  N,  N,  N,  N,  N },
	[ROLE_SERVICE_PROVIDER] = { A,  A,  A,  O,   N,   N,   N,   N,   N,   N,   N,   S,  N,  O, O,    N,  O,  O,  N,  N,  O,  N,  N },
	[ROLE_ANALYST] =          { A,  A,  A,  N,   N,   N,   N,   N,   N,   N,   N,   N,  N,  N, N,    N,  N,  N,  N,  N,  N,  N,  N, N, N,  A,  N,  N,  N },
	[ROLE_AUDITOR] =          { A,  A,  A,  N,   N,   N,   N,   A,   N,   N,   N,   N,  N,  N, N,    N,  N,  N,  N,  N,  N,  N,  N },
	[ROLE_COMPETENT_AUTHORITY] = { A, A, A,  O,   N,   N,   N,   N,   O,   O,   N,   O,  O,  O, N,    O,  O,  O,  N,  O,  N,  N,  N },
	[ROLE_SUPERVISOR] =       { A,  A,  A,  O,   N,   N,   N,   N,   N,   N,   N,   N,  N,  O, N,    O,  O,  N,  O,  O,  N,  O,  N },
};
#undef N
#undef S
#undef O
#undef A

const char *role_name(enum role r)
{
	return (r >= 0 && r < ROLE_COUNT) ? role_names[r] : "unknown";
}

int role_parse(const char *name, enum role *out)
{
	for (int r = 0; r < ROLE_COUNT; r++) {
		if (!strcmp(name, role_names[r])) {
			*out = (enum role)r;
			return 0;
		}
	}
	return ERR_INVALID;
}

bool role_set_needs_totp(role_set roles)
{
	return (roles & ((1u << ROLE_ADMIN) | (1u << ROLE_COORDINATOR))) != 0;
}

enum scope perm_scope(role_set roles, enum perm p)
{
	if (p < 0 || p >= PERM_COUNT)
		return SCOPE_NONE;
	if (p == PERM_PUBLIC)
		return SCOPE_ALL;
	enum scope best = SCOPE_NONE;
	for (int r = 0; r < ROLE_COUNT; r++) {
		if ((roles & (1u << r)) && table[r][p] > best)
			best = (enum scope)table[r][p];
	}
	return best;
}

bool perm_allowed(role_set roles, enum perm p)
{
	return perm_scope(roles, p) != SCOPE_NONE;
}

const char *perm_name(enum perm p)
{
	return (p >= 0 && p < PERM_COUNT) ? perm_names_tab[p] : "unknown";
}

int perm_names(role_set roles, const char **out, int max)
{
	int n = 0;
	for (int p = PERM_ORG_READ; p < PERM_COUNT && n < max; p++) {
		if (perm_allowed(roles, (enum perm)p))
			out[n++] = perm_names_tab[p];
	}
	return n;
}
