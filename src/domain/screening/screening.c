/*
 * screening.c: storing screenings and reading them back (attaching one to a
 * case is in screening_attach.c). The contract is in screening.h; the rule
 * that makes a result is set.h's.
 *
 * What is sealed: {"answers": {id: "yes"|"no"}, "notes": text} (answers
 * left unknown are not stored: absent means unknown). Bound to
 * ("screenings", "sealed", id); the own data key to ("screenings", "dek", id).
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/clock.h"
#include "../../core/log.h"
#include "../../crypto/seal.h"
#include "../case/case.h"
#include "../registry/registry.h"
#include "screening.h"
#include "screening_int.h"
#include "set.h"


static const char *const contexts[] = {
	"hotline", "outreach", "labour_inspection", "police", "shelter", "border", "other", NULL,
};


#define SCR_COLS                                                                                          \
	"s.id, s.case_id, s.org_id, s.created_by, s.created_at, s.set_key, s.set_version, s.child, "     \
	"s.assessment, s.dims, s.context, s.dek, s.sealed, c.ref FROM screenings s "                      \
	"LEFT JOIN cases c ON c.id = s.case_id "

void scr_copy(char *out, size_t size, const char *s)
{
	snprintf(out, size, "%s", s ? s : "");
}

void scr_row_release(struct scr_row *r)
{
	free(r->sealed);
	r->sealed = NULL;
}

static int parse_assessment(const char *s, enum screen_assessment *out)
{
	for (int a = ASSESS_NOT_ESTABLISHED; a <= ASSESS_LIKELY_VICTIM; a++) {
		if (s && !strcmp(s, screen_assessment_key((enum screen_assessment)a))) {
			*out = (enum screen_assessment)a;
			return 0;
		}
	}
	return ERR_INVALID;
}

static int parse_dims(const char *text, enum screen_result dim[DIM_COUNT])
{
	json_t *o = text ? json_loads(text, 0, NULL) : NULL;
	int rc = o && json_is_object(o) ? 0 : ERR_INVALID;
	for (int d = 0; rc == 0 && d < DIM_COUNT; d++) {
		const char *v = json_string_value(json_object_get(o, screen_dim_key((enum screen_dim)d)));
		rc = ERR_INVALID;
		for (int r = RESULT_ABSENT; r <= RESULT_PRESENT; r++) {
			if (v && !strcmp(v, screen_result_key((enum screen_result)r))) {
				dim[d] = (enum screen_result)r;
				rc = 0;
			}
		}
	}
	json_decref(o);
	return rc;
}

/* Fill r from the current row of st (columns SCR_COLS). */
static int row_read(struct store_stmt *st, struct scr_row *r)
{
	memset(r, 0, sizeof(*r));
	scr_copy(r->id, sizeof(r->id), store_column_text(st, 0));
	scr_copy(r->case_id, sizeof(r->case_id), store_column_text(st, 1));
	scr_copy(r->org_id, sizeof(r->org_id), store_column_text(st, 2));
	scr_copy(r->created_by, sizeof(r->created_by), store_column_text(st, 3));
	r->created_at = store_column_int64(st, 4);
	scr_copy(r->set_key, sizeof(r->set_key), store_column_text(st, 5));
	r->set_version = (int)store_column_int64(st, 6);
	r->child = store_column_int64(st, 7) != 0;
	scr_copy(r->context, sizeof(r->context), store_column_text(st, 10));
	scr_copy(r->case_ref, sizeof(r->case_ref), store_column_text(st, 13));
	if (parse_assessment(store_column_text(st, 8), &r->assessment) < 0 ||
	    parse_dims(store_column_text(st, 9), r->dim) < 0) {
		log_error("screening row is malformed", "screening=%s", r->id);
		return ERR_FAIL;
	}
	size_t len = 0;
	const void *dek = store_column_blob(st, 11, &len);
	if (dek && len == sizeof(r->dek_sealed)) {
		memcpy(r->dek_sealed, dek, len);
		r->has_dek = true;
	}
	const void *sealed = store_column_blob(st, 12, &len);
	if (!sealed || len < SEAL_OVERHEAD || !(r->sealed = malloc(len))) {
		log_error("screening row has no sealed answers", "screening=%s", r->id);
		return ERR_FAIL;
	}
	memcpy(r->sealed, sealed, len);
	r->sealed_len = len;
	return 0;
}

