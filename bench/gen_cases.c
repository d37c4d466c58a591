/*
 * bench/gen_cases.c: fill a data folder with N synthetic cases for the case
 * benchmark (bench/cases.sh), through the same case_create path as the API:
 * validated by the registry, sealed with a data key per case, indexed and
 * audited. Cases are written in transactions of --batch cases each.
 *
 *	gen_cases DIR N [--batch B] [--queries FILE] [--user NAME]
 *
 * The bodies come from the demonstration generator (demo_case_make); the
 * family name is replaced, in three cases out of four, by one built from
 * syllables (Arabic script with its Latin spelling), so that at a million
 * cases name tokens spread as in a real population: a few given names are
 * very common, most family names are rare.
 *
 * --queries FILE writes one line per sampled case (one in 1000):
 *	ref <TAB> Latin full name <TAB> Arabic full name or "-" <TAB> document number or "-"
 * which bench/cases.sh turns into requests. Prints the creation rate.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "../src/auth/ctx.h"
#include "../src/auth/user.h"
#include "../src/cli/cli.h"
#include "../src/core/clock.h"
#include "../src/core/err.h"
#include "../src/domain/case/case_int.h"
#include "../src/domain/org/org.h"
#include "../src/store/store.h"

struct syl {
	const char *ar, *lat;
};
static const struct syl syls[] = {
	{ "با", "ba" },   { "بو", "bu" },   { "تا", "ta" },   { "جا", "ja" },   { "حا", "ha" },   { "خا", "kha" },
	{ "دا", "da" },   { "را", "ra" },   { "زا", "za" },   { "سا", "sa" },   { "شا", "sha" },  { "صا", "sa" },
	{ "طا", "ta" },   { "عا", "a" },    { "غا", "gha" },  { "فا", "fa" },   { "قا", "qa" },   { "كا", "ka" },
	{ "لا", "la" },   { "ما", "ma" },   { "نا", "na" },   { "ها", "ha" },   { "وا", "wa" },   { "يا", "ya" },
	{ "بي", "bi" },   { "تي", "ti" },   { "جي", "ji" },   { "دي", "di" },   { "ري", "ri" },   { "سي", "si" },
	{ "في", "fi" },   { "كي", "ki" },   { "لي", "li" },   { "مي", "mi" },   { "ني", "ni" },   { "هي", "hi" },
	{ "رو", "ru" },   { "سو", "su" },   { "مو", "mu" },   { "نو", "nu" },   { "دو", "du" },   { "كو", "ku" },
};
#define NSYL ((int)(sizeof(syls) / sizeof(syls[0])))
static const char *const ends_ar[] = { "ن", "ر", "ل", "م", "د", "ي", "ش", "ف" };
static const char *const ends_lat[] = { "n", "r", "l", "m", "d", "i", "sh", "f" };

static uint64_t mix(uint64_t *s)
{
	uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

/* A family name of 2 or 3 syllables and an ending: 42^2*8 + 42^3*8 ~ 600,000 forms. */
static void family(uint64_t *s, char *ar, char *lat, size_t size)
{
	int n = 2 + (int)(mix(s) % 2);
	size_t a = 0, l = 0;
	ar[0] = lat[0] = '\0';
	for (int i = 0; i < n; i++) {
		const struct syl *y = &syls[mix(s) % NSYL];
		a += (size_t)snprintf(ar + a, size - a, "%s", y->ar);
		l += (size_t)snprintf(lat + l, size - l, "%s", y->lat);
	}
	int e = (int)(mix(s) % 8);
	snprintf(ar + a, size - a, "%s", ends_ar[e]);
	snprintf(lat + l, size - l, "%s", ends_lat[e]);
	lat[0] = (char)(lat[0] - 'a' + 'A');
}

