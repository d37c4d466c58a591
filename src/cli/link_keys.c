/*
 * link_keys.c: `ihala link keys`: the normal form and the cross-script keys
 * of names read from standard input, one name a line (names.h, xscript.h,
 * docs/linkage.md "Cross-script keys"). For people checking why two
 * spellings do or do not meet, and for outside checks of the key. Needs no
 * data folder and touches no database.
 *
 * Output, one line per input line that is UTF-8:
 *	NAME \t NORMALISED \t KEYS \n
 * NAME is the line as read without its line ending (\n or \r\n), with any
 * tab in it printed as a space; NORMALISED is name_normalize's normal form;
 * KEYS are the keys of name_tokens' tokens in token order, tokens separated
 * by one space and the keys of one token by '|'; a token without keys is
 * left out. An empty line gives "\t\t". A line that is not UTF-8, holds a
 * NUL byte or is over NAME_MAX_BYTES bytes gives no output line, a message
 * naming its line number on stderr, and exit status 1 once every line has
 * been read.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "../core/err.h"
#include "../domain/names/names.h"
#include "../domain/names/xscript.h"
#include "cli.h"

static const char keys_usage[] =
	"usage: ihala link keys < NAMES\n"
	"\n"
	"Read names from standard input, one a line, and print for each its\n"
	"normal form and its cross-script keys, under which an Arabic-script name\n"
	"and its usual Latin spellings meet (docs/linkage.md, \"Cross-script keys\").\n"
	"Needs no data folder.\n"
	"\n"
	"Each input line gives one output line of three tab-separated fields:\n"
	"  NAME<TAB>NORMALISED<TAB>KEYS\n"
	"  NAME        the line as read, without its line ending; a tab in it is\n"
	"              printed as a space\n"
	"  NORMALISED  the normal form used for search (diacritics, alef forms,\n"
	"              case, accents and punctuation folded)\n"
	"  KEYS        the keys of the name's tokens, in order: tokens separated by\n"
	"              one space, the alternative keys of one token joined by '|';\n"
	"              a token without keys (digits only, another script) is left out\n"
	"An empty line prints two tabs. Two names meet when every token of the one\n"
	"with fewer tokens shares a key with some token of the other. Example:\n"
	"  محمد<TAB>محمد<TAB>MHMD\n"
	"  Al-Hassan<TAB>al hassan<TAB>ALHSN HSN\n"
	"\n"
	"A line that is not UTF-8, holds a NUL byte or is longer than 1024 bytes\n"
	"prints no output line; stderr names its line number and the exit status\n"
	"is 1 once every other line has been printed.\n"
	"\n"
	"Exit status: 0 ok, 1 some line was refused or output failed, 2 usage error.\n";

/* A line of input, capped at NAME_MAX_BYTES bytes. */
struct keys_line {
	char text[NAME_MAX_BYTES + 2];
	size_t len;
	bool too_long;
	bool has_nul;
};

/*
 * Read one line (without its \n, nor a \r before it) from f. Returns false
 * at end of input with nothing read. Bytes past the cap are read and
 * dropped, and the line is marked too long.
 */
static bool keys_read_line(FILE *f, struct keys_line *l)
{
	int ch;
	bool any = false;

	l->len = 0;
	l->too_long = false;
	l->has_nul = false;
	while ((ch = getc(f)) != EOF) {
		any = true;
		if (ch == '\n')
			break;
		if (ch == '\0')
			l->has_nul = true;
		if (l->len < sizeof l->text - 1)
			l->text[l->len++] = (char)ch;
		else
			l->too_long = true;
	}
	if (l->len > 0 && l->text[l->len - 1] == '\r')
		l->len--;
	if (l->len > NAME_MAX_BYTES)
		l->too_long = true;
	l->text[l->len] = '\0';
	return any;
}

/* Print the keys of name's tokens (KEYS above). 0 or a negative enum err. */
static int keys_print_keys(const char *name, FILE *out)
{
	char buf[NAME_TOKENS_BUF_BYTES];
	const char *tokens[NAME_MAX_TOKENS];
	bool first_token = true;
	int n = name_tokens(name, buf, sizeof buf, tokens);

	if (n < 0)
		return n;
	for (int i = 0; i < n; i++) {
		char keys[XKEY_COUNT][XKEY_MAX];
		int n_keys = names_xkeys(tokens[i], keys);
		if (n_keys < 0)
			return n_keys;
		if (n_keys == 0)
			continue;
		if (!first_token)
			fputc(' ', out);
		first_token = false;
		for (int k = 0; k < n_keys; k++) {
			if (k > 0)
				fputc('|', out);
			fputs(keys[k], out);
		}
	}
	return 0;
}

int cli_link_keys_main(int argc, char **argv)
{
	struct keys_line line;
	char normal[NAME_MAX_BYTES + 1];
	unsigned long line_no = 0;
	int status = 0;

	if (cli_wants_help(argc, argv)) {
		fputs(keys_usage, stdout);
		return 0;
	}
	if (argc > 1) {
		fprintf(stderr, "ihala link keys: unexpected argument `%s`; names come on standard input\n\n%s",
			argv[1], keys_usage);
		return 2;
	}
	while (keys_read_line(stdin, &line)) {
		int rc;

		line_no++;
		if (line.has_nul)
			rc = ERR_INVALID;
		else if (line.too_long)
			rc = ERR_TOO_LARGE;
		else
			rc = name_normalize(line.text, normal, sizeof normal);
		if (rc != 0) {
			if (rc == ERR_TOO_LARGE)
				fprintf(stderr, "ihala link keys: line %lu: longer than %d bytes; skipped\n",
					line_no, NAME_MAX_BYTES);
			else
				fprintf(stderr, "ihala link keys: line %lu: not valid UTF-8; skipped\n", line_no);
			status = 1;
			continue;
		}
		for (char *p = line.text; *p; p++)
			if (*p == '\t')
				*p = ' ';
		fputs(line.text, stdout);
		fputc('\t', stdout);
		fputs(normal, stdout);
		fputc('\t', stdout);
		/* name_normalize accepted the line: tokens and keys cannot refuse it */
		if (keys_print_keys(line.text, stdout) != 0) {
			fprintf(stderr, "ihala link keys: line %lu: keys failed\n", line_no);
			status = 1;
		}
		fputc('\n', stdout);
	}
	if (ferror(stdin)) {
		fprintf(stderr, "ihala link keys: reading standard input failed\n");
		status = 1;
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "ihala link keys: writing standard output failed\n");
		status = 1;
	}
	return status;
}
