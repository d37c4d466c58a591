/*
 * link_cmd.c: `ihala link COMMAND ...`: duplicates inside one installation
 * and privacy-preserving linkage between installations (docs/linkage.md).
 * This file only dispatches; each command lives in its own file:
 *	keys    link_keys.c    normalised forms and cross-script keys of names
 *	dedup   link_dedup.c   likely duplicates among a folder's cases
 *	encode  link_clk.c     CLK encodings of a selection of cases
 *	match   link_clk.c     pairs of two encoding files
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

struct link_command {
	const char *name;
	int (*main)(int argc, char **argv);
	const char *summary;
};

static const struct link_command commands[] = {
	/* Each engineer adds their command here. */
	{ "encode", cli_link_encode_main, "CLK encodings of the cases, for linkage without names" },
	{ "match", cli_link_match_main, "pairs of records of two encoding files" },
	{ "keys", cli_link_keys_main, "normalised forms and cross-script keys of names on standard input" },
	{ "dedup", cli_link_dedup_main, "likely duplicates among the cases of a data folder" },
	{ NULL, NULL, NULL },
};

static void usage(FILE *f)
{
	fputs("usage: ihala link COMMAND [options]\n"
	      "\n"
	      "Duplicates and privacy-preserving linkage (docs/linkage.md).\n"
	      "\n",
	      f);
	for (size_t i = 0; commands[i].name; i++)
		fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fputs("\n`ihala link COMMAND --help` explains each one.\n", f);
}

int cli_link_main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(stdout);
		return 0;
	}
	for (size_t i = 0; commands[i].name; i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].main(argc - 1, argv + 1);
	fprintf(stderr, "ihala link: unknown command `%s`\n\n", argv[1]);
	usage(stderr);
	return 2;
}
