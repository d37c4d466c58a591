/*
 * config.h: the data folder's configuration file, DIR/ihala.conf.
 *
 * Lines of `key = value`; '#' starts a comment; unknown keys are an error (a
 * typo must not silently weaken a setting). Keys and defaults:
 *	db = ihala.db            SQLite file (relative to DIR, or absolute), or PostgreSQL:
 *	                         a postgres:// or postgresql:// URL or a libpq "host=..." string
 *	demo = false             demonstration data: banner, TOTP not enforced
 *	listen = 127.0.0.1:8080
 *	session_idle = 1800      seconds
 *	session_absolute = 43200 seconds
 *	session_cache = 10       seconds a server on PostgreSQL may answer from its memory of a
 *	                         checked session (0 to 60; 0 = off; src/auth/session.h)
 *	threads = auto           HTTP worker threads (and database connections), 1 to 256, or
 *	                         auto: one per CPU (at least 2) on SQLite, where a request waits
 *	                         for nothing but the CPU; one per CPU (at least 4) on PostgreSQL
 *	                         (config_threads; docs/benchmarks.md, session 11)
 *	max_body = 1048576       bytes
 *	max_depth = 32           JSON nesting
 *	checkpoint_every = 1000  audit rows between signed checkpoints
 *	retention_closed_days = 1825           days a Closed case is kept after closure (5 years),
 *	                                       then `ihala retention run` erases it; 0 = never
 *	retention_closed_referred_days = 1825  the same for ClosedReferred
 *	retention_active_days = 0              days without any change after which an Active or
 *	                                       FollowUp case is erased; 0 = never (the default)
 *	The clock of a closed case is its closed_date (entity case) when recorded,
 *	otherwise the case's last change (cases.updated_at): an approximation of
 *	"when it entered that status" that can only keep a case longer. See
 *	src/domain/case/retention.h. Each is 0 to 36500.
 *	smtp_url =               e-mail of notifications (src/domain/notify/mail.h): empty = off;
 *	                         smtp://host:port (STARTTLS, required unless the host is
 *	                         loopback) or smtps://host:port (TLS from the start)
 *	smtp_from =              the sender address of those mails (needed with smtp_url)
 *	smtp_user =              the SMTP login, if the server asks for one
 *	smtp_password_file =     a file (relative to DIR, or absolute) holding the SMTP password,
 *	                         readable by the server's user only; never the password here
 *	public_url =             the address users open ihala at (https://ihala.example.org):
 *	                         the base of the link in a mail (needed with smtp_url)
 *	link_review_weight = 0   duplicates (docs/linkage.md): a pair of cases whose match weight
 *	                         (bits, -100 to 100) reaches this goes to the review queue
 *	link_likely_weight = 4   ... and from this weight on it is a likely duplicate
 *	stats_publication_threshold = 11   statistics, publication view: counts from 1 to
 *	                         this minus one are suppressed (docs/statistics.md)
 *	stats_ctdc_k = 11        the CTDC microdata export: k of its k-anonymity when the
 *	                         request names none (2 to 1000; docs/statistics.md)
 *	stats_dp_budget = 4.0    differentially private releases (POST /api/v1/stats/releases):
 *	                         the epsilon all releases of one calendar year may spend
 *	                         together (0 to 1000, thousandths at most; 0 = no releases)
 *	stats_dp_max_epsilon_per_release = 1.0   the largest epsilon of one release
 *	                         (0.001 to 1000)
 *	link_block_max = 50      blocking: a name or key shared by more cases than this (2 to
 *	                         10000) gives no candidate pairs by itself (common names)
 *	link_secret_file =       linkage with another installation through the API (POST
 *	                         /api/v1/link/match, docs/linkage.md): the secret agreed with
 *	                         the other party, an absolute path outside the data folder,
 *	                         readable by the server's user only; empty = off
 * Environment variables IHALA_SESSION_IDLE and IHALA_SESSION_ABSOLUTE
 * override the session limits (for tests).
 */
#ifndef IHALA_CONFIG_H
#define IHALA_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include "banned.h"

struct config {
	char dir[1024];          /* the data folder, as given */
	char db[1024];           /* resolved: absolute-ish SQLite path, or the PostgreSQL URL */
	bool demo;
	char listen[128];
	long session_idle;
	long session_absolute;
	long session_cache;      /* seconds; 0: off (PostgreSQL servers only) */
	unsigned threads;        /* 0: auto (config_threads) */
	size_t max_body;
	size_t max_depth;
	unsigned checkpoint_every;
	long retention_closed_days;            /* 0: never */
	long retention_closed_referred_days;   /* 0: never */
	long retention_active_days;            /* 0: never */
	/* Identification deadlines (days) and the recovery and reflection period. */
	long ident_reasonable_grounds_days;    /* from referral to a reasonable-grounds decision */
	long ident_conclusive_days;            /* from reasonable grounds to a conclusive decision */
	long ident_reflection_days;            /* from reasonable grounds */
	/* Referral deadlines (hours) per urgency, indexed immediate, urgent, routine (referral/rules.h). */
	long referral_ack_hours[3];            /* from sending to acknowledgement */
	long referral_answer_hours[3];         /* from sending to acceptance or refusal */
	/* Notification e-mail; all empty: no mail (src/domain/notify/mail.h). */
	char smtp_url[512];
	char smtp_from[256];
	char smtp_user[256];
	char smtp_password_file[1024];         /* resolved like db: relative to DIR */
	char public_url[512];
	/* Duplicates inside the installation (src/domain/link/dedup.h). */
	long link_review_weight;               /* bits; review queue from here */
	long link_likely_weight;               /* bits; likely duplicate from here */
	long link_block_max;                   /* largest block that gives pairs */
	char link_secret_file[1024];           /* CLK secret (src/domain/link/clk.h); "" = off */
	/* Statistics (docs/statistics.md). */
	long stats_publication_threshold;      /* publication view: cells below this are suppressed */
	long stats_ctdc_k;                     /* CTDC export: default k */
	long stats_dp_budget_milli;            /* DP releases: yearly epsilon, thousandths */
	long stats_dp_max_epsilon_milli;       /* DP releases: epsilon of one release at most, thousandths */
};

/* Fill cfg with defaults for dir. */
void config_defaults(struct config *cfg, const char *dir);
/*
 * Read DIR/ihala.conf over the defaults, then apply environment overrides.
 * ERR_NOT_FOUND when the file is missing (DIR not initialised), ERR_INVALID
 * with a message in err (err_size bytes) for a bad line.
 */
int config_load(struct config *cfg, const char *dir, char *err, size_t err_size);
/* Write cfg as DIR/ihala.conf (new file, 0600). 0 or -1. */
int config_write(const struct config *cfg);
/* The HTTP worker threads a server runs: cfg->threads, or for auto the rule above (postgres: its database is PostgreSQL). */
unsigned config_threads(const struct config *cfg, bool postgres);
/* Split "ADDR:PORT" or "[v6]:PORT"; 0 or ERR_INVALID. */
int config_split_listen(const char *listen, char *addr, size_t addr_size, unsigned *port);

#endif
