/*
 * test_screening.c: screenings against a real (SQLite) database: what is
 * stored in clear and what is sealed, that a sealed value is bound to its
 * row, that attaching re-seals with the case's key and drops the own key,
 * that a refused attach leaves everything as it was, and that erasing the
 * case deletes its screenings. The API tests cover the HTTP contract.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "auth/ctx.h"
#include "auth/user.h"
#include "domain/case/case.h"
#include "domain/org/org.h"
#include "domain/registry/registry.h"
#include "domain/screening/screening.h"
#include "domain/screening/set.h"

struct fixture {
	char dir[64];
	struct app app;
	struct ctx c;
	struct actor responder, other;   /* first responders of one organisation */
	struct screen_set *set;          /* adult-labour, newest */
};

static void make_actor(struct fixture *f, const char *org_id, const char *name, role_set roles, struct actor *a)
{
	struct user u;
	struct problem pb = { 0 };
	memset(&f->c.actor, 0, sizeof(f->c.actor));
	assert_int_equal(user_create_with_password(&f->c, org_id, name, "Name", roles, false,
						   "correct horse battery", &u, &pb), 0);
	memset(a, 0, sizeof(*a));
	snprintf(a->user_id, sizeof(a->user_id), "%s", u.id);
	snprintf(a->org_id, sizeof(a->org_id), "%s", u.org_id);
	snprintf(a->username, sizeof(a->username), "%s", name);
	a->roles = roles;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "/tmp/ihala-screening-XXXXXX");
	if (!f || !mkdtemp(f->dir))
		return -1;
	setenv("IHALA_PWHASH", "fast", 1);
	crypto_init_once();
	unsigned char master[KEY_BYTES];
	memset(master, 9, sizeof(master));
	config_defaults(&f->app.cfg, f->dir);
	if (keyring_from_bytes(&f->app.kr, master) < 0 || store_pool_open(&f->app.pool, f->app.cfg.db, 1) < 0)
		return -1;
	f->c.app = &f->app;
	f->c.db = store_pool_acquire(f->app.pool);
	if (store_migrate(f->c.db) < 0 || screen_sets_seed(f->c.db) < 0)
		return -1;
	struct org o;
	struct problem pb = { 0 };
	struct org_fields of = { "الشرطة", "Police", "LawEnforcement", "BH", 0 };
	if (org_create(&f->c, &of, &o, &pb) < 0)
		return -1;
	role_set roles = (1u << ROLE_FIRST_RESPONDER) | (1u << ROLE_CASE_MANAGER);
	make_actor(f, o.id, "responder", roles, &f->responder);
	make_actor(f, o.id, "other", 1u << ROLE_FIRST_RESPONDER, &f->other);
	f->c.actor = f->responder;
	if (screen_set_load(&f->c, "adult-labour", 0, &f->set) < 0)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	screen_set_free(f->set);
	store_pool_release(f->app.pool, f->c.db);
	store_pool_close(f->app.pool);
	keyring_free(f->app.kr);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

/* Screen anonymously with the first indicator answered yes and notes; returns the id. */
static void screen(struct fixture *f, const char *notes, char id[ID_HEX_LEN + 1])
{
	json_t *answers = json_pack("{s:s}", f->set->ind[0].id, "yes");
	struct screening_input in = { "adult-labour", answers, NULL, NULL, "hotline", notes };
	json_t *result = NULL;
	struct problem pb = { 0 };
	assert_int_equal(screening_create(&f->c, &in, &result, &pb), 0);
	snprintf(id, ID_HEX_LEN + 1, "%s", json_string_value(json_object_get(result, "id")));
	json_decref(result);
	json_decref(answers);
}

/* One column of a screening row as bytes (blob or text); *len 0 and NULL when NULL. */
static unsigned char *column(struct fixture *f, const char *col, const char *id, size_t *len)
{
	char sql[128];
	snprintf(sql, sizeof(sql), "SELECT %s FROM screenings WHERE id = ?", col);
	struct store_stmt *st;
	assert_int_equal(store_prepare(f->c.db, &st, sql), 0);
	store_bind_text(st, 1, id);
	assert_int_equal(store_step(st), STORE_ROW);
	const void *v = store_column_blob(st, 0, len);
	unsigned char *copy = NULL;
	if (v && *len) {
		copy = malloc(*len);
		memcpy(copy, v, *len);
	} else {
		*len = 0;
	}
	store_finalize(st);
	return copy;
}

static bool contains(const unsigned char *hay, size_t n, const char *needle)
{
	size_t k = strlen(needle);
	for (size_t i = 0; hay && i + k <= n; i++)
		if (!memcmp(hay + i, needle, k))
			return true;
	return false;
}

