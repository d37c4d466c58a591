/* config.c: DIR/ihala.conf; see config.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"

void config_defaults(struct config *cfg, const char *dir)
{
	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->dir, sizeof(cfg->dir), "%s", dir);
	snprintf(cfg->db, sizeof(cfg->db), "%s/ihala.db", dir);
	snprintf(cfg->listen, sizeof(cfg->listen), "127.0.0.1:8080");
	cfg->session_idle = 1800;
	cfg->session_absolute = 43200;
	cfg->session_cache = 10;
	cfg->threads = 0;   /* auto: config_threads */
	cfg->max_body = 1024 * 1024;
	cfg->max_depth = 32;
	cfg->checkpoint_every = 1000;
	cfg->retention_closed_days = 1825;
	cfg->retention_closed_referred_days = 1825;
	cfg->retention_active_days = 0;
	cfg->ident_reasonable_grounds_days = 5;
	cfg->ident_conclusive_days = 45;
	cfg->ident_reflection_days = 30;
	cfg->link_review_weight = 0;
	cfg->link_likely_weight = 4;
	cfg->link_block_max = 50;
	cfg->stats_publication_threshold = 11;
	cfg->stats_ctdc_k = 11;
	cfg->stats_dp_budget_milli = 4000;
	cfg->stats_dp_max_epsilon_milli = 1000;
	static const long ack[3] = { 4, 24, 72 }, answer[3] = { 24, 72, 240 };
	for (int i = 0; i < 3; i++) {
		cfg->referral_ack_hours[i] = ack[i];
		cfg->referral_answer_hours[i] = answer[i];
	}
}

static const char *const urgency_keys[3] = { "immediate", "urgent", "routine" };

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
		s[--n] = '\0';
	return s;
}

/* Parse a positive decimal number within [min, max]; 0 or -1. */
static int parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/*
 * A decimal with at most three digits after the point ("4", "0.5", "1.25")
 * as thousandths within [min, max]; 0 or -1. Epsilons are kept this way, so
 * that budgets add up exactly.
 */
static int parse_milli(const char *s, long min, long max, long *out)
{
	long whole = 0, frac = 0;
	int digits = 0, frac_digits = 0;
	const char *p = s;
	for (; *p >= '0' && *p <= '9'; p++, digits++)
		if ((whole = whole * 10 + (*p - '0')) > max / 1000 + 1)
			return -1;
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++, frac_digits++) {
			if (frac_digits == 3)
				return -1;
			frac = frac * 10 + (*p - '0');
		}
	if (*p || digits + frac_digits == 0)
		return -1;
	for (int k = frac_digits; k < 3; k++)
		frac *= 10;
	long v = whole * 1000 + frac;
	if (v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static int parse_bool(const char *s, bool *out)
{
	if (!strcmp(s, "true") || !strcmp(s, "yes") || !strcmp(s, "1")) {
		*out = true;
		return 0;
	}
	if (!strcmp(s, "false") || !strcmp(s, "no") || !strcmp(s, "0")) {
		*out = false;
		return 0;
	}
	return -1;
}

/*
 * A text value: printable ASCII without spaces (URLs, addresses, a path),
 * fitting dst; empty is allowed (the feature stays off). With prefixes, a
 * non-empty value must start with one of them (case-insensitive).
 */
static int set_text(char *dst, size_t size, const char *val, const char *prefix1, const char *prefix2)
{
	size_t n = strlen(val);
	if (n >= size)
		return -1;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)val[i] <= 0x20 || (unsigned char)val[i] >= 0x7f)
			return -1;
	if (n && prefix1 && strncasecmp(val, prefix1, strlen(prefix1)) &&
	    (!prefix2 || strncasecmp(val, prefix2, strlen(prefix2))))
		return -1;
	if (dst != val)
		memmove(dst, val, n + 1);
	return 0;
}

