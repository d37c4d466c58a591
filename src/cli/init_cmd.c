/*
 * init_cmd.c: `ihala init [--demo] [--country CC] [--db URL] DIR` creates a data
 * folder: keys (0600), configuration, database with migrations applied, the
 * installation's own organisation and the administrator with a one-time
 * password. Prints exactly `username: admin` and `password: ...` on stdout
 * (then, with --demo, one line per demonstration user).
 */
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../auth/ctx.h"
#include "../auth/user.h"
#include "../domain/directory/directory.h"
#include "../domain/org/org.h"
#include "../domain/ref/ref.h"
#include "cli.h"

static const char usage[] =
	"usage: ihala init [--demo [--demo-cases N]] [--country CC] [--db URL] DIR\n"
	"\n"
	"Create the data folder DIR for a new installation: the master key and the\n"
	"audit signing key (DIR/keys, readable by the owner only), the configuration\n"
	"(DIR/ihala.conf), the database (SQLite in DIR/ihala.db, or PostgreSQL with\n"
	"--db) with every migration applied, the installation's organisation and\n"
	"the administrator account.\n"
	"Prints two lines: `username: admin` and `password: <one-time password>`.\n"
	"The administrator must change that password at first login, and enrol TOTP\n"
	"(except in a --demo installation).\n"
	"Refuses to touch a DIR that already exists.\n"
	"\n"
	"  --demo        add demonstration organisations and users (their passwords\n"
	"                are printed after the administrator's, one line each); TOTP is\n"
	"                not enforced and every page says the data is for demonstration\n"
	"  --demo-cases N  with --demo: how many synthetic cases to make (default\n"
	"                300, four in five by the case manager; 0 for none)\n"
	"  --country CC  ISO 3166-1 country of the installation (default BH)\n"
	"  --db URL      keep the data in PostgreSQL (postgres://... or a libpq\n"
	"                `host=... dbname=...` string) instead of DIR/ihala.db; written\n"
	"                to DIR/ihala.conf as `db`\n"
	"  -h, --help    this text\n"
	"\n"
	"Several servers can share one PostgreSQL database: give each a copy of\n"
	"the same DIR (same keys).\n";

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

struct demo_org {
	const char *name_ar, *name_en, *type;
};
static const struct demo_org demo_orgs[] = {
	{ "اللجنة الوطنية لمكافحة الاتجار بالأشخاص", "National Committee", "CentralGovernmentOrganisation" },
	{ "دار الأمل للإيواء", "Hope Shelter", "NGO" },
	{ "مديرية الشرطة", "Police Directorate", "LawEnforcement" },
	{ "مركز الرعاية الآمنة", "Safe Care Centre", "NGO" },
};

struct demo_user {
	const char *username, *display_name;
	int org;          /* index in demo_orgs */
	role_set roles;
};
static const struct demo_user demo_users[] = {
	{ "coordinator", "Demo Coordinator", 0, 1u << ROLE_COORDINATOR },
	{ "casemanager", "Demo Case Manager", 1, 1u << ROLE_CASE_MANAGER },
	{ "responder", "Demo First Responder", 2, 1u << ROLE_FIRST_RESPONDER },
	{ "provider", "Demo Service Provider", 1, 1u << ROLE_SERVICE_PROVIDER },
	{ "analyst", "Demo Analyst", 0, 1u << ROLE_ANALYST },
	{ "auditor", "Demo Auditor", 0, 1u << ROLE_AUDITOR },
	{ "authority", "Demo Competent Authority", 2, 1u << ROLE_COMPETENT_AUTHORITY },
	/* Appended: a senior case manager who may override a missing consent, and a second organisation's provider. */
	{ "supervisor", "Demo Supervisor", 1, (1u << ROLE_CASE_MANAGER) | (1u << ROLE_SUPERVISOR) },
	{ "shelter", "Demo Shelter Worker", 3, 1u << ROLE_SERVICE_PROVIDER },
};

/*
 * The demonstration shelter's entry in the service directory, so that a
 * referral can be tried at once (the other demonstration organisations
 * keep none: entering one is part of trying the directory).
 */
static int demo_directory(struct ctx *c, const char *org_id, struct problem *pb)
{
	struct directory_input in = {
		.services = { "Accommodation", "Psychological", "Health", "Legal", "Interpretation" },
		.n_services = 5,
		.regions = { "Capital Governorate" },
		.n_regions = 1,
		.languages = { "ar", "en", "hi", "tl" },
		.n_languages = 4,
		.accepts = { "women", "children" },
		.n_accepts = 2,
		.has_capacity = true,
		.capacity_total = 12,
		.capacity_free = 4,
		.accepting = true,
		.note = "Demonstration entry",
		.notify_email = "",
	};
	struct directory_entry e;
	memset(&e, 0, sizeof(e));
	int rc = directory_put(c, org_id, &in, &e, pb);
	directory_entry_release(&e);
	return rc;
}