static const char *str(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

int main(int argc, char **argv)
{
	const char *dir = NULL, *queries = NULL, *username = "casemanager";
	long n = -1, batch = 1000;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--batch") && i + 1 < argc)
			batch = atol(argv[++i]);
		else if (!strcmp(argv[i], "--queries") && i + 1 < argc)
			queries = argv[++i];
		else if (!strcmp(argv[i], "--user") && i + 1 < argc)
			username = argv[++i];
		else if (!dir)
			dir = argv[i];
		else if (n < 0)
			n = atol(argv[i]);
		else
			dir = NULL;
	}
	if (!dir || n < 0 || batch < 1) {
		fprintf(stderr, "usage: gen_cases DIR N [--batch B] [--queries FILE] [--user NAME]\n");
		return 2;
	}
	struct app app;
	if (cli_app_open(&app, dir, NULL, 1) < 0)
		return 1;
	struct store *db = store_pool_acquire(app.pool);
	struct user u;
	if (user_load_by_name(db, username, &u, NULL, 0) < 0) {
		fprintf(stderr, "gen_cases: no user %s (run ihala init --demo first)\n", username);
		return 1;
	}
	struct ctx c;
	memset(&c, 0, sizeof(c));
	c.app = &app;
	c.db = db;
	snprintf(c.actor.user_id, sizeof(c.actor.user_id), "%s", u.id);
	snprintf(c.actor.org_id, sizeof(c.actor.org_id), "%s", u.org_id);
	snprintf(c.actor.username, sizeof(c.actor.username), "%s", u.username);
	c.actor.roles = u.roles;
	struct ctx sys = c;
	memset(&sys.actor, 0, sizeof(sys.actor));
	struct org o;
	if (org_get(&sys, u.org_id, &o) < 0)
		return 1;

	FILE *q = queries ? fopen(queries, "w") : NULL;
	if (queries && !q) {
		perror(queries);
		return 1;
	}
	uint64_t seed = 0x5EED0001ull, fam_seed = 0xFA3117ull;
	int64_t today = clock_now() / 86400;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	long done = 0;
	while (done < n) {
		if (store_begin(db) < 0)
			return 1;
		for (long k = 0; k < batch && done < n; k++, done++) {
			json_t *body = demo_case_make(&seed, today, o.country);
			json_t *person = json_object_get(body, "person");
			if ((mix(&fam_seed) & 3) != 0 && str(person, "family_name_latin")) {
				char ar[96], lat[96];
				family(&fam_seed, ar, lat, sizeof(ar));
				if (str(person, "family_name") && str(person, "family_name")[0] & 0x80)
					json_object_set_new(person, "family_name", json_string(ar));
				else if (str(person, "family_name"))
					json_object_set_new(person, "family_name", json_string(lat));
				json_object_set_new(person, "family_name_latin", json_string(lat));
			}
			char ref[CASE_REF_MAX];
			struct problem pb = { 0 };
			if (case_create_ext(&c, body, NULL, false, ref, &pb) < 0) {
				fprintf(stderr, "gen_cases: case %ld refused: %s %s\n", done + 1, pb.code,
					pb.field);
				store_rollback(db);
				return 1;
			}
			if (q && done % 1000 == 0) {
				const char *gl = str(person, "given_name_latin"), *fl = str(person, "family_name_latin");
				const char *ga = str(person, "given_name"), *fa = str(person, "family_name");
				const char *doc = str(person, "document_number");
				bool arabic = ga && (ga[0] & 0x80) && fa && (fa[0] & 0x80);
				fprintf(q, "%s\t%s%s%s\t%s%s%s\t%s\n", ref, gl ? gl : "", fl ? " " : "", fl ? fl : "",
					arabic ? ga : "-", arabic ? " " : "", arabic ? fa : "", doc ? doc : "-");
			}
			json_decref(body);
		}
		if (store_commit(db) < 0)
			return 1;
		if (done % 100000 == 0 || done == n) {
			clock_gettime(CLOCK_MONOTONIC, &t1);
			double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
			fprintf(stderr, "gen_cases: %ld cases, %.0f s, %.0f cases/s\n", done, s, (double)done / s);
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("created %ld cases in %.1f s: %.0f cases/s (batches of %ld)\n", n, s, (double)n / s, batch);
	if (q)
		fclose(q);
	store_pool_release(app.pool, db);
	cli_app_close(&app);
	return 0;
}