static int set_key(struct config *cfg, const char *key, const char *val)
{
	long n;
	if (!strcmp(key, "db")) {
		if (!*val)
			return -1;
		if (!strncmp(val, "postgres://", 11) || !strncmp(val, "postgresql://", 13) ||
		    !strncmp(val, "host=", 5) || val[0] == '/')
			snprintf(cfg->db, sizeof(cfg->db), "%s", val);
		else if (snprintf(cfg->db, sizeof(cfg->db), "%s/%s", cfg->dir, val) >= (int)sizeof(cfg->db))
			return -1;
		return 0;
	}
	if (!strcmp(key, "demo"))
		return parse_bool(val, &cfg->demo);
	if (!strcmp(key, "listen")) {
		char addr[128];
		unsigned port;
		if (config_split_listen(val, addr, sizeof(addr), &port) < 0)
			return -1;
		snprintf(cfg->listen, sizeof(cfg->listen), "%s", val);
		return 0;
	}
	if (!strcmp(key, "session_idle"))
		return parse_long(val, 1, 86400 * 7, &cfg->session_idle);
	if (!strcmp(key, "session_absolute"))
		return parse_long(val, 1, 86400 * 30, &cfg->session_absolute);
	if (!strcmp(key, "session_cache"))
		return parse_long(val, 0, 60, &cfg->session_cache);
	if (!strcmp(key, "threads")) {
		if (!strcmp(val, "auto")) {
			cfg->threads = 0;
			return 0;
		}
		if (parse_long(val, 1, 256, &n) < 0)
			return -1;
		cfg->threads = (unsigned)n;
		return 0;
	}
	if (!strcmp(key, "max_body")) {
		if (parse_long(val, 1024, 64L * 1024 * 1024, &n) < 0)
			return -1;
		cfg->max_body = (size_t)n;
		return 0;
	}
	if (!strcmp(key, "max_depth")) {
		if (parse_long(val, 2, 256, &n) < 0)
			return -1;
		cfg->max_depth = (size_t)n;
		return 0;
	}
	if (!strcmp(key, "checkpoint_every")) {
		if (parse_long(val, 1, 1000000, &n) < 0)
			return -1;
		cfg->checkpoint_every = (unsigned)n;
		return 0;
	}
	if (!strcmp(key, "retention_closed_days"))
		return parse_long(val, 0, 36500, &cfg->retention_closed_days);
	if (!strcmp(key, "retention_closed_referred_days"))
		return parse_long(val, 0, 36500, &cfg->retention_closed_referred_days);
	if (!strcmp(key, "retention_active_days"))
		return parse_long(val, 0, 36500, &cfg->retention_active_days);
	if (!strcmp(key, "ident_reasonable_grounds_days"))
		return parse_long(val, 1, 3650, &cfg->ident_reasonable_grounds_days);
	if (!strcmp(key, "ident_conclusive_days"))
		return parse_long(val, 1, 3650, &cfg->ident_conclusive_days);
	if (!strcmp(key, "ident_reflection_days"))
		return parse_long(val, 1, 3650, &cfg->ident_reflection_days);
	if (!strcmp(key, "link_review_weight"))
		return parse_long(val, -100, 100, &cfg->link_review_weight);
	if (!strcmp(key, "link_likely_weight"))
		return parse_long(val, -100, 100, &cfg->link_likely_weight);
	if (!strcmp(key, "link_block_max"))
		return parse_long(val, 2, 10000, &cfg->link_block_max);
	if (!strcmp(key, "stats_publication_threshold"))
		return parse_long(val, 2, 1000, &cfg->stats_publication_threshold);
	if (!strcmp(key, "stats_ctdc_k"))
		return parse_long(val, 2, 1000, &cfg->stats_ctdc_k);
	if (!strcmp(key, "stats_dp_budget"))
		return parse_milli(val, 0, 1000000, &cfg->stats_dp_budget_milli);
	if (!strcmp(key, "stats_dp_max_epsilon_per_release"))
		return parse_milli(val, 1, 1000000, &cfg->stats_dp_max_epsilon_milli);
	if (!strcmp(key, "smtp_url"))
		return set_text(cfg->smtp_url, sizeof(cfg->smtp_url), val, "smtp://", "smtps://");
	if (!strcmp(key, "smtp_from"))
		return set_text(cfg->smtp_from, sizeof(cfg->smtp_from), val, NULL, NULL);
	if (!strcmp(key, "smtp_user"))
		return set_text(cfg->smtp_user, sizeof(cfg->smtp_user), val, NULL, NULL);
	if (!strcmp(key, "public_url"))
		return set_text(cfg->public_url, sizeof(cfg->public_url), val, "https://", "http://");
	if (!strcmp(key, "link_secret_file")) {
		/* Absolute only: the secret is never kept in the data folder. */
		if (set_text(cfg->link_secret_file, sizeof(cfg->link_secret_file), val, NULL, NULL) < 0)
			return -1;
		return cfg->link_secret_file[0] && cfg->link_secret_file[0] != '/' ? -1 : 0;
	}
	if (!strcmp(key, "smtp_password_file")) {
		char path[sizeof(cfg->smtp_password_file)];
		if (set_text(path, sizeof(path), val, NULL, NULL) < 0)
			return -1;
		if (!*path || path[0] == '/')
			snprintf(cfg->smtp_password_file, sizeof(cfg->smtp_password_file), "%s", path);
		else if (snprintf(cfg->smtp_password_file, sizeof(cfg->smtp_password_file), "%s/%s", cfg->dir,
				  path) >= (int)sizeof(cfg->smtp_password_file))
			return -1;
		return 0;
	}
	for (int i = 0; i < 3; i++) {
		char k[48];
		snprintf(k, sizeof(k), "referral_ack_hours_%s", urgency_keys[i]);
		if (!strcmp(key, k))
			return parse_long(val, 1, 8760, &cfg->referral_ack_hours[i]);
		snprintf(k, sizeof(k), "referral_answer_hours_%s", urgency_keys[i]);
		if (!strcmp(key, k))
			return parse_long(val, 1, 8760, &cfg->referral_answer_hours[i]);
	}
	return -2;
}

