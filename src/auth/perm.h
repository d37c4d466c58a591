/*
 * perm.h: roles, actions, and the one table that says which role may do what.
 * Handlers never test roles; the router checks route->perm against the
 * caller's roles through perm_allowed() before the handler runs.
 */
#ifndef IHALA_PERM_H
#define IHALA_PERM_H

#include <stdbool.h>
#include <stdint.h>
#include "../core/banned.h"

enum role {
	ROLE_ADMIN = 0,          /* "admin": system administrator */
	ROLE_COORDINATOR,        /* "coordinator": national coordinator */
	ROLE_CASE_MANAGER,       /* "case_manager" */
	ROLE_FIRST_RESPONDER,    /* "first_responder" */
	ROLE_SERVICE_PROVIDER,   /* "service_provider" */
	ROLE_ANALYST,            /* "analyst": statistics only */
	ROLE_AUDITOR,            /* "auditor": the audit log only */
	ROLE_COMPETENT_AUTHORITY, /* "competent_authority": decides identification (appended: roles are stored as bits) */
	ROLE_SUPERVISOR,         /* "supervisor": overrides a missing consent with a written reason; keeps referral profiles */
	ROLE_COUNT
};

enum perm {
	PERM_PUBLIC = 0,         /* no session needed (login, openapi, assets) */
	PERM_SESSION,            /* any signed-in user, even before password change / TOTP */
	PERM_SIGNED_IN,          /* any fully signed-in user */
	PERM_ORG_READ,           /* list and read organisations */
	PERM_ORG_WRITE,          /* create and change organisations */
	PERM_USER_READ,          /* list and read users */
	PERM_USER_WRITE,         /* create, change, disable users; end their sessions */
	PERM_AUDIT_READ,         /* read the audit log */
	PERM_CASE_READ,          /* read and search cases */
	PERM_CASE_WRITE,         /* create and change cases */
	PERM_CASE_ERASE,         /* erase a case (destroys its data key) */
	PERM_SCREENING,          /* screen a person against indicators; read screenings */
	PERM_DECIDE,             /* record an identification decision on a case */
	PERM_WORKLIST,           /* the work list of deadlines */
	PERM_DIRECTORY_WRITE,    /* change an organisation's entry in the service directory */
	PERM_REFER,              /* send a referral for a case, withdraw it */
	PERM_REFERRAL_READ,      /* see referrals sent or received (and the receiver's view of the person) */
	PERM_REFERRAL_RECEIVE,   /* acknowledge, accept, decline, start and complete received referrals */
	PERM_CONSENT_OVERRIDE,   /* refer or transfer without recorded consent, with a written reason */
	PERM_CASE_TRANSFER,      /* hand a whole case to another organisation */
	PERM_PLAN,               /* support plans and services delivered */
	PERM_PROFILE_WRITE,      /* keep an organisation's own referral profiles */
	PERM_REFERRAL_OVERVIEW,  /* all referrals of the country by state, age, lateness, organisation, service */
	PERM_LINK_REVIEW,        /* the review queue of likely duplicate cases: decide "same person" / "different" */
	PERM_LINK_MATCH,         /* match another installation's CLK encodings with the cases (references, scores) */
	PERM_STATS,              /* statistics: aggregate counts (the publication view) */
	PERM_STATS_INTERNAL,     /* statistics: exact counts, without suppression (the internal view) */
	PERM_STATS_RELEASE,      /* statistics: differentially private releases, spending the yearly budget */
	PERM_STATS_EXPORT,       /* statistics: the k-anonymous CTDC microdata export */
	PERM_COUNT
};

/* Bit set of roles: 1u << ROLE_x. */
typedef uint32_t role_set;

/*
 * How far a permission reaches: nothing, the records the caller created, the
 * caller's organisation, everything. Ordered: a wider scope is greater.
 */
enum scope { SCOPE_NONE = 0, SCOPE_OWN = 1, SCOPE_OWN_ORG = 2, SCOPE_ALL = 3 };

const char *role_name(enum role r);                 /* "admin", ... */
int role_parse(const char *name, enum role *out);   /* 0 or ERR_INVALID */
/* Roles for which TOTP is mandatory outside demo mode. */
bool role_set_needs_totp(role_set roles);
bool perm_allowed(role_set roles, enum perm p);
/* The widest scope any of roles has for p. */
enum scope perm_scope(role_set roles, enum perm p);
/* Names of the permissions roles hold, for GET /me; fills out[] up to max, returns count. */
int perm_names(role_set roles, const char **out, int max);
const char *perm_name(enum perm p);   /* "org.read", ... */

#endif
