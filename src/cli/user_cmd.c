/*
 * user_cmd.c: `ihala user ...`: manage staff accounts from the command line
 * (for the first administrator's recovery, scripts, and servers without a
 * browser). Acts as the system; every change is audited.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../auth/user.h"
#include "../domain/org/org.h"
#include "cli.h"

static const char usage[] =
	"usage: ihala user COMMAND DIR [options]\n"
	"\n"
	"  list DIR                         list users: username, organisation, roles, state\n"
	"  add DIR --username U --name \"N\" --org ORG --role R[,R...]\n"
	"                                   create a user; prints `username: U` and\n"
	"                                   `password: <one-time>`\n"
	"                                   ORG is an organisation id or English name;\n"
	"                                   roles: admin coordinator case_manager\n"
	"                                   first_responder service_provider analyst auditor\n"
	"                                   competent_authority supervisor\n"
	"  disable DIR USERNAME             disable the account and end its sessions\n"
	"  enable DIR USERNAME              enable it again\n"
	"  reset-password DIR USERNAME      new one-time password (printed); ends sessions\n"
	"  reset-totp DIR USERNAME          remove the user's TOTP enrolment (a lost phone);\n"
	"                                   they enrol again at next sign-in; ends sessions\n"
	"  end-sessions DIR USERNAME        sign the user out everywhere\n"
	"  -h, --help                       this text\n";

static int parse_roles(const char *list, role_set *out)
{
	*out = 0;
	char buf[256];
	snprintf(buf, sizeof(buf), "%s", list);
	for (char *s = buf, *comma; s && *s; s = comma ? comma + 1 : NULL) {
		comma = strchr(s, ',');
		if (comma)
			*comma = '\0';
		enum role r;
		if (role_parse(s, &r) < 0)
			return -1;
		*out |= 1u << r;
	}
	return *out ? 0 : -1;
}

static int cmd_list(struct ctx *c)
{
	struct user *items;
	int n;
	char next[ID_HEX_LEN + 1] = "";
	do {
		if (user_list(c, NULL, next, 200, &items, &n, next) < 0)
			return 1;
		for (int i = 0; i < n; i++) {
			struct org o;
			printf("%s\t%s\t", items[i].username,
			       org_get(c, items[i].org_id, &o) == 0 ? o.name_en : items[i].org_id);
			const char *sep = "";
			for (int r = 0; r < ROLE_COUNT; r++) {
				if (items[i].roles & (1u << r)) {
					printf("%s%s", sep, role_name((enum role)r));
					sep = ",";
				}
			}
			printf("\t%s\n", items[i].disabled ? "disabled" : "active");
		}
		free(items);
	} while (next[0]);
	return 0;
}

static int cmd_add(struct ctx *c, int argc, char **argv)
{
	const char *username = NULL, *name = NULL, *org = NULL, *roles_s = NULL;
	for (int i = 3; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--username"))
			username = argv[i + 1];
		else if (!strcmp(argv[i], "--name"))
			name = argv[i + 1];
		else if (!strcmp(argv[i], "--org"))
			org = argv[i + 1];
		else if (!strcmp(argv[i], "--role"))
			roles_s = argv[i + 1];
		else
			return 2;
	}
	role_set roles;
	if (!username || !name || !org || !roles_s || parse_roles(roles_s, &roles) < 0)
		return 2;
	struct org o;
	if (org_get(c, org, &o) < 0 && org_find_by_name(c->db, org, &o) < 0) {
		fprintf(stderr, "ihala: no organisation %s\n", org);
		return 1;
	}
	struct user u;
	struct problem pb = { 0 };
	char password[ONE_TIME_PASSWORD_LEN + 1];
	if (user_create(c, o.id, username, name, roles, true, password, &u, &pb) < 0) {
		fprintf(stderr, "ihala: cannot create the user (%s%s%s)\n", pb.code ? pb.code : "error",
			pb.field[0] ? ": " : "", pb.field);
		return 1;
	}
	printf("username: %s\npassword: %s\n", u.username, password);
	return 0;
}

static int by_name(struct ctx *c, const char *username, struct user *u)
{
	if (user_load_by_name(c->db, username, u, NULL, 0) < 0) {
		fprintf(stderr, "ihala: no user %s\n", username);
		return -1;
	}
	return 0;
}

int cli_user_main(int argc, char **argv)
{
	if (cli_wants_help(argc, argv)) {
		fputs(usage, stdout);
		return 0;
	}
	if (argc < 3) {
		fputs(usage, stderr);
		return 2;
	}
	const char *cmd = argv[1], *dir = argv[2];
	int needs_name = strcmp(cmd, "list") && strcmp(cmd, "add");
	if ((needs_name && argc != 4) || (!strcmp(cmd, "list") && argc != 3)) {
		fputs(usage, stderr);
		return 2;
	}
	struct app app;
	if (cli_app_open(&app, dir, NULL, 1) < 0)
		return 1;
	struct ctx c;
	memset(&c, 0, sizeof(c));
	c.app = &app;
	c.db = store_pool_acquire(app.pool);
	int rc = 2;
	struct user u;
	struct problem pb = { 0 };
	if (!strcmp(cmd, "list")) {
		rc = cmd_list(&c);
	} else if (!strcmp(cmd, "add")) {
		rc = cmd_add(&c, argc, argv);
	} else if (!strcmp(cmd, "disable") || !strcmp(cmd, "enable")) {
		rc = 1;
		if (by_name(&c, argv[3], &u) == 0) {
			struct user_patch p = { .set_disabled = true, .disabled = !strcmp(cmd, "disable") };
			if (user_update(&c, u.id, &p, &u, &pb) == 0) {
				printf("%s: %s\n", u.username, u.disabled ? "disabled" : "enabled");
				rc = 0;
			}
		}
	} else if (!strcmp(cmd, "reset-password")) {
		char password[ONE_TIME_PASSWORD_LEN + 1];
		rc = 1;
		if (by_name(&c, argv[3], &u) == 0 && user_reset_password(&c, u.id, password) == 0) {
			printf("username: %s\npassword: %s\n", u.username, password);
			rc = 0;
		}
	} else if (!strcmp(cmd, "reset-totp")) {
		rc = 1;
		if (by_name(&c, argv[3], &u) == 0 && user_reset_totp(&c, u.id) == 0) {
			printf("%s: TOTP removed; enrol again at next sign-in\n", u.username);
			rc = 0;
		}
	} else if (!strcmp(cmd, "end-sessions")) {
		rc = 1;
		if (by_name(&c, argv[3], &u) == 0 && user_end_sessions(&c, u.id) == 0) {
			printf("%s: signed out everywhere\n", u.username);
			rc = 0;
		}
	}
	if (rc == 2)
		fputs(usage, stderr);
	store_pool_release(app.pool, c.db);
	cli_app_close(&app);
	return rc;
}
