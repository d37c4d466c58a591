/*
 * bench/gen_referrals.c: fill a data folder made by `ihala init --demo`
 * (SQLite, or PostgreSQL with --db) with open referrals for the referral
 * benchmark (bench/referrals.sh).
 *
 *	gen_referrals DIR N [--db URL] [--orgs K] [--batch B]
 *
 * What it writes, in this order:
 *   - organisations up to K taking part (default 200): the demo folder's
 *     four (the installation's own administration takes no part) and
 *     "Bench organisation NNN" for the rest, through org_create;
 *   - one case manager per organisation through user_create: the two
 *     timed ones, "bench-busy" (the organisation that receives most) and
 *     "bench-small" (one that receives about 0.1 % of the referrals), with
 *     their passwords printed as "username: NAME password: PW"; the other
 *     accounts' passwords are thrown away. Hashing uses IHALA_PWHASH=fast
 *     here (198 Argon2id hashes would cost half a minute); the server,
 *     which runs without it, raises a hash to Argon2id at the first
 *     sign-in;
 *   - cases through case_create_ext (the real create path, as
 *     gen_cases.c), each with 1 to 9 open referrals (5 on average, so
 *     about N / 5 cases: a person referred at once for shelter, health,
 *     counselling, legal aid and interpretation), status Active, a
 *     consent for domestic referral (one case in 50 has none: its
 *     referrals carry a supervisor's override);
 *   - N open referrals with the rows referral_create and
 *     referral_transition would leave behind: referrals (reason and
 *     override reason sealed with case_seal, deadlines from
 *     referral_deadlines and the folder's ihala.conf, next_due from
 *     referral_next_due, version and updated_at of the last move),
 *     referral_services, referral_transitions (one per move, by the
 *     receiver's or sender's case manager, one acceptance in five with a
 *     sealed note) and the notification of each move (notify_org). Not
 *     written: an audit row per referral and per move (the cases have
 *     theirs), and the e-mail queue (no SMTP in a bench folder).
 * Cases and their referrals go in transactions of B cases (default 100).
 *
 * Who refers to whom: senders and receivers are drawn with weights that
 * fall with rank as 1 / rank^0.7 (rank 1 of 200 gets 7 % of the
 * referrals, rank 200 about 0.2 %), receivers and senders ranked in two
 * different orders. States: sent 20 %, acknowledged 15 %, accepted 25 %,
 * in_service 40 %. Urgency: immediate 15 %, urgent 35 %, routine 50 %.
 * A referral still sent or acknowledged was sent so long ago that three
 * in ten are past their running deadline (so about a tenth of all open
 * referrals are overdue, a quarter more fall due within the work list's
 * seven days); accepted ones were sent 2 to 60 days ago, those in
 * service 3 to 180 days ago. Cases, moves and notifications are dated
 * accordingly (the clock offset of clock.h is moved for each write).
 *
 * Prints the folder's clock at the start ("clock: T", Unix seconds: the
 * deadlines are relative to it, and bench/referrals.sh runs the server
 * with IHALA_CLOCK_OFFSET so that the share of overdue referrals stays as
 * generated), counts per timed organisation, and the creation rate.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <sodium.h>

#include "../src/auth/ctx.h"
#include "../src/auth/user.h"
#include "../src/cli/cli.h"
#include "../src/core/clock.h"
#include "../src/core/err.h"
#include "../src/domain/case/case_int.h"
#include "../src/domain/directory/directory.h"
#include "../src/domain/notify/notify.h"
#include "../src/domain/org/org.h"
#include "../src/domain/referral/referral_int.h"
#include "../src/store/store.h"

#define ORGS_MAX 1000
#define PER_CASE_MAX 9
#define HOUR 3600LL
#define DAY 86400LL

struct party {
	char id[ID_HEX_LEN + 1];
	char user_id[ID_HEX_LEN + 1];
	char username[USERNAME_MAX + 1];
};

/* One referral of a case, planned before the case is written. */
struct plan {
	int to;   /* index in parties */
	int urgency;
	enum referral_state state;
	int64_t t[4];   /* sent, acknowledged, accepted, in service (as far as the state goes) */
	int n_services;
	const char *services[3];
};