static void env_override(const char *name, long *target)
{
	const char *v = getenv(name);
	long n;
	if (v && *v && parse_long(v, 1, 86400 * 30, &n) == 0)
		*target = n;
}

int config_load(struct config *cfg, const char *dir, char *err, size_t err_size)
{
	config_defaults(cfg, dir);
	char path[1100];
	snprintf(path, sizeof(path), "%s/ihala.conf", dir);
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(err, err_size, "%s is not an initialised ihala folder (no ihala.conf); run `ihala init %s` first",
			 dir, dir);
		return ERR_NOT_FOUND;
	}
	char line[2048];
	int lineno = 0, rc = 0;
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		char *hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		char *s = trim(line);
		if (!*s)
			continue;
		char *eq = strchr(s, '=');
		if (!eq) {
			snprintf(err, err_size, "ihala.conf line %d: expected `key = value`", lineno);
			rc = ERR_INVALID;
			break;
		}
		*eq = '\0';
		char *key = trim(s), *val = trim(eq + 1);
		int r = set_key(cfg, key, val);
		if (r == -2) {
			snprintf(err, err_size, "ihala.conf line %d: unknown key `%s`", lineno, key);
			rc = ERR_INVALID;
			break;
		}
		if (r < 0) {
			snprintf(err, err_size, "ihala.conf line %d: bad value for `%s`", lineno, key);
			rc = ERR_INVALID;
			break;
		}
	}
	fclose(f);
	if (rc == 0) {
		env_override("IHALA_SESSION_IDLE", &cfg->session_idle);
		env_override("IHALA_SESSION_ABSOLUTE", &cfg->session_absolute);
	}
	return rc;
}