static bool valid_id(const char *id)
{
	if (!id || strlen(id) != ID_HEX_LEN)
		return false;
	for (const char *p = id; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return false;
	return true;
}

/* ERR_NOT_FOUND when there is no such row. */
int scr_row_load(struct ctx *c, const char *id, struct scr_row *r)
{
	memset(r, 0, sizeof(*r));
	if (!valid_id(id))
		return ERR_NOT_FOUND;
	struct store_stmt *st;
	if (store_prepare(c->db, &st, "SELECT " SCR_COLS "WHERE s.id = ?") < 0)
		return ERR_FAIL;
	store_bind_text(st, 1, id);
	int rc = store_step(st);
	if (rc == STORE_ROW)
		rc = row_read(st, r);
	else if (rc == STORE_DONE)
		rc = ERR_NOT_FOUND;
	store_finalize(st);
	if (rc < 0)
		scr_row_release(r);
	return rc < 0 ? rc : 0;
}

/* Is the screening in the caller's PERM_SCREENING scope? */
bool scr_in_scope(const struct ctx *c, const struct scr_row *r)
{
	switch (ctx_scope(c, PERM_SCREENING)) {
	case SCOPE_ALL:
		return true;
	case SCOPE_OWN_ORG:
		return !strcmp(r->org_id, c->actor.org_id);
	case SCOPE_OWN:
		return !strcmp(r->created_by, c->actor.user_id);
	default:
		return false;
	}
}

/* The same context without the user: reaches everything (checks are done by the caller). */
static struct ctx system_ctx(const struct ctx *c)
{
	struct ctx sys = *c;
	memset(&sys.actor, 0, sizeof(sys.actor));
	return sys;
}

/* ---- sealing ---- */

static int own_seal(struct ctx *c, const char *id, const char *plain, size_t len, unsigned char dek_sealed[],
		    unsigned char **sealed, size_t *sealed_len)
{
	unsigned char dek[SCR_DEK_BYTES];
	uint32_t kv = keyring_version(c->app->kr);
	struct seal_ad dad = { SCR_TABLE, "dek", id }, sad = { SCR_TABLE, "sealed", id };
	*sealed = malloc(seal_len(len));
	if (!*sealed)
		return ERR_NOMEM;
	random_bytes(dek, sizeof(dek));
	int rc = seal_encrypt(dek_sealed, dek, sizeof(dek), &dad, kv, keyring_subkey(c->app->kr, KEY_KEK));
	if (rc == 0)
		rc = seal_encrypt(*sealed, (const unsigned char *)plain, len, &sad, kv, dek);
	sodium_memzero(dek, sizeof(dek));
	if (rc < 0) {
		free(*sealed);
		*sealed = NULL;
		return ERR_FAIL;
	}
	*sealed_len = seal_len(len);
	return 0;
}

/* Open the sealed answers of an anonymous screening with its own key. */
int scr_own_open(struct ctx *c, const struct scr_row *r, unsigned char **plain, size_t *plain_len)
{
	unsigned char dek[SCR_DEK_BYTES];
	size_t dek_len = 0;
	struct seal_ad dad = { SCR_TABLE, "dek", r->id }, sad = { SCR_TABLE, "sealed", r->id };
	*plain = NULL;
	if (!r->has_dek ||
	    seal_decrypt(dek, &dek_len, r->dek_sealed, sizeof(r->dek_sealed), &dad,
			 seal_key_version(r->dek_sealed, sizeof(r->dek_sealed)),
			 keyring_subkey(c->app->kr, KEY_KEK)) < 0 || dek_len != sizeof(dek)) {
		log_error("screening data key does not open", "screening=%s", r->id);
		sodium_memzero(dek, sizeof(dek));
		return ERR_CRYPTO;
	}
	unsigned char *out = malloc(r->sealed_len - SEAL_OVERHEAD + 1);
	int rc = out ? seal_decrypt(out, plain_len, r->sealed, r->sealed_len, &sad,
				    seal_key_version(r->sealed, r->sealed_len), dek)
		     : ERR_NOMEM;
	sodium_memzero(dek, sizeof(dek));
	if (rc < 0) {
		free(out);
		log_error("screening answers do not open", "screening=%s", r->id);
		return ERR_CRYPTO;
	}
	out[*plain_len] = '\0';
	*plain = out;
	return 0;
}

void scr_wipe_free(void *p, size_t len)
{
	if (p) {
		sodium_memzero(p, len);
		free(p);
	}
}

/* The sealed content of r as JSON (caller json_decref), whichever key sealed it. */
static int open_content(struct ctx *c, const struct scr_row *r, json_t **content)
{
	unsigned char *plain = NULL;
	size_t len = 0;
	int rc;
	*content = NULL;
	if (r->case_id[0]) {
		struct ctx sys = system_ctx(c);
		struct case_handle h;
		rc = case_lookup_id(&sys, r->case_id, PERM_CASE_READ, &h);
		if (rc == 0)
			rc = case_unseal(c, &h, SCR_TABLE, "sealed", r->id, r->sealed, r->sealed_len, &plain, &len);
	} else {
		rc = scr_own_open(c, r, &plain, &len);
	}
	if (rc < 0)
		return rc == ERR_NOT_FOUND ? ERR_NOT_FOUND : ERR_CRYPTO;
	*content = json_loadb((const char *)plain, len, 0, NULL);
	scr_wipe_free(plain, len);
	if (!json_is_object(*content)) {
		json_decref(*content);
		*content = NULL;
		return ERR_FAIL;
	}
	return 0;
}

/* ---- the result ---- */

json_t *scr_next_steps(enum screen_assessment a, bool child, bool has_case)
{
	bool likely = a == ASSESS_LIKELY_VICTIM, insufficient = a == ASSESS_INSUFFICIENT;
	json_t *steps = json_array();
	if (!has_case && (likely || insufficient))
		json_array_append_new(steps, json_string("create_case"));
	if (!has_case && (likely || insufficient || child))
		json_array_append_new(steps, json_string("record_urgent_needs"));
	if (likely) {
		json_array_append_new(steps, json_string("identification_decision"));
		json_array_append_new(steps, json_string("referral"));
	}
	if (child)
		json_array_append_new(steps, json_string("child_protection"));
	if (insufficient)
		json_array_append_new(steps, json_string("complete_screening"));
	return steps;
}

/* The answer to each indicator of s from the sealed "answers" object (absent: unknown). */
static void answers_from(const struct screen_set *s, const json_t *given, enum screen_answer *answers)
{
	for (size_t i = 0; i < s->n_ind; i++) {
		const char *v = json_string_value(json_object_get(given, s->ind[i].id));
		if (!v || screen_answer_parse(v, &answers[i]) < 0)
			answers[i] = ANSWER_UNKNOWN;
	}
}

static json_t *result_json(const struct scr_row *r, const struct screen_set *s, const enum screen_answer *answers)
{
	json_t *dims = json_array();
	for (int d = 0; d < DIM_COUNT; d++) {
		json_t *yes = json_array(), *unknown = json_array();
		for (size_t i = 0; i < s->n_ind; i++) {
			if ((int)s->ind[i].dim != d)
				continue;
			if (answers[i] == ANSWER_YES)
				json_array_append_new(yes, json_string(s->ind[i].id));
			else if (answers[i] == ANSWER_UNKNOWN)
				json_array_append_new(unknown, json_string(s->ind[i].id));
		}
		json_array_append_new(dims, json_pack("{s:s, s:s, s:o, s:o}", "key", screen_dim_key((enum screen_dim)d),
						      "result", screen_result_key(r->dim[d]), "indicators", yes,
						      "unknown_indicators", unknown));
	}
	return json_pack("{s:s, s:s, s:i, s:o, s:I, s:s, s:b, s:o, s:o}", "id", r->id, "set", r->set_key,
			 "set_version", r->set_version, "case",
			 r->case_ref[0] ? json_string(r->case_ref) : json_null(), "created_at",
			 (json_int_t)r->created_at, "assessment", screen_assessment_key(r->assessment),
			 "child_protection", r->child, "dimensions", dims, "next_steps",
			 scr_next_steps(r->assessment, r->child, r->case_ref[0] != '\0'));
}

/* A few sets kept while one request reads several screenings. */
struct set_cache {
	struct screen_set *sets[8];
	size_t n;
};

static int cache_get(struct ctx *c, struct set_cache *cache, const char *key, int version, struct screen_set **out)
{
	for (size_t i = 0; i < cache->n; i++) {
		if (!strcmp(cache->sets[i]->key, key) && cache->sets[i]->version == version) {
			*out = cache->sets[i];
			return 0;
		}
	}
	/* Reading a stored screening is not using the set: no country restriction here. */
	struct ctx sys = system_ctx(c);
	struct screen_set *s = NULL;
	int rc = screen_set_load(&sys, key, version, &s);
	if (rc < 0) {
		log_error("the set of a stored screening does not load", "set=%s version=%d", key, version);
		return ERR_FAIL;
	}
	if (cache->n == sizeof(cache->sets) / sizeof(cache->sets[0])) {
		screen_set_free(cache->sets[0]);
		memmove(cache->sets, cache->sets + 1, (cache->n - 1) * sizeof(cache->sets[0]));
		cache->n--;
	}
	cache->sets[cache->n++] = s;
	*out = s;
	return 0;
}

static void cache_release(struct set_cache *cache)
{
	for (size_t i = 0; i < cache->n; i++)
		screen_set_free(cache->sets[i]);
	cache->n = 0;
}

/*
 * The result of r (with_details: plus answers, notes, context, created_by).
 * *out caller's.
 */
static int row_json(struct ctx *c, struct set_cache *cache, const struct scr_row *r, bool with_details, json_t **out)
{
	struct screen_set *s;
	json_t *content = NULL;
	enum screen_answer *answers = NULL;
	*out = NULL;
	int rc = cache_get(c, cache, r->set_key, r->set_version, &s);
	if (rc == 0)
		rc = open_content(c, r, &content);
	if (rc == 0 && !(answers = calloc(s->n_ind ? s->n_ind : 1, sizeof(*answers))))
		rc = ERR_NOMEM;
	if (rc < 0)
		goto out;
	answers_from(s, json_object_get(content, "answers"), answers);
	*out = result_json(r, s, answers);
	if (with_details) {
		json_t *all = json_object();
		for (size_t i = 0; i < s->n_ind; i++)
			json_object_set_new(all, s->ind[i].id, json_string(screen_answer_key(answers[i])));
		json_t *notes = json_object_get(content, "notes");
		json_object_set_new(*out, "answers", all);
		json_object_set_new(*out, "notes", json_is_string(notes) ? json_copy(notes) : json_null());
		json_object_set_new(*out, "context", r->context[0] ? json_string(r->context) : json_null());
		json_object_set_new(*out, "created_by", json_string(r->created_by));
	}
	if (!*out)
		rc = ERR_NOMEM;
out:
	free(answers);
	json_decref(content);   /* the notes copy lives on in *out only */
	return rc;
}

/* ---- creating ---- */

/* "answers.<id>" when id is short printable ASCII, else "answers" (never a cut UTF-8 sequence). */
static void answer_field(char *out, size_t size, const char *id)
{
	bool plain = strlen(id) + sizeof("answers.") <= size && *id;
	for (const char *p = id; plain && *p; p++)
		plain = *p > 0x20 && *p < 0x7f;
	snprintf(out, size, plain ? "answers.%s" : "answers", id);
}

static int check_notes(const char *notes, struct problem *pb)
{
	size_t chars = 0;
	for (const unsigned char *p = (const unsigned char *)notes; *p; p++) {
		if (*p < 0x20 && *p != '\n' && *p != '\r' && *p != '\t')
			return problem_set(pb, ERR_INVALID, "invalid", "notes");
		if (*p == 0x7f)
			return problem_set(pb, ERR_INVALID, "invalid", "notes");
		if ((*p & 0xc0) != 0x80)
			chars++;
	}
	if (chars > SCREENING_NOTES_MAX)
		return problem_set(pb, ERR_INVALID, "too_long", "notes");
	return 0;
}

static bool in_list(const char *const *list, const char *s)
{
	for (; *list; list++)
		if (!strcmp(*list, s))
			return true;
	return false;
}

/* Check the input against the set; fill answers[] (s->n_ind entries). */
static int check_input(const struct screen_set *s, const struct screening_input *in, enum screen_answer *answers,
		       struct problem *pb)
{
	const char *age = in->age ? in->age : "adult";
	if (strcmp(age, "adult") && strcmp(age, "child") && strcmp(age, "unknown"))
		return problem_set(pb, ERR_INVALID, "invalid", "age");
	if (strcmp(age, "adult") && !s->child)
		return problem_set(pb, ERR_INVALID, "child_set_required", "set");
	if (in->context && !in_list(contexts, in->context))
		return problem_set(pb, ERR_INVALID, "invalid", "context");
	if (in->notes && check_notes(in->notes, pb) < 0)
		return ERR_INVALID;
	for (size_t i = 0; i < s->n_ind; i++)
		answers[i] = ANSWER_UNKNOWN;
	if (in->answers && !json_is_object(in->answers))
		return problem_set(pb, ERR_INVALID, "wrong_type", "answers");
	const char *id;
	json_t *v;
	if (!in->answers)
		return 0;
	json_object_foreach((json_t *)in->answers, id, v) {
		char field[sizeof(pb->field)];
		answer_field(field, sizeof(field), id);
		int k = screen_set_find(s, id);
		if (k < 0)
			return problem_set(pb, ERR_INVALID, "unknown_indicator", field);
		enum screen_answer a;
		if (!json_is_string(v) || screen_answer_parse(json_string_value(v), &a) < 0)
			return problem_set(pb, ERR_INVALID, "invalid", field);
		answers[k] = a;
	}
	return 0;
}

static bool valid_set_key(const char *key)
{
	size_t n = key ? strlen(key) : 0;
	if (n == 0 || n >= SCREEN_KEY_MAX)
		return false;
	for (const char *p = key; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-'))
			return false;
	return true;
}

/* The sealed content: the answers given (yes/no) and the notes. Caller frees (wipe). */
static char *content_text(const struct screen_set *s, const enum screen_answer *answers, const char *notes)
{
	json_t *given = json_object();
	for (size_t i = 0; i < s->n_ind; i++)
		if (answers[i] != ANSWER_UNKNOWN)
			json_object_set_new(given, s->ind[i].id, json_string(screen_answer_key(answers[i])));
	json_t *doc = json_pack("{s:o}", "answers", given);
	if (doc && notes && *notes)
		json_object_set_new(doc, "notes", json_string(notes));
	char *text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
	json_decref(doc);
	return text;
}

static char *dims_text(const struct screen_outcome *o)
{
	json_t *d = json_object();
	for (int i = 0; i < DIM_COUNT; i++)
		json_object_set_new(d, screen_dim_key((enum screen_dim)i), json_string(screen_result_key(o->dim[i])));
	char *text = json_dumps(d, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(d);
	return text;
}

static int insert_row(struct ctx *c, const struct scr_row *r, const char *dims, const unsigned char *sealed,
		      size_t sealed_len)
{
	struct store_stmt *st;
	if (store_prepare(c->db, &st,
			  "INSERT INTO screenings (id, case_id, org_id, created_by, created_at, set_key, set_version, "
			  "child, assessment, dims, context, dek, sealed) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)") < 0)
		return ERR_FAIL;
	store_bind_text(st, 1, r->id);
	store_bind_text(st, 2, r->case_id[0] ? r->case_id : NULL);
	store_bind_text(st, 3, r->org_id);
	store_bind_text(st, 4, r->created_by);
	store_bind_int64(st, 5, r->created_at);
	store_bind_text(st, 6, r->set_key);
	store_bind_int64(st, 7, r->set_version);
	store_bind_int64(st, 8, r->child ? 1 : 0);
	store_bind_text(st, 9, screen_assessment_key(r->assessment));
	store_bind_text(st, 10, dims);
	store_bind_text(st, 11, r->context[0] ? r->context : NULL);
	if (r->has_dek)
		store_bind_blob(st, 12, r->dek_sealed, sizeof(r->dek_sealed));
	else
		store_bind_null(st, 12);
	store_bind_blob(st, 13, sealed, sealed_len);
	int rc = store_step(st);
	store_finalize(st);
	return rc < 0 ? rc : 0;
}

int screening_create(struct ctx *c, const struct screening_input *in, json_t **result, struct problem *pb)
{
	struct screen_set *s = NULL;
	enum screen_answer *answers = NULL;
	char *plain = NULL, *dims = NULL;
	unsigned char *sealed = NULL;
	size_t plain_len = 0, sealed_len = 0;
	struct case_handle h;
	struct scr_row r;
	int rc;

	*result = NULL;
	memset(&r, 0, sizeof(r));
	memset(&h, 0, sizeof(h));
	if (!c->actor.user_id[0] || ctx_scope(c, PERM_SCREENING) == SCOPE_NONE)
		return problem_set(pb, ERR_DENIED, "forbidden", NULL);
	if (!valid_set_key(in->set_key))
		return problem_set(pb, ERR_INVALID, "unknown_set", "set");
	rc = screen_set_load(c, in->set_key, 0, &s);
	if (rc == ERR_NOT_FOUND)
		return problem_set(pb, ERR_INVALID, "unknown_set", "set");
	if (rc == ERR_DENIED)
		return problem_set(pb, ERR_INVALID, "set_not_allowed", "set");
	if (rc < 0)
		return problem_set(pb, ERR_FAIL, "internal", NULL);
	answers = calloc(s->n_ind ? s->n_ind : 1, sizeof(*answers));
	if (!answers) {
		rc = problem_set(pb, ERR_NOMEM, "internal", NULL);
		goto out;
	}
	rc = check_input(s, in, answers, pb);
	if (rc < 0)
		goto out;
	if (in->case_ref) {
		rc = case_lookup(c, in->case_ref, PERM_CASE_WRITE, &h);
		if (rc < 0) {
			rc = problem_set(pb, rc == ERR_NOT_FOUND ? ERR_NOT_FOUND : ERR_FAIL,
					 rc == ERR_NOT_FOUND ? "not_found" : "internal", NULL);
			goto out;
		}
		scr_copy(r.case_id, sizeof(r.case_id), h.id);
		scr_copy(r.case_ref, sizeof(r.case_ref), h.ref);
	}

	struct screen_outcome o;
	screen_evaluate(s, answers, &o);
	random_id(r.id);
	scr_copy(r.org_id, sizeof(r.org_id), c->actor.org_id);
	scr_copy(r.created_by, sizeof(r.created_by), c->actor.user_id);
	r.created_at = clock_now();
	scr_copy(r.set_key, sizeof(r.set_key), s->key);
	r.set_version = s->version;
	r.child = s->child;
	r.assessment = o.assessment;
	memcpy(r.dim, o.dim, sizeof(r.dim));
	scr_copy(r.context, sizeof(r.context), in->context);
	plain = content_text(s, answers, in->notes);
	dims = dims_text(&o);
	if (!plain || !dims) {
		rc = problem_set(pb, ERR_NOMEM, "internal", NULL);
		goto out;
	}
	plain_len = strlen(plain);

	if (store_begin(c->db) < 0) {
		rc = problem_set(pb, ERR_FAIL, "internal", NULL);
		goto out;
	}
	if (r.case_id[0]) {
		rc = case_seal(c, &h, SCR_TABLE, "sealed", r.id, plain, plain_len, &sealed, &sealed_len);
	} else {
		rc = own_seal(c, r.id, plain, plain_len, r.dek_sealed, &sealed, &sealed_len);
		r.has_dek = rc == 0;
	}
	if (rc == ERR_NOT_FOUND) {   /* the case was erased in the meantime */
		store_rollback(c->db);
		rc = problem_set(pb, ERR_NOT_FOUND, "not_found", NULL);
		goto out;
	}
	if (rc < 0 || insert_row(c, &r, dims, sealed, sealed_len) < 0 ||
	    ctx_audit(c, "screening.create", "screening", r.id, "ok") < 0 || store_commit(c->db) < 0) {
		store_rollback(c->db);
		rc = problem_set(pb, ERR_FAIL, "internal", NULL);
		goto out;
	}
	*result = result_json(&r, s, answers);
	rc = *result ? 0 : problem_set(pb, ERR_NOMEM, "internal", NULL);
out:
	if (plain)
		scr_wipe_free(plain, plain_len);
	free(dims);
	free(sealed);
	free(answers);
	screen_set_free(s);
	return rc;
}

/* ---- reading ---- */

int screening_get(struct ctx *c, const char *id, json_t **out)
{
	struct scr_row r;
	struct set_cache cache = { .n = 0 };
	*out = NULL;
	int rc = scr_row_load(c, id, &r);
	if (rc < 0)
		return rc;
	bool reach = scr_in_scope(c, &r);
	if (!reach && r.case_id[0]) {
		struct case_handle h;
		reach = case_lookup_id(c, r.case_id, PERM_CASE_READ, &h) == 0;
	}
	if (!reach) {
		scr_row_release(&r);
		return ERR_NOT_FOUND;
	}
	rc = row_json(c, &cache, &r, true, out);
	if (rc == 0)
		rc = ctx_audit_tx(c, "screening.read", "screening", r.id, "ok");
	if (rc < 0) {
		json_decref(*out);
		*out = NULL;
	}
	cache_release(&cache);
	scr_row_release(&r);
	return rc;
}

int screening_list(struct ctx *c, const char *case_ref, int limit, json_t **items)
{
	struct case_handle h;
	struct store_stmt *st = NULL;
	struct set_cache cache = { .n = 0 };
	int rc;
	*items = NULL;
	memset(&h, 0, sizeof(h));
	if (case_ref) {
		rc = case_lookup(c, case_ref, PERM_CASE_READ, &h);
		if (rc < 0)
			return rc;
		rc = store_prepare(c->db, &st,
				   "SELECT " SCR_COLS "WHERE s.case_id = ? ORDER BY s.created_at DESC, s.id DESC LIMIT ?");
		if (rc == 0) {
			store_bind_text(st, 1, h.id);
			store_bind_int64(st, 2, limit);
		}
	} else {
		enum scope sc = ctx_scope(c, PERM_SCREENING);
		const char *sql = sc == SCOPE_ALL
			? "SELECT " SCR_COLS "ORDER BY s.created_at DESC, s.id DESC LIMIT ?"
			: sc == SCOPE_OWN_ORG
			? "SELECT " SCR_COLS "WHERE s.org_id = ? ORDER BY s.created_at DESC, s.id DESC LIMIT ?"
			: "SELECT " SCR_COLS "WHERE s.created_by = ? ORDER BY s.created_at DESC, s.id DESC LIMIT ?";
		if (sc == SCOPE_NONE)
			return ERR_NOT_FOUND;
		rc = store_prepare(c->db, &st, sql);
		if (rc == 0) {
			int k = 1;
			if (sc == SCOPE_OWN_ORG)
				store_bind_text(st, k++, c->actor.org_id);
			else if (sc == SCOPE_OWN)
				store_bind_text(st, k++, c->actor.user_id);
			store_bind_int64(st, k, limit);
		}
	}
	if (rc < 0)
		return ERR_FAIL;
	json_t *list = json_array();
	while ((rc = store_step(st)) == STORE_ROW) {
		struct scr_row r;
		json_t *item = NULL;
		rc = row_read(st, &r);
		if (rc == 0)
			rc = row_json(c, &cache, &r, false, &item);
		scr_row_release(&r);
		if (rc < 0)
			break;
		json_array_append_new(list, item);
	}
	store_finalize(st);
	cache_release(&cache);
	if (rc == STORE_DONE && case_ref)
		rc = ctx_audit_tx(c, "screening.list", "case", h.id, "ok");
	if (rc < 0) {
		json_decref(list);
		return rc;
	}
	*items = list;
	return 0;
}
