/*
 * cli.h: the command-line subcommands dispatched by main.c, one entry point
 * per subcommand. Each takes the arguments after the program name (argv[0] is
 * the subcommand's name) and returns the process exit status: 0 ok, 1 a check
 * or an operation failed, 2 usage error.
 */
#ifndef IHALA_CLI_H
#define IHALA_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

/* `ihala audit verify DIR`, `ihala audit checkpoint DIR` (audit_cmd.c). */
int cli_audit_main(int argc, char **argv);
/* `ihala backup DIR DEST`, `ihala backup --verify DEST` (backup_cmd.c). */
int cli_backup_main(int argc, char **argv);

/* `ihala init [--demo] [--country CC] [--db URL] DIR` (init_cmd.c). */
int cli_init_main(int argc, char **argv);
/* `ihala serve DIR [--listen ADDR:PORT] [--db URL] [--insecure-http]` (serve_cmd.c). */
int cli_serve_main(int argc, char **argv);
/* `ihala user list|add|disable|enable|reset-password|end-sessions DIR ...` (user_cmd.c). */
int cli_user_main(int argc, char **argv);
/* `ihala org list|add DIR ...` (org_cmd.c). */
int cli_org_main(int argc, char **argv);
/* `ihala export DIR --out FILE [--format csv|xlsx] [--status S] [--limit N]` (export_cmd.c). */
int cli_export_main(int argc, char **argv);
/* `ihala retention run DIR [--dry-run]` (retention_cmd.c). */
int cli_retention_main(int argc, char **argv);
/* `ihala screening import-set DIR FILE | list-sets DIR` (screening_cmd.c). */
int cli_screening_main(int argc, char **argv);

/* `ihala link keys|dedup|encode|match ...` (link_cmd.c dispatches to link_*.c). */
int cli_link_main(int argc, char **argv);
int cli_link_keys_main(int argc, char **argv);     /* link_keys.c */
int cli_link_dedup_main(int argc, char **argv);    /* link_dedup.c */
int cli_link_encode_main(int argc, char **argv);   /* link_clk.c */
int cli_link_match_main(int argc, char **argv);    /* link_clk.c */

/* `ihala stats DIR ...`, `ihala stats report DIR --year Y`, `ihala stats ctdc ...` (stats_cmd.c). */
int cli_stats_main(int argc, char **argv);
/* `ihala stats ctdc DIR --out FILE [--k K] [--format csv|xlsx] [--from D] [--to D]` (stats_ctdc.c). */
int cmd_stats_ctdc(int argc, char **argv);

/* Shared by the subcommands (common.c). */
struct app;
/*
 * Open an initialised data folder: configuration (db_override replaces its
 * db when not NULL), keys, database (migrations applied), a pool of
 * pool_size connections. Prints a clear message to stderr on failure.
 */
int cli_app_open(struct app *app, const char *dir, const char *db_override, unsigned pool_size);
/*
 * The same without the master key and the audit signing key (app->kr and
 * app->signer stay NULL; the search index is not rebuilt): for statistics,
 * which need no key. Nothing that reads a case or appends to the audit log
 * may run on such an app.
 */
int cli_app_open_keyless(struct app *app, const char *dir);
void cli_app_close(struct app *app);
/* The highest migration number embedded in this binary. */
int cli_known_schema_version(void);
/* True when argv[i] is -h or --help for some i >= 1. */
int cli_wants_help(int argc, char **argv);

/*
 * A file given with --out, written whole or not at all (out_file.c): open
 * writes to PATH.partial (0600, no symbolic link followed); close with rc 0
 * makes it durable and renames it to PATH, with any other rc (or when that
 * fails) removes it. Each returns 0 or -1 (errno set by open).
 */
struct out_file {
	int fd;
	const char *path;
	char tmp[4096];
};
int out_file_open(struct out_file *f, const char *path);
int out_file_write(struct out_file *f, const void *data, size_t len);
/* rc: the caller's outcome so far; returns 0 only when the file is in place. */
int out_file_close(struct out_file *f, int rc);
struct problem;
/*
 * Demonstration cases (demo_cases.c): n_manager recorded by the demo user
 * "casemanager", n_responder by "responder", through case_create(). Takes a
 * connection from app->pool (so the caller must not hold the last one).
 */
int demo_cases_create(struct app *app, int n_manager, int n_responder, struct problem *pb);
/*
 * One synthetic case body (a registry case JSON, caller json_decref), drawn
 * from the generator state *seed, which it advances. today: days since the
 * epoch; home: the recording organisation's country. Also used by bench/.
 */
json_t *demo_case_make(uint64_t *seed, int64_t today, const char *home);

#endif