static void test_stored_sealed_and_bound_to_row(void **state)
{
	struct fixture *f = *state;
	char a[ID_HEX_LEN + 1], b[ID_HEX_LEN + 1];
	screen(f, "NOTE-ALPHA", a);
	screen(f, "NOTE-BRAVO", b);
	size_t n, dn;
	unsigned char *sealed = column(f, "sealed", a, &n), *dek = column(f, "dek", a, &dn);
	assert_non_null(sealed);
	assert_non_null(dek);   /* anonymous: its own wrapped key */
	assert_false(contains(sealed, n, "NOTE-ALPHA"));
	assert_false(contains(sealed, n, "\"yes\""));
	size_t dims_len;
	unsigned char *dims = column(f, "dims", a, &dims_len);
	assert_true(contains(dims, dims_len, "\"exploitation\""));   /* the result is workflow data */

	json_t *out = NULL;
	assert_int_equal(screening_get(&f->c, a, &out), 0);
	assert_string_equal(json_string_value(json_object_get(out, "notes")), "NOTE-ALPHA");
	assert_string_equal(json_string_value(json_object_get(json_object_get(out, "answers"), f->set->ind[0].id)), "yes");
	json_decref(out);

	/* A's sealed value and key copied onto B's row do not open there. */
	struct store_stmt *st;
	assert_int_equal(store_prepare(f->c.db, &st, "UPDATE screenings SET sealed = ?, dek = ? WHERE id = ?"), 0);
	store_bind_blob(st, 1, sealed, n);
	store_bind_blob(st, 2, dek, dn);
	store_bind_text(st, 3, b);
	assert_int_equal(store_step(st), STORE_DONE);
	store_finalize(st);
	assert_int_not_equal(screening_get(&f->c, b, &out), 0);
	assert_null(out);
	free(sealed);
	free(dek);
	free(dims);
}

static void test_scope(void **state)
{
	struct fixture *f = *state;
	char a[ID_HEX_LEN + 1];
	screen(f, NULL, a);
	json_t *out = NULL;
	f->c.actor = f->other;
	assert_int_equal(screening_get(&f->c, a, &out), ERR_NOT_FOUND);
	assert_int_equal(screening_get(&f->c, "not-an-id", &out), ERR_NOT_FOUND);
	json_t *items = NULL;
	assert_int_equal(screening_list(&f->c, NULL, 50, &items), 0);
	assert_int_equal(json_array_size(items), 0);
	json_decref(items);
	f->c.actor = f->responder;
	assert_int_equal(screening_list(&f->c, NULL, 50, &items), 0);
	assert_int_equal(json_array_size(items), 1);
	assert_null(json_object_get(json_array_get(items, 0), "notes"));
	json_decref(items);
}

static void test_attach_reseals_and_erase_deletes(void **state)
{
	struct fixture *f = *state;
	char a[ID_HEX_LEN + 1];
	screen(f, "NOTE-CHARLIE", a);
	size_t before_len, after_len, dek_len;
	unsigned char *before = column(f, "sealed", a, &before_len);

	/* A refused case body: nothing changes, the screening keeps its own key. */
	json_t *bad = json_pack("{s:{s:s}, s:{s:s}}", "person", "gender", "Martian", "case", "status", "Active");
	struct screening_attach at = { bad, NULL, NULL };
	json_t *out = NULL;
	struct problem pb = { 0 };
	assert_int_equal(screening_attach(&f->c, a, &at, &out, &pb), ERR_INVALID);
	assert_int_equal(strncmp(pb.field, "case.", 5), 0);
	unsigned char *dek = column(f, "dek", a, &dek_len);
	assert_non_null(dek);
	free(dek);

	/* Attach to a new case: re-sealed with the case's key, own key gone. */
	const struct registry *reg = registry_get();
	const char *purpose = registry_field(reg, "case", "purpose")->choices[0].value;
	json_t *body = json_pack("{s:{s:s}, s:{s:s, s:s}}", "person", "given_name_latin", "Test", "case", "status",
				 "Active", "purpose", purpose);
	json_t *needs = json_pack("[s]", "Shelter");
	struct screening_attach ok = { body, NULL, needs };
	memset(&pb, 0, sizeof(pb));
	assert_int_equal(screening_attach(&f->c, a, &ok, &out, &pb), 0);
	char ref[CASE_REF_MAX];
	snprintf(ref, sizeof(ref), "%s", json_string_value(json_object_get(out, "ref")));
	json_decref(out);
	dek = column(f, "dek", a, &dek_len);
	assert_null(dek);
	unsigned char *after = column(f, "sealed", a, &after_len);
	assert_true(before_len != after_len || memcmp(before, after, before_len) != 0);
	assert_false(contains(after, after_len, "NOTE-CHARLIE"));
	assert_int_equal(screening_get(&f->c, a, &out), 0);
	assert_string_equal(json_string_value(json_object_get(out, "notes")), "NOTE-CHARLIE");
	assert_string_equal(json_string_value(json_object_get(out, "case")), ref);
	json_decref(out);
	/* Twice: a conflict. */
	assert_int_equal(screening_attach(&f->c, a, &ok, &out, &pb), ERR_CONFLICT);
	assert_string_equal(pb.code, "already_attached");

	/* Erasing the case deletes the screening row. */
	assert_int_equal(case_erase(&f->c, ref), 0);
	assert_int_equal(screening_get(&f->c, a, &out), ERR_NOT_FOUND);
	struct store_stmt *st;
	assert_int_equal(store_prepare(f->c.db, &st, "SELECT count(*) FROM screenings WHERE id = ?"), 0);
	store_bind_text(st, 1, a);
	assert_int_equal(store_step(st), STORE_ROW);
	assert_int_equal(store_column_int64(st, 0), 0);
	store_finalize(st);
	free(before);
	free(after);
	json_decref(bad);
	json_decref(body);
	json_decref(needs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_stored_sealed_and_bound_to_row, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scope, setup, teardown),
		cmocka_unit_test_setup_teardown(test_attach_reseals_and_erase_deletes, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
