/*
 * main.c: `ihala SUBCOMMAND ...`: one binary that is the server and its
 * administration tool.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "core/log.h"
#include "core/version.h"

static const char usage[] =
	"usage: ihala SUBCOMMAND [options]\n"
	"\n"
	"ihala (إحالة): referral and case management against trafficking in persons.\n"
	"\n"
	"  init      create a data folder (keys, configuration, database, administrator)\n"
	"  serve     run the web server\n"
	"  user      manage staff accounts\n"
	"  org       manage organisations\n"
	"  audit     verify the tamper-evident audit log\n"
	"  backup    take or verify a consistent backup\n"
	"  retention erase the cases kept past their retention period\n"
	"  export    write the cases as an HTCDS table (CSV or XLSX)\n"
	"  screening import or list the indicator sets used for screening\n"
	"  link      duplicates, and linkage with another installation without names\n"
	"  stats     counts and the annual report, as text, CSV or JSON\n"
	"  version   print the version\n"
	"\n"
	"`ihala SUBCOMMAND --help` explains each one.\n";

struct subcommand {
	const char *name;
	int (*main)(int argc, char **argv);
};

static int version_main(int argc, char **argv)
{
	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		puts("usage: ihala version\n\nPrints the version of this ihala binary.");
		return 0;
	}
	printf("ihala %s\n", IHALA_VERSION);
	return 0;
}

static const struct subcommand subcommands[] = {
	{ "init", cli_init_main },   { "serve", cli_serve_main },   { "user", cli_user_main },
	{ "org", cli_org_main },     { "audit", cli_audit_main },   { "backup", cli_backup_main },
	{ "retention", cli_retention_main }, { "export", cli_export_main },
	{ "screening", cli_screening_main }, { "link", cli_link_main },
	{ "stats", cli_stats_main },
	{ "version", version_main },
};

int main(int argc, char **argv)
{
	/* Everything ihala writes (database, WAL, backups) is for its owner only. */
	umask(077);
	const char *level = getenv("IHALA_LOG_LEVEL");
	if (level && !strcmp(level, "debug"))
		log_set_level(LOG_DEBUG);
	else if (level && !strcmp(level, "warn"))
		log_set_level(LOG_WARN);
	else if (level && !strcmp(level, "error"))
		log_set_level(LOG_ERROR);
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		fputs(usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (!strcmp(argv[1], "--version"))
		return version_main(1, argv);
	for (size_t i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++)
		if (!strcmp(argv[1], subcommands[i].name))
			return subcommands[i].main(argc - 1, argv + 1);
	fprintf(stderr, "ihala: unknown subcommand `%s`\n\n%s", argv[1], usage);
	return 2;
}