static int populate(struct app *app, const char *country, int demo, int n_cases)
{
	struct ctx c;
	memset(&c, 0, sizeof(c));
	c.app = app;
	c.db = store_pool_acquire(app->pool);
	struct problem pb = { 0 };
	struct org own, orgs[sizeof(demo_orgs) / sizeof(demo_orgs[0])];
	struct user u;
	char password[ONE_TIME_PASSWORD_LEN + 1];
	int rc = -1;

	struct org_fields of = { "إدارة نظام إحالة", "ihala administration", "CentralGovernmentOrganisation",
				 country, 0 };
	if (org_create(&c, &of, &own, &pb) < 0)
		goto out;
	if (user_create(&c, own.id, "admin", "Administrator", 1u << ROLE_ADMIN, true, password, &u, &pb) < 0)
		goto out;
	printf("username: admin\npassword: %s\n", password);
	if (demo) {
		for (size_t i = 0; i < sizeof(demo_orgs) / sizeof(demo_orgs[0]); i++) {
			struct org_fields f = { demo_orgs[i].name_ar, demo_orgs[i].name_en, demo_orgs[i].type,
						country, 0 };
			if (org_create(&c, &f, &orgs[i], &pb) < 0)
				goto out;
		}
		for (size_t i = 0; i < sizeof(demo_users) / sizeof(demo_users[0]); i++) {
			const struct demo_user *d = &demo_users[i];
			if (user_create(&c, orgs[d->org].id, d->username, d->display_name, d->roles, false,
					password, &u, &pb) < 0)
				goto out;
			printf("username: %s password: %s\n", d->username, password);
		}
		if (demo_directory(&c, orgs[3].id, &pb) < 0)
			goto out;
		/* The pool has one connection: hand it over while the cases are made. */
		store_pool_release(app->pool, c.db);
		int drc = n_cases ? demo_cases_create(app, n_cases - n_cases / 5, n_cases / 5, &pb) : 0;
		c.db = store_pool_acquire(app->pool);
		if (drc < 0)
			goto out;
	}
	struct audit_event ev = { NULL, NULL, "system.init", NULL, NULL, "ok", 0 };
	if (store_begin(c.db) < 0)
		goto out;
	if (audit_append(c.db, &app->audit, &ev) < 0 || audit_checkpoint(c.db, app->signer) < 0 ||
	    store_commit(c.db) < 0) {
		store_rollback(c.db);
		goto out;
	}
	fflush(stdout);
	rc = 0;
out:
	if (rc < 0)
		fprintf(stderr, "ihala: init failed (%s%s%s)\n", pb.code ? pb.code : "database error",
			pb.field[0] ? ": " : "", pb.field);
	store_pool_release(app->pool, c.db);
	return rc;
}

int cli_init_main(int argc, char **argv)
{
	if (cli_wants_help(argc, argv)) {
		fputs(usage, stdout);
		return 0;
	}
	int demo = 0, n_cases = 300;
	const char *dir = NULL, *country = "BH", *db = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--demo"))
			demo = 1;
		else if (!strcmp(argv[i], "--demo-cases") && i + 1 < argc) {
			char *end;
			long n = strtol(argv[++i], &end, 10);
			if (*end || n < 0 || n > 100000) {
				fprintf(stderr, "ihala: --demo-cases needs a number from 0 to 100000\n");
				return 2;
			}
			n_cases = (int)n;
		} else if (!strcmp(argv[i], "--country") && i + 1 < argc)
			country = argv[++i];
		else if (!strcmp(argv[i], "--db") && i + 1 < argc)
			db = argv[++i];
		else if (argv[i][0] != '-' && !dir)
			dir = argv[i];
		else {
			fputs(usage, stderr);
			return 2;
		}
	}
	if (!dir) {
		fputs(usage, stderr);
		return 2;
	}
	if (!ref_country_valid(country)) {
		fprintf(stderr, "ihala: --country needs an ISO 3166-1 alpha-2 code such as BH, EG, MA\n");
		return 2;
	}
	if (mkdir(dir, 0700) != 0) {
		if (errno == EEXIST)
			fprintf(stderr, "ihala: %s already exists; init never overwrites a data folder\n", dir);
		else
			fprintf(stderr, "ihala: cannot create %s: %s\n", dir, strerror(errno));
		return 1;
	}
	struct app app;
	struct config cfg;
	int rc = 1;
	config_defaults(&cfg, dir);
	cfg.demo = demo;
	if (db)
		snprintf(cfg.db, sizeof(cfg.db), "%s", db);
	if (crypto_init_once() < 0 || keyring_create(dir) < 0 || config_write(&cfg) < 0) {
		fprintf(stderr, "ihala: cannot write the keys and configuration into %s\n", dir);
		goto undo;
	}
	if (cli_app_open(&app, dir, NULL, 1) < 0)
		goto undo;
	if (populate(&app, country, demo, n_cases) == 0)
		rc = 0;
	cli_app_close(&app);
	if (rc == 0)
		return 0;
undo:
	/* Leave nothing half-made behind: a second `init` must be able to start afresh. */
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	return rc;
}
