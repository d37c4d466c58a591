/* org_cmd.c: `ihala org list|add`: organisations from the command line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../domain/org/org.h"
#include "cli.h"

static const char usage[] =
	"usage: ihala org COMMAND DIR [options]\n"
	"\n"
	"  list DIR          list organisations: id, type, country, English and Arabic names\n"
	"  add DIR --name-en \"N\" --name-ar \"N\" --type TYPE --country CC\n"
	"                    create an organisation; prints its id\n"
	"                    TYPE (HTCDS org_Type): NGO LawEnforcement HealthServiceOrganisation\n"
	"                    CentralGovernmentOrganisation LocalGovernmentOrganisation\n"
	"                    ImmigrationService LegalService CorporateBusiness SchoolOrCollege\n"
	"                    InternationalOrganisation\n"
	"                    CC: ISO 3166-1 alpha-2 (BH, EG, MA, ...)\n"
	"  -h, --help        this text\n";

int cli_org_main(int argc, char **argv)
{
	if (cli_wants_help(argc, argv)) {
		fputs(usage, stdout);
		return 0;
	}
	if (argc < 3 || (strcmp(argv[1], "list") && strcmp(argv[1], "add")) ||
	    (!strcmp(argv[1], "list") && argc != 3)) {
		fputs(usage, stderr);
		return 2;
	}
	struct org_fields f = { 0 };
	if (!strcmp(argv[1], "add")) {
		for (int i = 3; i < argc; i += 2) {
			if (i + 1 >= argc)
				goto bad;
			if (!strcmp(argv[i], "--name-en"))
				f.name_en = argv[i + 1];
			else if (!strcmp(argv[i], "--name-ar"))
				f.name_ar = argv[i + 1];
			else if (!strcmp(argv[i], "--type"))
				f.type = argv[i + 1];
			else if (!strcmp(argv[i], "--country"))
				f.country = argv[i + 1];
			else
				goto bad;
		}
	}
	struct app app;
	if (cli_app_open(&app, argv[2], NULL, 1) < 0)
		return 1;
	struct ctx c;
	memset(&c, 0, sizeof(c));
	c.app = &app;
	c.db = store_pool_acquire(app.pool);
	int rc = 0;
	if (!strcmp(argv[1], "list")) {
		struct org *items;
		int n;
		char next[ID_HEX_LEN + 1] = "";
		do {
			if (org_list(&c, next, 200, &items, &n, next) < 0) {
				rc = 1;
				break;
			}
			for (int i = 0; i < n; i++)
				printf("%s\t%s\t%s\t%s\t%s\n", items[i].id, items[i].type, items[i].country,
				       items[i].name_en, items[i].name_ar);
			free(items);
		} while (next[0]);
	} else {
		struct org o;
		struct problem pb = { 0 };
		if (org_create(&c, &f, &o, &pb) < 0) {
			fprintf(stderr, "ihala: cannot create the organisation (%s%s%s)\n",
				pb.code ? pb.code : "error", pb.field[0] ? ": " : "", pb.field);
			rc = 1;
		} else {
			printf("%s\n", o.id);
		}
	}
	store_pool_release(app.pool, c.db);
	cli_app_close(&app);
	return rc;
bad:
	fputs(usage, stderr);
	return 2;
}
