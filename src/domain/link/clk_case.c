/*
 * clk_case.c: the CLKs of a data folder's cases (clk_encode_cases in
 * clk.h). The cases are paged through newest first like an export; each
 * case's person fields are opened with case_view_fields, encoded, and
 * wiped; the values never leave this function.
 */
#include "clk.h"

#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/log.h"
#include <errno.h>
#include "../case/case.h"

/* The person fields a CLK is made of, in the order of the clk_person members. */
static const char *const person_paths[] = {
	"person.given_name", "person.given_name_latin", "person.family_name", "person.family_name_latin",
	"person.birth_date", "person.gender", "person.document_number",
	"person.street", "person.city", "person.state", "person.postal_code",
};
enum { N_PATHS = sizeof(person_paths) / sizeof(person_paths[0]) };

static const char *text_of(const json_t *person, const char *path)
{
	const json_t *v = json_object_get(person, strchr(path, '.') + 1);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* Encode one case into s; *skipped set when it has nothing to encode. */
static int encode_one(struct ctx *c, const struct clk_key *key, unsigned fields, const char *id, const char *ref,
		      struct clk_set *s, bool *skipped)
{
	json_t *view = NULL;
	*skipped = false;
	int rc = case_view_fields(c, id, person_paths, N_PATHS, &view);
	if (rc == ERR_NOT_FOUND) {   /* erased since the page was read */
		*skipped = true;
		return 0;
	}
	if (rc < 0)
		return rc;
	const json_t *person = json_object_get(view, "person");
	struct clk_person p = {
		.given = { text_of(person, person_paths[0]), text_of(person, person_paths[1]) },
		.family = { text_of(person, person_paths[2]), text_of(person, person_paths[3]) },
		.birth_date = text_of(person, person_paths[4]),
		.sex = text_of(person, person_paths[5]),
		.document = text_of(person, person_paths[6]),
		.address = { text_of(person, person_paths[7]), text_of(person, person_paths[8]),
			     text_of(person, person_paths[9]), text_of(person, person_paths[10]) },
	};
	uint64_t filter[CLK_WORDS];
	rc = clk_encode(key, fields, &p, filter);
	json_decref(view);   /* the values go with it */
	if (rc == ERR_NOT_FOUND || rc == ERR_INVALID) {
		/* Nothing to encode, or a stored value the encoder refuses (logged without it). */
		if (rc == ERR_INVALID)
			log_warn("case not encoded: a value the CLK encoder refuses", "case=%s", ref);
		*skipped = true;
		return 0;
	}
	if (rc == 0)
		rc = clk_set_add(s, ref, filter);
	sodium_memzero(filter, sizeof(filter));
	return rc;
}

int clk_encode_cases(struct ctx *c, const struct clk_key *key, const struct clk_case_selection *sel,
		     struct clk_set *s, size_t *n_skipped)
{
	enum { PAGE = 500 };
	enum scope sc = ctx_scope(c, sel->reach != PERM_PUBLIC ? sel->reach : PERM_CASE_READ);
	const char *reach = sc == SCOPE_ALL ? "1 = 1" : sc == SCOPE_OWN_ORG ? "org_id = ?" : "created_by = ?";
	const char *reach_bind = sc == SCOPE_OWN_ORG ? c->actor.org_id : sc == SCOPE_OWN ? c->actor.user_id : NULL;
	struct {
		char id[ID_HEX_LEN + 1];
		char ref[CASE_REF_MAX];
		int64_t created_at;
	} *rows = calloc(PAGE, sizeof(*rows));
	int64_t cur_at = INT64_MAX;
	char cur_id[ID_HEX_LEN + 1] = "~";   /* sorts after every hex id */
	int rc = rows ? 0 : ERR_NOMEM;
	*n_skipped = 0;
	s->fields = sel->fields ? sel->fields | CLK_F_NAMES : CLK_FIELDS_DEFAULT;
	while (rc == 0 && sc != SCOPE_NONE && (!sel->max || s->n < sel->max)) {
		char sql[512];
		snprintf(sql, sizeof(sql),
			 "SELECT id, ref, created_at FROM cases WHERE dek IS NOT NULL AND %s%s AND "
			 "(created_at < ? OR (created_at = ? AND id < ?)) ORDER BY created_at DESC, id DESC LIMIT ?",
			 reach, sel->status ? " AND status = ?" : "");
		struct store_stmt *st;
		if (store_prepare(c->db, &st, sql) < 0) {
			rc = ERR_FAIL;
			break;
		}
		int k = 1;
		if (reach_bind)
			store_bind_text(st, k++, reach_bind);
		if (sel->status)
			store_bind_text(st, k++, sel->status);
		store_bind_int64(st, k++, cur_at);
		store_bind_int64(st, k++, cur_at);
		store_bind_text(st, k++, cur_id);
		store_bind_int64(st, k, PAGE);
		int got = 0, step;
		while ((step = store_step(st)) == STORE_ROW && got < PAGE) {
			const char *id = store_column_text(st, 0), *ref = store_column_text(st, 1);
			snprintf(rows[got].id, sizeof(rows[got].id), "%s", id ? id : "");
			snprintf(rows[got].ref, sizeof(rows[got].ref), "%s", ref ? ref : "");
			rows[got].created_at = store_column_int64(st, 2);
			got++;
		}
		store_finalize(st);
		if (step < 0) {
			rc = step;
			break;
		}
		for (int i = 0; rc == 0 && i < got && (!sel->max || s->n < sel->max); i++) {
			bool skipped;
			rc = encode_one(c, key, s->fields, rows[i].id, rows[i].ref, s, &skipped);
			*n_skipped += skipped;
		}
		if (got < PAGE)
			break;
		cur_at = rows[got - 1].created_at;
		snprintf(cur_id, sizeof(cur_id), "%s", rows[got - 1].id);
	}
	free(rows);
	char count[32];
	snprintf(count, sizeof(count), "%zu", s->n);
	if (ctx_audit_tx(c, "link.encode", "clk", count, rc < 0 ? "failed" : "ok") < 0) {
		log_error("audit append failed", "action=%s", "link.encode");
		return rc < 0 ? rc : ERR_FAIL;
	}
	return rc;
}

/* The configured secret, refused (logged) when missing, unusable or inside the data folder. */
static int server_key(struct ctx *c, struct clk_key **key)
{
	const char *path = c->app->cfg.link_secret_file;
	char err[512], real[PATH_MAX], dir[PATH_MAX];
	*key = NULL;
	if (!path[0])
		return ERR_NOT_FOUND;
	if (!realpath(path, real) || !realpath(c->app->cfg.dir, dir)) {
		log_error("link_secret_file cannot be found", "errno=%d", errno);
		return ERR_NOT_FOUND;
	}
	size_t n = strlen(dir);
	if (!strncmp(real, dir, n) && (real[n] == '/' || n == 1)) {
		log_error("link_secret_file is inside the data folder: refused", "%s", "");
		return ERR_NOT_FOUND;
	}
	int rc = clk_key_from_file(key, path, err, sizeof(err));
	if (rc < 0) {
		log_error("link_secret_file refused", "why=\"%s\"", err);
		return rc == ERR_NOMEM ? ERR_NOMEM : ERR_NOT_FOUND;
	}
	return 0;
}

int clk_match_cases(struct ctx *c, const char *text, size_t len, double threshold, json_t **out,
		    struct problem *pb)
{
	struct clk_set theirs, ours;
	struct clk_key *key = NULL;
	struct clk_pair *pairs = NULL;
	size_t n_pairs = 0, skipped;
	char err[256];
	int rc;
	*out = NULL;
	clk_set_init(&theirs);
	clk_set_init(&ours);
	if (!(threshold > 0.0 && threshold <= 1.0)) {
		rc = problem_set(pb, ERR_INVALID, "invalid", "threshold");
		goto out;
	}
	rc = clk_set_parse(&theirs, text, len, err, sizeof(err));
	if (rc < 0) {
		log_info("link.match: encodings refused", "why=\"%s\"", err);   /* names no value */
		if (ctx_audit_tx(c, "link.match", "clk", NULL, "failed") < 0)
			log_error("audit append failed", "action=%s", "link.match");
		rc = problem_set(pb, ERR_INVALID, "invalid", "encodings");
		goto out;
	}
	rc = server_key(c, &key);
	if (rc < 0) {
		rc = rc == ERR_NOMEM ? rc : problem_set(pb, ERR_CONFLICT, "link_not_configured", NULL);
		goto out;
	}
	char check[17];
	clk_key_check(key, check);
	if (strcmp(check, theirs.check) != 0) {
		if (ctx_audit_tx(c, "link.match", "clk", NULL, "failed") < 0)
			log_error("audit append failed", "action=%s", "link.match");
		rc = problem_set(pb, ERR_INVALID, "link_other_secret", "encodings");
		goto out;
	}
	struct clk_case_selection sel = { .fields = theirs.fields, .reach = PERM_LINK_MATCH };
	rc = clk_encode_cases(c, key, &sel, &ours, &skipped);
	if (rc < 0)
		goto out;
	struct clk_match_opts o = { .threshold = threshold };
	struct clk_match_stats st;
	rc = clk_match(&theirs, &ours, &o, &pairs, &n_pairs, &st);
	if (rc < 0)
		goto out;
	json_t *list = json_array();
	for (size_t i = 0; i < n_pairs; i++)
		json_array_append_new(list, json_pack("{s:s, s:s, s:f}", "ref", clk_set_ref(&theirs, pairs[i].a), "case",
						      clk_set_ref(&ours, pairs[i].b), "score", pairs[i].score));
	char count[32];
	snprintf(count, sizeof(count), "%zu", n_pairs);
	if (ctx_audit_tx(c, "link.match", "clk", count, "ok") < 0) {
		json_decref(list);
		rc = ERR_FAIL;
		goto out;
	}
	*out = json_pack("{s:o, s:I, s:I, s:f}", "pairs", list, "records", (json_int_t)theirs.n, "cases",
			 (json_int_t)ours.n, "threshold", threshold);
	rc = *out ? 0 : ERR_NOMEM;
out:
	free(pairs);
	clk_key_free(key);
	clk_set_release(&theirs);
	clk_set_release(&ours);
	return rc;
}