static uint64_t mix(uint64_t *s)
{
	uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

static double unit(uint64_t *s)
{
	return (double)(mix(s) >> 11) / 9007199254740992.0;
}

static int64_t between(uint64_t *s, int64_t lo, int64_t hi)
{
	return hi <= lo ? lo : lo + (int64_t)(unit(s) * (double)(hi - lo));
}

/* Index drawn from a cumulative weight table of n entries. */
static int draw(uint64_t *s, const double *cdf, int n)
{
	double u = unit(s) * cdf[n - 1];
	int lo = 0, hi = n - 1;
	while (lo < hi) {
		int mid = (lo + hi) / 2;
		if (cdf[mid] > u)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

/* cdf over parties: the party at rank r (order[r]) weighs 1 / (r + 1)^0.7. */
static void rank_weights(const int *order, int n, double *cdf)
{
	double *w = calloc((size_t)n, sizeof(*w));
	for (int r = 0; r < n; r++)
		w[order[r]] = 1.0 / pow(r + 1, 0.7);
	double sum = 0;
	for (int i = 0; i < n; i++)
		cdf[i] = (sum += w[i]);
	free(w);
}

/* Services asked for, by weight: shelter first, then care and legal help. */
static const struct {
	const char *code;
	int weight;
} service_mix[] = {
	{ "Accommodation", 25 },      { "Health", 15 },     { "Psychological", 15 }, { "Legal", 15 },
	{ "Interpretation", 5 },      { "Livelihood", 5 },  { "FamilyTracing", 5 },
	{ "ReturnAndReintegration", 5 }, { "ProtectionAndSafety", 5 }, { "Financial", 5 },
};
#define N_SERVICE_MIX ((int)(sizeof(service_mix) / sizeof(service_mix[0])))

static const char *draw_service(uint64_t *s)
{
	int u = (int)(mix(s) % 100);
	for (int i = 0; i < N_SERVICE_MIX; i++) {
		if (u < service_mix[i].weight)
			return service_mix[i].code;
		u -= service_mix[i].weight;
	}
	return service_mix[0].code;
}

/* The built-in profile a sender would pick for the first service. */
static const char *profile_for(const char *service)
{
	if (!strcmp(service, "Accommodation"))
		return "shelter";
	if (!strcmp(service, "Legal"))
		return "legal_aid";
	if (!strcmp(service, "Health") || !strcmp(service, "Psychological"))
		return "health";
	return "minimal";
}

static const char *const reasons[] = {
	"Left the employer's house last week and has nowhere safe to stay; asks for a place and a doctor.",
	"Needs advice on the complaint against the recruitment agency and on the unpaid wages.",
	"Shows signs of trauma and sleeps badly; asks to talk to someone in her own language.",
	"Wants to go home; the family has been traced and the travel documents are being prepared.",
	"Was hurt at work and has not seen a doctor since; the wound is not healing.",
};
static const char *const notes[] = {
	"A place is free from Monday; transport arranged.",
	"First appointment booked with an interpreter.",
	"Accepted; the case worker will call the sender about the documents.",
};

/* Set the process clock (clock.h's offset) to t. */
static void clock_at(int64_t t)
{
	clock_set_offset(0);
	clock_set_offset(t - clock_now());
}

/* The timeline of a referral in its state, relative to now. */
static void plan_times(uint64_t *s, const struct config *cfg, struct plan *p, int64_t now)
{
	int64_t ack = cfg->referral_ack_hours[p->urgency] * HOUR;
	int64_t answer = cfg->referral_answer_hours[p->urgency] * HOUR;
	if (answer < ack)
		answer = ack;
	/* Three in ten past the running deadline: age uniform over deadline / 0.7. */
	switch (p->state) {
	case RS_SENT:
		p->t[0] = now - between(s, 60, ack * 10 / 7);
		break;
	case RS_ACKNOWLEDGED:
		p->t[0] = now - between(s, 120, answer * 10 / 7);
		p->t[1] = p->t[0] + between(s, 30, (now - p->t[0]) < ack * 12 / 10 ? now - p->t[0] : ack * 12 / 10);
		break;
	case RS_ACCEPTED:
	case RS_IN_SERVICE:
		p->t[0] = now - (p->state == RS_ACCEPTED ? between(s, 2 * DAY, 60 * DAY) :
							     between(s, 3 * DAY, 180 * DAY));
		p->t[1] = p->t[0] + between(s, 300, ack * 12 / 10);
		p->t[2] = p->t[1] + between(s, 600, answer - ack + HOUR);
		if (p->t[2] > now - HOUR)
			p->t[2] = now - HOUR;
		if (p->t[1] >= p->t[2])
			p->t[1] = p->t[0] + (p->t[2] - p->t[0]) / 2;
		if (p->state == RS_IN_SERVICE) {
			p->t[3] = p->t[2] + between(s, HOUR, 7 * DAY);
			if (p->t[3] > now - 60)
				p->t[3] = p->t[2] + (now - p->t[2]) / 2;
		}
		break;
	default:
		break;
	}
}

static int fail(const char *what, int rc)
{
	fprintf(stderr, "gen_referrals: %s failed (%d)\n", what, rc);
	return 1;
}

/* What one referral's rows need, prepared before the statements. */
struct prepared {
	char id[ID_HEX_LEN + 1];
	const struct referral_builtin *profile;
	char services[256], fields[2048], planned[11];
	unsigned char *reason, *override_reason, *note;   /* owned, sealed */
	size_t reason_len, override_len, note_len;
	int64_t ack_due, answer_due, next_due;
	bool runs;
	int moves;   /* 0 sent, 1 acknowledged, 2 accepted, 3 in service */
};

static const enum referral_state path[4] = { RS_SENT, RS_ACKNOWLEDGED, RS_ACCEPTED, RS_IN_SERVICE };

static int prepare(struct ctx *c, const struct case_handle *h, const struct plan *p, bool override, uint64_t *s,
		   struct prepared *r)
{
	memset(r, 0, sizeof(*r));
	random_id(r->id);
	r->profile = referral_builtin_find(profile_for(p->services[0]));
	for (int i = 0; i < p->n_services; i++) {
		size_t len = strlen(r->services);
		snprintf(r->services + len, sizeof(r->services) - len, "%s%s", i ? " " : "", p->services[i]);
	}
	for (int i = 0; r->profile->fields[i]; i++) {
		size_t len = strlen(r->fields);
		snprintf(r->fields + len, sizeof(r->fields) - len, "%s%s", i ? " " : "", r->profile->fields[i]);
	}
	const char *reason = reasons[mix(s) % (sizeof(reasons) / sizeof(reasons[0]))];
	if (case_seal(c, h, "referrals", "reason", r->id, reason, strlen(reason), &r->reason, &r->reason_len) < 0)
		return ERR_FAIL;
	static const char override_text[] = "The person cannot sign today and the shelter place is needed tonight.";
	if (override && case_seal(c, h, "referrals", "override_reason", r->id, override_text, strlen(override_text),
				  &r->override_reason, &r->override_len) < 0)
		return ERR_FAIL;
	referral_deadlines(&c->app->cfg, p->urgency, p->t[0], &r->ack_due, &r->answer_due);
	r->next_due = referral_next_due(p->state, r->ack_due, r->answer_due, &r->runs);
	r->moves = p->state == RS_SENT ? 0 : p->state == RS_ACKNOWLEDGED ? 1 : p->state == RS_ACCEPTED ? 2 : 3;
	if (r->moves >= 2) {
		char iso[24];
		clock_format_iso(p->t[2] + (int64_t)(mix(s) % 8) * DAY, iso, sizeof(iso));
		snprintf(r->planned, sizeof(r->planned), "%.10s", iso);
		if (mix(s) % 5 == 0) {   /* a note with the acceptance (seq 3) */
			const char *text = notes[mix(s) % (sizeof(notes) / sizeof(notes[0]))];
			char row[ID_HEX_LEN + 24];
			snprintf(row, sizeof(row), "%s:3", r->id);
			if (case_seal(c, h, "referral_transitions", "note", row, text, strlen(text), &r->note,
				      &r->note_len) < 0)
				return ERR_FAIL;
		}
	}
	return 0;
}

static void prepared_release(struct prepared *r)
{
	free(r->reason);
	free(r->override_reason);
	free(r->note);
	r->reason = r->override_reason = r->note = NULL;
}

/* "INSERT ... VALUES (?, ...)" with rows groups of cols placeholders each. */
static char *multi_insert(const char *head, int cols, int rows)
{
	size_t size = strlen(head) + sizeof(" VALUES ") + (size_t)rows * ((size_t)cols * 3 + 4);
	char *sql = malloc(size);
	if (!sql)
		return NULL;
	size_t len = (size_t)snprintf(sql, size, "%s", head);
	for (int r = 0; r < rows; r++) {
		len += (size_t)snprintf(sql + len, size - len, "%s(", r ? ", " : " VALUES ");
		for (int k = 0; k < cols; k++)
			len += (size_t)snprintf(sql + len, size - len, "%s?", k ? ", " : "");
		len += (size_t)snprintf(sql + len, size - len, ")");
	}
	return sql;
}

static int run(struct ctx *c, char *sql, struct store_stmt **st)
{
	int rc = sql ? store_prepare(c->db, st, sql) : ERR_NOMEM;
	free(sql);
	return rc;
}

/*
 * k referrals of one case, as referral_create writes them and
 * referral_transition leaves them after the last move (state, next_due,
 * planned_start, updated_at, version), with their services, moves and
 * notifications: four statements of many rows each. main() passes one
 * referral at a time: SQLite keeps 64 prepared statements per connection,
 * and a statement for every row count of a whole case would push the case
 * path's own statements out of that cache (slower on SQLite, no faster on
 * PostgreSQL, where case_create's statements dominate).
 */
static int insert_referrals(struct ctx *c, const struct case_handle *h, const struct plan *plans, int k,
			    const struct party *parties, int from, bool override, uint64_t *s)
{
	static const char *const urgencies[3] = { "immediate", "urgent", "routine" };
	struct prepared rs[PER_CASE_MAX];
	const struct party *sender = &parties[from];
	int rc = 0, n_services = 0, n_moves = 0, made = 0;
	for (; made < k && rc == 0; made++) {
		rc = prepare(c, h, &plans[made], override, s, &rs[made]);
		n_services += plans[made].n_services;
		n_moves += rs[made].moves + 1;
	}
	struct store_stmt *st;
	if (rc == 0 && (rc = run(c, multi_insert("INSERT INTO referrals (id, case_id, case_ref, from_org, to_org,"
						 " created_by, created_at, urgency, services, profile, fields, reason,"
						 " consent, override_reason, override_by, state, ack_due, answer_due,"
						 " next_due, planned_start, updated_at, version)", 22, k), &st)) == 0) {
		int b = 1;
		for (int i = 0; i < k; i++) {
			const struct plan *p = &plans[i];
			const struct prepared *r = &rs[i];
			store_bind_text(st, b++, r->id);
			store_bind_text(st, b++, h->id);
			store_bind_text(st, b++, h->ref);
			store_bind_text(st, b++, sender->id);
			store_bind_text(st, b++, parties[p->to].id);
			store_bind_text(st, b++, sender->user_id);
			store_bind_int64(st, b++, p->t[0]);
			store_bind_text(st, b++, urgencies[p->urgency]);
			store_bind_text(st, b++, r->services);
			store_bind_text(st, b++, r->profile->key);
			store_bind_text(st, b++, r->fields);
			store_bind_blob(st, b++, r->reason, r->reason_len);
			store_bind_text(st, b++, override ? "override" : "given");
			if (r->override_reason)
				store_bind_blob(st, b++, r->override_reason, r->override_len);
			else
				store_bind_null(st, b++);
			store_bind_text(st, b++, override ? sender->user_id : NULL);
			store_bind_text(st, b++, referral_state_name(p->state));
			store_bind_int64(st, b++, r->ack_due);
			store_bind_int64(st, b++, r->answer_due);
			if (r->runs)
				store_bind_int64(st, b++, r->next_due);
			else
				store_bind_null(st, b++);
			store_bind_text(st, b++, r->planned[0] ? r->planned : NULL);
			store_bind_int64(st, b++, p->t[r->moves]);
			store_bind_int64(st, b++, 1 + r->moves);
		}
		rc = store_step(st);
		store_finalize(st);
	}
	/* One row per service asked for. */
	if (rc >= 0 && (rc = run(c, multi_insert("INSERT INTO referral_services (referral_id, service)", 2, n_services),
				 &st)) == 0) {
		int b = 1;
		for (int i = 0; i < k; i++) {
			for (int j = 0; j < plans[i].n_services; j++) {
				store_bind_text(st, b++, rs[i].id);
				store_bind_text(st, b++, plans[i].services[j]);
			}
		}
		rc = store_step(st);
		store_finalize(st);
	}
	/* One row per move: the sending by the sender's case manager, the rest by the receiver's. */
	if (rc >= 0 && (rc = run(c, multi_insert("INSERT INTO referral_transitions (referral_id, seq, from_state,"
						 " to_state, by_user, by_org, at, note)", 8, n_moves), &st)) == 0) {
		int b = 1;
		for (int i = 0; i < k; i++) {
			const struct party *receiver = &parties[plans[i].to];
			for (int m = 0; m <= rs[i].moves; m++) {
				const struct party *by = m == 0 ? sender : receiver;
				store_bind_text(st, b++, rs[i].id);
				store_bind_int64(st, b++, m + 1);
				store_bind_text(st, b++, m == 0 ? NULL : referral_state_name(path[m - 1]));
				store_bind_text(st, b++, referral_state_name(path[m]));
				store_bind_text(st, b++, by->user_id);
				store_bind_text(st, b++, by->id);
				store_bind_int64(st, b++, plans[i].t[m]);
				if (m == 2 && rs[i].note)
					store_bind_blob(st, b++, rs[i].note, rs[i].note_len);
				else
					store_bind_null(st, b++);
			}
		}
		rc = store_step(st);
		store_finalize(st);
	}
	/* The other side hears of each move when it is made (notify_org's row; no e-mail is set up). */
	if (rc >= 0 && (rc = run(c, multi_insert("INSERT INTO notifications (id, org_id, kind, object_type, object_id,"
						 " case_ref, created_at)", 7, n_moves), &st)) == 0) {
		int b = 1;
		for (int i = 0; i < k; i++) {
			for (int m = 0; m <= rs[i].moves; m++) {
				char nid[ID_HEX_LEN + 1], kind[48];
				random_id(nid);
				snprintf(kind, sizeof(kind), "referral.%s", referral_state_name(path[m]));
				store_bind_text(st, b++, nid);
				store_bind_text(st, b++, m == 0 ? parties[plans[i].to].id : sender->id);
				store_bind_text(st, b++, kind);
				store_bind_text(st, b++, "referral");
				store_bind_text(st, b++, rs[i].id);
				store_bind_text(st, b++, h->ref);
				store_bind_int64(st, b++, plans[i].t[m]);
			}
		}
		rc = store_step(st);
		store_finalize(st);
	}
	for (int i = 0; i < made; i++)
		prepared_release(&rs[i]);
	return rc < 0 ? rc : 0;
}

/* A count from sql with an organisation (or NULL) and a time bound (or 0) as its parameters. */
static int64_t count(struct store *db, const char *sql, const char *org, int64_t before)
{
	struct store_stmt *st;
	if (store_prepare(db, &st, sql) < 0)
		return -1;
	int k = 1;
	if (org)
		store_bind_text(st, k++, org);
	if (before)
		store_bind_int64(st, k, before);
	int64_t n = store_step(st) == STORE_ROW ? store_column_int64(st, 0) : -1;
	store_finalize(st);
	return n;
}

int main(int argc, char **argv)
{
	const char *dir = NULL, *db_url = NULL;
	long n = -1, batch = 100, n_orgs = 200;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--batch") && i + 1 < argc)
			batch = atol(argv[++i]);
		else if (!strcmp(argv[i], "--orgs") && i + 1 < argc)
			n_orgs = atol(argv[++i]);
		else if (!strcmp(argv[i], "--db") && i + 1 < argc)
			db_url = argv[++i];
		else if (!dir)
			dir = argv[i];
		else if (n < 0)
			n = atol(argv[i]);
		else
			dir = NULL;
	}
	if (!dir || n < 0 || batch < 1 || n_orgs < 10 || n_orgs > ORGS_MAX) {
		fprintf(stderr, "usage: gen_referrals DIR N [--db URL] [--orgs K (10..%d)] [--batch B]\n", ORGS_MAX);
		return 2;
	}
	/* Bench accounts only; the timed ones are raised to Argon2id at their first sign-in. */
	setenv("IHALA_PWHASH", "fast", 1);
	struct app app;
	if (cli_app_open(&app, dir, db_url, 1) < 0)
		return 1;
	struct store *db = store_pool_acquire(app.pool);
	struct ctx sys;
	memset(&sys, 0, sizeof(sys));
	sys.app = &app;
	sys.db = db;
	struct problem pb = { 0 };
	int64_t now = clock_now();
	printf("clock: %lld\n", (long long)now);

	/* ---- organisations ---- */
	struct user admin;
	if (user_load_by_name(db, "admin", &admin, NULL, 0) < 0) {
		fprintf(stderr, "gen_referrals: no admin user in %s (run ihala init --demo first)\n", dir);
		return 1;
	}
	struct org own;
	if (org_get(&sys, admin.org_id, &own) < 0)
		return fail("org_get", -1);
	struct party *parties = calloc((size_t)n_orgs, sizeof(*parties));
	int n_parties = 0;
	struct store_stmt *st;
	if (store_prepare(db, &st, "SELECT id FROM orgs WHERE id <> ? ORDER BY name_en, id") < 0)
		return fail("orgs", -1);
	store_bind_text(st, 1, own.id);
	/* By name: the same organisation takes the same part on every backend (ids are random). */
	while (n_parties < n_orgs && store_step(st) == STORE_ROW)
		snprintf(parties[n_parties++].id, ID_HEX_LEN + 1, "%s", store_column_text(st, 0));
	store_finalize(st);
	int n_existing = n_parties;
	static const char *const types[] = { "NGO", "LawEnforcement", "HealthServiceOrganisation",
					     "LocalGovernmentOrganisation", "LegalService", "InternationalOrganisation",
					     "ImmigrationService" };
	while (n_parties < n_orgs) {
		char en[64], ar[96];
		snprintf(en, sizeof(en), "Bench organisation %03d", n_parties - n_existing + 1);
		snprintf(ar, sizeof(ar), "منظمة القياس %03d", n_parties - n_existing + 1);
		struct org_fields f = { ar, en, types[n_parties % 7], own.country, 0 };
		struct org o;
		if (org_create(&sys, &f, &o, &pb) < 0) {
			fprintf(stderr, "gen_referrals: org_create refused: %s %s\n", pb.code, pb.field);
			return 1;
		}
		memcpy(parties[n_parties++].id, o.id, ID_HEX_LEN + 1);
	}

	/* ---- ranks: receivers and senders in two orders ---- */
	uint64_t seed = 0x5EEDBEEFull;
	int *recv_order = calloc((size_t)n_parties, sizeof(int)), *send_order = calloc((size_t)n_parties, sizeof(int));
	for (int i = 0; i < n_parties; i++)
		recv_order[i] = send_order[i] = i;
	for (int i = n_parties - 1; i > 0; i--) {
		int j = (int)(mix(&seed) % (uint64_t)(i + 1)), t = recv_order[i];
		recv_order[i] = recv_order[j];
		recv_order[j] = t;
		j = (int)(mix(&seed) % (uint64_t)(i + 1));
		t = send_order[i];
		send_order[i] = send_order[j];
		send_order[j] = t;
	}
	/* The busiest receiver is the first bench organisation; the small one ranks at 3/4. */
	int busy = n_existing, small = -1;
	for (int r = 0; r < n_parties; r++) {
		if (recv_order[r] == busy) {
			recv_order[r] = recv_order[0];
			recv_order[0] = busy;
			break;
		}
	}
	for (int r = n_parties * 3 / 4; r < n_parties && small < 0; r++) {
		if (recv_order[r] >= n_existing)
			small = recv_order[r];
	}
	double *recv_cdf = calloc((size_t)n_parties, sizeof(double));
	double *send_cdf = calloc((size_t)n_parties, sizeof(double));
	rank_weights(recv_order, n_parties, recv_cdf);
	rank_weights(send_order, n_parties, send_cdf);

	/* ---- a case manager per organisation ---- */
	for (int i = 0; i < n_parties; i++) {
		struct party *p = &parties[i];
		char display[64], password[ONE_TIME_PASSWORD_LEN + 1];
		if (i == busy)
			snprintf(p->username, sizeof(p->username), "bench-busy");
		else if (i == small)
			snprintf(p->username, sizeof(p->username), "bench-small");
		else
			snprintf(p->username, sizeof(p->username), "bench-staff-%03d", i + 1);
		snprintf(display, sizeof(display), "Bench case manager %03d", i + 1);
		struct user u;
		if (user_create(&sys, p->id, p->username, display, 1u << ROLE_CASE_MANAGER, false, password, &u,
				&pb) < 0) {
			fprintf(stderr, "gen_referrals: user_create refused: %s %s\n", pb.code, pb.field);
			return 1;
		}
		memcpy(p->user_id, u.id, ID_HEX_LEN + 1);
		if (i == busy || i == small)
			printf("username: %s password: %s\n", p->username, password);
		sodium_memzero(password, sizeof(password));
	}
	fflush(stdout);

	/* ---- cases and referrals ---- */
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	long done = 0, n_cases = 0, next_report = 20000;
	uint64_t case_seed = 0x5EED0002ull;
	while (done < n) {
		if (store_begin(db) < 0)
			return fail("begin", -1);
		for (long b = 0; b < batch && done < n; b++, n_cases++) {
			int k = 1 + (int)(mix(&seed) % PER_CASE_MAX);
			if (k > n - done)
				k = (int)(n - done);
			int from = draw(&seed, send_cdf, n_parties);
			bool override = mix(&seed) % 50 == 0;
			struct plan plans[PER_CASE_MAX];
			int64_t first = now;
			for (int i = 0; i < k; i++) {
				struct plan *p = &plans[i];
				memset(p, 0, sizeof(*p));
				bool taken;
				do {   /* another organisation, a different one for each referral of the case */
					p->to = draw(&seed, recv_cdf, n_parties);
					taken = p->to == from;
					for (int j = 0; j < i; j++)
						taken = taken || plans[j].to == p->to;
				} while (taken);
				int u = (int)(mix(&seed) % 100), sv = (int)(mix(&seed) % 100);
				p->urgency = u < 15 ? 0 : u < 50 ? 1 : 2;
				p->state = sv < 20 ? RS_SENT : sv < 35 ? RS_ACKNOWLEDGED :
					   sv < 60 ? RS_ACCEPTED : RS_IN_SERVICE;
				plan_times(&seed, &app.cfg, p, now);
				int ns = (int)(mix(&seed) % 100);
				ns = ns < 50 ? 1 : ns < 85 ? 2 : 3;
				while (p->n_services < ns) {
					const char *code = draw_service(&seed);
					bool dup = false;
					for (int j = 0; j < p->n_services; j++)
						dup = dup || !strcmp(p->services[j], code);
					if (!dup)
						p->services[p->n_services++] = code;
				}
				if (p->t[0] < first)
					first = p->t[0];
			}
			/* The case was recorded a few hours to three days before its first referral. */
			int64_t recorded = first - between(&seed, 2 * HOUR, 3 * DAY);
			clock_at(recorded);
			struct ctx c = sys;
			memcpy(c.actor.user_id, parties[from].user_id, ID_HEX_LEN + 1);
			memcpy(c.actor.org_id, parties[from].id, ID_HEX_LEN + 1);
			snprintf(c.actor.username, sizeof(c.actor.username), "%s", parties[from].username);
			c.actor.roles = 1u << ROLE_CASE_MANAGER;
			json_t *body = demo_case_make(&case_seed, recorded / DAY, own.country);
			json_t *kase = json_object_get(body, "case");
			json_object_set_new(kase, "status", json_string("Active"));
			if (!override) {
				const char *opened = json_string_value(json_object_get(kase, "opened_date"));
				json_t *consent = json_pack("{s:s, s:b, s:s}", "purpose", "domestic_referral",
							    "given", 1, "date", opened);
				json_array_append_new(json_object_get(body, "consents"), consent);
			}
			char ref[CASE_REF_MAX];
			if (case_create_ext(&c, body, NULL, false, ref, &pb) < 0) {
				fprintf(stderr, "gen_referrals: case %ld refused: %s %s\n", n_cases + 1, pb.code,
					pb.field);
				store_rollback(db);
				return 1;
			}
			json_decref(body);
			struct case_handle h;
			int rc = case_lookup(&c, ref, PERM_REFER, &h);
			if (rc < 0)
				return fail("case_lookup", rc);
			for (int i = 0; i < k; i++, done++) {
				if ((rc = insert_referrals(&c, &h, &plans[i], 1, parties, from, override, &seed)) < 0) {
					store_rollback(db);
					return fail("referral insert", rc);
				}
			}
		}
		clock_set_offset(0);
		if (store_commit(db) < 0)
			return fail("commit", -1);
		if (done >= next_report || done == n) {
			next_report += 20000;
			clock_gettime(CLOCK_MONOTONIC, &t1);
			double sec = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
			fprintf(stderr, "gen_referrals: %ld referrals, %ld cases, %.0f s\n", done, n_cases, sec);
		}
	}
	clock_set_offset(0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double sec = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;

	/* ---- what came out ---- */
	static const char open[] = "state IN ('sent', 'acknowledged', 'accepted', 'in_service')";
	char sql[512];
	snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM referrals WHERE %s AND next_due < ?", open);
	int64_t overdue = count(db, sql, NULL, now);
	snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM referrals WHERE %s AND next_due < ?", open);
	int64_t soon = count(db, sql, NULL, now + 7 * DAY) - overdue;
	printf("referrals: %ld open in %ld cases across %d organisations; %lld overdue, %lld more due within 7 days\n",
	       n, n_cases, n_parties, (long long)overdue, (long long)soon);
	for (int w = 0; w < 2; w++) {
		const struct party *p = &parties[w == 0 ? busy : small];
		int64_t recv = count(db, "SELECT COUNT(*) FROM referrals WHERE to_org = ?", p->id, 0);
		int64_t sent = count(db, "SELECT COUNT(*) FROM referrals WHERE from_org = ?", p->id, 0);
		int64_t late = count(db, "SELECT COUNT(*) FROM referrals WHERE to_org = ? AND next_due < ?", p->id,
				     now);
		printf("org %s: receives %lld (%lld overdue), sends %lld\n", p->username, (long long)recv,
		       (long long)late, (long long)sent);
	}
	printf("created %ld referrals (%ld cases) in %.1f s: %.0f referrals/s (batches of %ld cases)\n", n, n_cases,
	       sec, (double)n / sec, batch);
	free(parties);
	free(recv_order);
	free(send_order);
	free(recv_cdf);
	free(send_cdf);
	store_pool_release(app.pool, db);
	cli_app_close(&app);
	return 0;
}