int config_write(const struct config *cfg)
{
	char path[1100];
	snprintf(path, sizeof(path), "%s/ihala.conf", cfg->dir);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return ERR_FAIL;
	struct buf b;
	buf_init(&b, 64 * 1024);
	const char *db = cfg->db;
	size_t dl = strlen(cfg->dir);
	/* Keep the SQLite file relative so the folder can be moved or restored. */
	if (!strncmp(db, cfg->dir, dl) && db[dl] == '/')
		db += dl + 1;
	char threads[16] = "auto";
	if (cfg->threads)
		snprintf(threads, sizeof(threads), "%u", cfg->threads);
	buf_printf(&b,
		   "# ihala configuration; see `ihala serve --help` and docs/admin-guide.md\n"
		   "db = %s\ndemo = %s\nlisten = %s\nsession_idle = %ld\nsession_absolute = %ld\n"
		   "session_cache = %ld\nthreads = %s\nmax_body = %zu\nmax_depth = %zu\ncheckpoint_every = %u\n"
		   "# days kept before `ihala retention run` erases; 0 = never\n"
		   "retention_closed_days = %ld\nretention_closed_referred_days = %ld\n"
		   "retention_active_days = %ld\n"
		   "ident_reasonable_grounds_days = %ld\nident_conclusive_days = %ld\nident_reflection_days = %ld\n",
		   db, cfg->demo ? "true" : "false", cfg->listen, cfg->session_idle,
		   cfg->session_absolute, cfg->session_cache, threads, cfg->max_body, cfg->max_depth,
		   cfg->checkpoint_every, cfg->retention_closed_days,
		   cfg->retention_closed_referred_days, cfg->retention_active_days,
		   cfg->ident_reasonable_grounds_days, cfg->ident_conclusive_days, cfg->ident_reflection_days);
	buf_puts(&b, "# referral deadlines in hours, per urgency: acknowledge, then accept or decline\n");
	for (int i = 0; i < 3; i++)
		buf_printf(&b, "referral_ack_hours_%s = %ld\nreferral_answer_hours_%s = %ld\n", urgency_keys[i],
			   cfg->referral_ack_hours[i], urgency_keys[i], cfg->referral_answer_hours[i]);
	buf_printf(&b, "# duplicates (docs/linkage.md): review queue and likely from these match weights (bits)\n"
		       "link_review_weight = %ld\nlink_likely_weight = %ld\nlink_block_max = %ld\n",
		   cfg->link_review_weight, cfg->link_likely_weight, cfg->link_block_max);
	buf_puts(&b, "# notification e-mail, off while smtp_url is empty (docs/admin-guide.md):\n"
		     "# smtp_url = smtps://mail.example.org:465\n# smtp_from = ihala@example.org\n"
		     "# smtp_user = ihala\n# smtp_password_file = smtp.password\n"
		     "# public_url = https://ihala.example.org\n");
	int rc = buf_error(&b) ? ERR_FAIL : 0;
	if (rc == 0 && (write(fd, b.data, b.len) != (ssize_t)b.len || fsync(fd) != 0))
		rc = ERR_FAIL;
	buf_release(&b);
	if (close(fd) != 0)
		rc = ERR_FAIL;
	return rc;
}

unsigned config_threads(const struct config *cfg, bool postgres)
{
	if (cfg->threads)
		return cfg->threads;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	if (cpus < 1)
		cpus = 1;
	if (cpus > 256)
		cpus = 256;
	if (postgres)
		return cpus < 4 ? 4 : (unsigned)cpus;
	return cpus < 2 ? 2 : (unsigned)cpus;
}

int config_split_listen(const char *listen, char *addr, size_t addr_size, unsigned *port)
{
	const char *colon;
	const char *host = listen;
	size_t host_len;
	if (listen[0] == '[') {
		const char *close = strchr(listen, ']');
		if (!close || close[1] != ':')
			return ERR_INVALID;
		host = listen + 1;
		host_len = (size_t)(close - host);
		colon = close + 1;
	} else {
		colon = strrchr(listen, ':');
		if (!colon)
			return ERR_INVALID;
		host_len = (size_t)(colon - listen);
	}
	if (host_len == 0 || host_len >= addr_size)
		return ERR_INVALID;
	long p;
	if (parse_long(colon + 1, 0, 65535, &p) < 0)
		return ERR_INVALID;
	memcpy(addr, host, host_len);
	addr[host_len] = '\0';
	*port = (unsigned)p;
	return 0;
}
