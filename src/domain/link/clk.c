/*
 * clk.c: CLK encoding (keys, tokens, Bloom filter), sets of encodings and
 * the encoding file; see clk.h and docs/linkage.md.
 */
#include "clk.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../core/alloc.h"
#include "../../core/log.h"
#include "../names/names.h"

/* ---- parameters ---- */

/*
 * The keys of a CLK and how many bits each of their tokens sets. Every
 * value here is part of the format: changing one changes the params digest,
 * and files of the old and new parameters can no longer be compared.
 * Tuned on Febrl 4 (docs/linkage.md): names carry most of the identity;
 * the birth date's three parts fewer bits each; sex almost nothing (two
 * values shared by half of everyone) but it separates otherwise equal
 * records; a document number is nearly unique; an address's parts are
 * noisy and many.
 */
enum clk_key_id { KEY_GIVEN, KEY_FAMILY, KEY_BIRTH, KEY_SEX, KEY_DOCUMENT, KEY_ADDRESS, N_KEYS };
static const struct {
	const char *name;
	unsigned field;         /* CLK_F_* that selects it */
	const char *tokens;     /* described in the digest */
	unsigned k;             /* bits per token, at most 32 */
} keys[N_KEYS] = {
	[KEY_GIVEN] = { "given", CLK_F_NAMES, "padded bigrams of each names.h token", 10 },
	[KEY_FAMILY] = { "family", CLK_F_NAMES, "padded bigrams of each names.h token", 10 },
	[KEY_BIRTH] = { "birth", CLK_F_BIRTH, "y+YYYY m+MM d+DD", 20 },
	[KEY_SEX] = { "sex", CLK_F_SEX, "the registry gender value lowercased", 8 },
	[KEY_DOCUMENT] = { "document", CLK_F_DOCUMENT, "padded bigrams of the names.h document normal form", 15 },
	[KEY_ADDRESS] = { "address", CLK_F_ADDRESS, "padded bigrams of each names.h token of each part", 10 },
};

/* The user-facing field names, in bit order. */
static const char *const field_names[] = { "names", "birth", "sex", "document", "address" };
enum { N_FIELD_NAMES = sizeof(field_names) / sizeof(field_names[0]) };

int clk_fields_parse(const char *list, unsigned *fields)
{
	unsigned got = 0;
	const char *p = list;
	while (*p) {
		size_t len = strcspn(p, ",");
		int found = -1;
		for (int i = 0; i < N_FIELD_NAMES; i++)
			if (strlen(field_names[i]) == len && !strncmp(p, field_names[i], len))
				found = i;
		if (found < 0 || (got & (1u << found)))
			return ERR_INVALID;
		got |= 1u << found;
		p += len;
		if (*p == ',' && *++p == '\0')
			return ERR_INVALID;
	}
	*fields = got | CLK_F_NAMES;
	return 0;
}

void clk_fields_format(unsigned fields, char out[CLK_FIELDS_TEXT_MAX])
{
	size_t n = 0;
	out[0] = '\0';
	for (int i = 0; i < N_FIELD_NAMES; i++)
		if (fields & (1u << i))
			n += (size_t)snprintf(out + n, CLK_FIELDS_TEXT_MAX - n, "%s%s", n ? "," : "", field_names[i]);
}

/* Argon2id of the secret: fixed, since both parties must derive the same keys. */
#define KDF_OPS 3ULL
#define KDF_MEM (64ULL * 1024 * 1024)
static const unsigned char kdf_salt[crypto_pwhash_SALTBYTES] = "ihala clk v1 kdf";   /* 16 bytes, no NUL */

void clk_params_digest(unsigned fields, char out[33])
{
	char text[2048];
	size_t n = (size_t)snprintf(text, sizeof(text),
				    "ihala-clk %d; bits %d; kdf argon2id13 ops %llu mem %llu salt %.16s; "
				    "positions: keyed blake2b of the token, 2 bytes little-endian per bit, mod %d; "
				    "names: names.h normal form and tokens; ",
				    CLK_FORMAT_VERSION, CLK_BITS, KDF_OPS, KDF_MEM, (const char *)kdf_salt, CLK_BITS);
	for (int f = 0; f < N_KEYS && n < sizeof(text); f++)
		if (fields & keys[f].field)
			n += (size_t)snprintf(text + n, sizeof(text) - n, "%s: %s, k %u; ", keys[f].name,
					      keys[f].tokens, keys[f].k);
	assert(n < sizeof(text));
	unsigned char digest[16];
	crypto_generichash(digest, sizeof(digest), (const unsigned char *)text, n, NULL, 0);
	sodium_bin2hex(out, 33, digest, sizeof(digest));
}

/* ---- keys ---- */

struct clk_key {
	unsigned char field[N_KEYS][crypto_generichash_KEYBYTES];
	char check[17];
};

int clk_key_new(struct clk_key **out, const unsigned char *secret, size_t len)
{
	*out = NULL;
	if (len < CLK_SECRET_MIN || len > CLK_SECRET_MAX)
		return ERR_INVALID;
	if (sodium_init() < 0)
		return ERR_FAIL;
	struct clk_key *k = sodium_malloc(sizeof(*k));
	unsigned char *master = sodium_malloc(32);
	if (!k || !master) {
		sodium_free(k);
		sodium_free(master);
		return ERR_NOMEM;
	}
	if (crypto_pwhash(master, 32, (const char *)secret, len, kdf_salt, KDF_OPS, (size_t)KDF_MEM,
			  crypto_pwhash_ALG_ARGON2ID13) != 0) {
		log_error("clk key derivation failed (out of memory?)", "mem=%llu", KDF_MEM);
		sodium_free(k);
		sodium_free(master);
		return ERR_NOMEM;
	}
	for (int f = 0; f < N_KEYS; f++) {
		char label[32];
		int n = snprintf(label, sizeof(label), "field:%s", keys[f].name);
		crypto_generichash(k->field[f], sizeof(k->field[f]), (const unsigned char *)label, (size_t)n, master, 32);
	}
	unsigned char check[8];
	crypto_generichash(check, sizeof(check), (const unsigned char *)"check", 5, master, 32);
	sodium_bin2hex(k->check, sizeof(k->check), check, sizeof(check));
	sodium_free(master);
	sodium_mprotect_readonly(k);
	*out = k;
	return 0;
}

void clk_key_free(struct clk_key *key)
{
	sodium_free(key);   /* wipes */
}

void clk_key_check(const struct clk_key *key, char out[17])
{
	memcpy(out, key->check, 17);
}

int clk_key_from_file(struct clk_key **key, const char *path, char *err, size_t err_size)
{
	*key = NULL;
	if (sodium_init() < 0) {
		snprintf(err, err_size, "libsodium could not start");
		return ERR_FAIL;
	}
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		snprintf(err, err_size, "the secret file %s cannot be opened: %s", path, strerror(errno));
		return ERR_INVALID;
	}
	struct stat sb;
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
		close(fd);
		snprintf(err, err_size, "the secret file %s is not a regular file", path);
		return ERR_INVALID;
	}
	if (sb.st_uid != geteuid() || (sb.st_mode & 077)) {
		close(fd);
		snprintf(err, err_size, "the secret file %s must belong to you and be closed to others (chmod 600)",
			 path);
		return ERR_INVALID;
	}
	unsigned char *secret = sodium_malloc(CLK_SECRET_MAX + 1);
	if (!secret) {
		close(fd);
		snprintf(err, err_size, "out of memory");
		return ERR_NOMEM;
	}
	size_t len = 0;
	ssize_t got;
	while (len <= CLK_SECRET_MAX && (got = read(fd, secret + len, CLK_SECRET_MAX + 1 - len)) > 0)
		len += (size_t)got;
	close(fd);
	bool too_long = len > CLK_SECRET_MAX;
	while (!too_long && len > 0 && (secret[len - 1] == '\n' || secret[len - 1] == '\r'))
		len--;
	int rc;
	if (too_long || len < CLK_SECRET_MIN) {
		snprintf(err, err_size, "the secret in %s must be %d to %d bytes long", path, CLK_SECRET_MIN,
			 CLK_SECRET_MAX);
		rc = ERR_INVALID;
	} else {
		rc = clk_key_new(key, secret, len);
		if (rc < 0)
			snprintf(err, err_size, "the keys could not be derived from the secret");
	}
	sodium_free(secret);
	return rc;
}

/* ---- encoding ---- */

static void set_bits(const struct clk_key *key, enum clk_key_id f, const void *token, size_t len,
		     uint64_t out[CLK_WORDS])
{
	unsigned char h[64];
	unsigned k = keys[f].k;
	assert(k >= 1 && 2 * k <= sizeof(h));
	crypto_generichash(h, 2 * k, token, len, key->field[f], sizeof(key->field[f]));
	for (unsigned i = 0; i < k; i++) {
		unsigned pos = ((unsigned)h[2 * i] | (unsigned)h[2 * i + 1] << 8) % CLK_BITS;
		out[pos / 64] |= (uint64_t)1 << (pos % 64);
	}
	sodium_memzero(h, sizeof(h));
}

/* Length of the UTF-8 sequence starting at s (at least 1). */
static size_t utf8_len(const char *s)
{
	size_t n = 1;
	while (s[n] && ((unsigned char)s[n] & 0xC0) == 0x80)
		n++;
	return n;
}

/* The bigrams of " " + word + " ", by code point. */
static void encode_bigrams(const struct clk_key *key, enum clk_key_id f, const char *word, uint64_t out[CLK_WORDS])
{
	char padded[NAME_MAX_BYTES + 3];
	size_t len = strlen(word);
	if (len + 3 > sizeof(padded))
		return;   /* cannot happen: a token or normal form is at most NAME_MAX_BYTES */
	padded[0] = ' ';
	memcpy(padded + 1, word, len);
	padded[len + 1] = ' ';
	padded[len + 2] = '\0';
	const char *p = padded;
	size_t first = utf8_len(p);
	while (p[first]) {
		size_t second = utf8_len(p + first);
		set_bits(key, f, p, first + second, out);
		p += first;
		first = second;
	}
	sodium_memzero(padded, sizeof(padded));
}

/* The padded bigrams of every token of text into out; how many tokens, or negative. */
static int encode_text(const struct clk_key *key, enum clk_key_id f, const char *text, uint64_t out[CLK_WORDS])
{
	char buf[NAME_TOKENS_BUF_BYTES];
	const char *tokens[NAME_MAX_TOKENS];
	if (!text || !*text)
		return 0;
	int n = name_tokens(text, buf, sizeof(buf), tokens);
	if (n < 0)
		return ERR_INVALID;   /* not UTF-8, or too long */
	for (int t = 0; t < n; t++)
		encode_bigrams(key, f, tokens[t], out);
	sodium_memzero(buf, sizeof(buf));
	return n;
}

static bool digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* 1 when a date was encoded, 0 when absent, ERR_INVALID when malformed. */
static int encode_birth(const struct clk_key *key, const char *d, uint64_t out[CLK_WORDS])
{
	if (!d || !*d)
		return 0;
	size_t len = strlen(d);
	if (!((len == 4 || len == 7 || len == 10) && digits(d, 4) && (len < 7 || (d[4] == '-' && digits(d + 5, 2))) &&
	      (len < 10 || (d[7] == '-' && digits(d + 8, 2)))))
		return ERR_INVALID;
	char token[8];
	snprintf(token, sizeof(token), "y%.4s", d);
	set_bits(key, KEY_BIRTH, token, 5, out);
	if (len >= 7) {
		snprintf(token, sizeof(token), "m%.2s", d + 5);
		set_bits(key, KEY_BIRTH, token, 3, out);
	}
	if (len == 10) {
		snprintf(token, sizeof(token), "d%.2s", d + 8);
		set_bits(key, KEY_BIRTH, token, 3, out);
	}
	sodium_memzero(token, sizeof(token));
	return 1;
}

static int encode_sex(const struct clk_key *key, const char *sex, uint64_t out[CLK_WORDS])
{
	char token[32];
	size_t len = sex ? strlen(sex) : 0;
	if (len == 0 || !strcmp(sex, "NonSpecifiedUnknown"))
		return 0;
	if (len >= sizeof(token))
		return ERR_INVALID;
	for (size_t i = 0; i < len; i++) {
		char c = sex[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')))
			return ERR_INVALID;
		token[i] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
	}
	set_bits(key, KEY_SEX, token, len, out);
	return 0;
}

/* 1 when a document number was encoded, 0 when absent, ERR_INVALID when refused. */
static int encode_document(const struct clk_key *key, const char *doc, uint64_t out[CLK_WORDS])
{
	char normal[NAME_MAX_BYTES + 1];
	if (!doc || !*doc)
		return 0;
	if (name_normalize_doc(doc, normal, sizeof(normal)) < 0)
		return ERR_INVALID;
	if (!normal[0])
		return 0;
	encode_bigrams(key, KEY_DOCUMENT, normal, out);
	sodium_memzero(normal, sizeof(normal));
	return 1;
}

int clk_encode(const struct clk_key *key, unsigned fields, const struct clk_person *p, uint64_t out[CLK_WORDS])
{
	int found = 0, rc = 0;
	memset(out, 0, CLK_BYTES);
	for (int s = 0; rc >= 0 && s < CLK_SPELLINGS; s++) {
		int n = encode_text(key, KEY_GIVEN, p->given[s], out);
		rc = n < 0 ? n : rc;
		found += n > 0;
	}
	for (int s = 0; rc >= 0 && s < CLK_SPELLINGS; s++) {
		int n = encode_text(key, KEY_FAMILY, p->family[s], out);
		rc = n < 0 ? n : rc;
		found += n > 0;
	}
	if (rc >= 0 && (fields & CLK_F_BIRTH)) {
		int n = encode_birth(key, p->birth_date, out);
		rc = n < 0 ? n : rc;
		found += n > 0;
	}
	if (rc >= 0 && (fields & CLK_F_SEX))
		rc = encode_sex(key, p->sex, out);
	if (rc >= 0 && (fields & CLK_F_DOCUMENT)) {
		int n = encode_document(key, p->document, out);
		rc = n < 0 ? n : rc;
		found += n > 0;
	}
	for (int i = 0; rc >= 0 && (fields & CLK_F_ADDRESS) && i < CLK_ADDRESS_PARTS; i++) {
		int n = encode_text(key, KEY_ADDRESS, p->address[i], out);
		rc = n < 0 ? n : rc;
	}
	if (rc >= 0 && !found)
		rc = ERR_NOT_FOUND;
	if (rc < 0)
		memset(out, 0, CLK_BYTES);
	return rc;
}

/* ---- sets ---- */

/* Open addressing over reference indices + 1 (0: empty); FNV-1a of the text. */
struct ref_index {
	uint32_t *slots;
	size_t cap;   /* a power of two, at least twice the set's size */
};

static uint64_t ref_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	return h;
}

/* The slot that holds ref, or the empty slot where it would go. */
static uint32_t *index_slot(const struct clk_set *s, const struct ref_index *ix, const char *ref)
{
	size_t mask = ix->cap - 1;
	for (size_t i = ref_hash(ref) & mask;; i = (i + 1) & mask) {
		uint32_t v = ix->slots[i];
		if (v == 0 || !strcmp(clk_set_ref(s, v - 1), ref))
			return &ix->slots[i];
	}
}

static int index_grow(struct clk_set *s, struct ref_index *ix)
{
	size_t cap = ix->cap ? ix->cap * 2 : 1024;
	uint32_t *slots = xcalloc(cap, sizeof(*slots));
	if (!slots)
		return ERR_NOMEM;
	struct ref_index bigger = { slots, cap };
	for (size_t i = 0; i < s->n; i++)
		*index_slot(s, &bigger, clk_set_ref(s, i)) = (uint32_t)(i + 1);
	free(ix->slots);
	*ix = bigger;
	return 0;
}

void clk_set_init(struct clk_set *s)
{
	memset(s, 0, sizeof(*s));
}

void clk_set_release(struct clk_set *s)
{
	struct ref_index *ix = s->index;
	if (ix)
		free(ix->slots);
	free(ix);
	free(s->filters);
	free(s->pops);
	free(s->ref_off);
	free(s->ref_text);
	memset(s, 0, sizeof(*s));
}

bool clk_ref_valid(const char *ref)
{
	size_t n = ref ? strlen(ref) : 0;
	if (n == 0 || n > CLK_REF_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = ref[i];
		bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
		if (!alnum && (i == 0 || !strchr("._:-", c)))
			return false;
	}
	return true;
}

static int set_reserve(struct clk_set *s)
{
	if (s->n < s->cap)
		return 0;
	size_t cap = s->cap ? s->cap * 2 : 256;
	if (cap > CLK_MAX_RECORDS)
		cap = CLK_MAX_RECORDS;
	uint64_t *filters = aligned_alloc(64, cap * CLK_BYTES);
	uint16_t *pops = xreallocarray(s->pops, cap, sizeof(*pops));
	if (pops)
		s->pops = pops;
	uint32_t *offs = xreallocarray(s->ref_off, cap, sizeof(*offs));
	if (offs)
		s->ref_off = offs;
	if (!filters || !pops || !offs) {
		free(filters);
		return ERR_NOMEM;
	}
	if (s->n)
		memcpy(filters, s->filters, s->n * CLK_BYTES);
	free(s->filters);
	s->filters = filters;
	s->cap = cap;
	return 0;
}

int clk_set_add(struct clk_set *s, const char *ref, const uint64_t filter[CLK_WORDS])
{
	if (!clk_ref_valid(ref))
		return ERR_INVALID;
	if (s->n >= CLK_MAX_RECORDS)
		return ERR_TOO_LARGE;
	struct ref_index *ix = s->index;
	if (!ix) {
		ix = s->index = xcalloc(1, sizeof(*ix));
		if (!ix || index_grow(s, ix) < 0)
			return ERR_NOMEM;
	}
	if (*index_slot(s, ix, ref))
		return ERR_CONFLICT;
	size_t len = strlen(ref) + 1;
	if (s->text_len + len > s->text_cap) {
		size_t cap = s->text_cap ? s->text_cap * 2 : 4096;
		if (cap > UINT32_MAX)
			return ERR_TOO_LARGE;
		char *text = realloc(s->ref_text, cap);
		if (!text)
			return ERR_NOMEM;
		s->ref_text = text;
		s->text_cap = cap;
	}
	if (set_reserve(s) < 0 || ((s->n + 1) * 2 > ix->cap && index_grow(s, ix) < 0))
		return ERR_NOMEM;
	memcpy(s->ref_text + s->text_len, ref, len);
	s->ref_off[s->n] = (uint32_t)s->text_len;
	s->text_len += len;
	memcpy(s->filters + s->n * CLK_WORDS, filter, CLK_BYTES);
	s->pops[s->n] = (uint16_t)clk_popcount(filter);
	*index_slot(s, ix, ref) = (uint32_t)(s->n + 1);
	s->n++;
	return 0;
}

/* ---- the file ---- */

#define B64_LEN 172   /* sodium_base64_ENCODED_LEN(128, ORIGINAL) - 1 */
_Static_assert(sodium_base64_ENCODED_LEN(CLK_BYTES, sodium_base64_VARIANT_ORIGINAL) == B64_LEN + 1,
	       "base64 length");

void clk_file_header(const struct clk_set *s, const char *check, char out[CLK_HEADER_MAX])
{
	char fields[CLK_FIELDS_TEXT_MAX], params[33];
	clk_fields_format(s->fields, fields);
	clk_params_digest(s->fields, params);
	snprintf(out, CLK_HEADER_MAX, "ihala-clk %d bits=%d fields=%s params=%s check=%s records=%zu",
		 CLK_FORMAT_VERSION, CLK_BITS, fields, params, check, s->n);
}

static void filter_bytes(const uint64_t *w, unsigned char out[CLK_BYTES])
{
	for (int i = 0; i < CLK_WORDS; i++)
		for (int j = 0; j < 8; j++)
			out[8 * i + j] = (unsigned char)(w[i] >> (8 * j));
}

static void filter_words(const unsigned char *b, uint64_t out[CLK_WORDS])
{
	for (int i = 0; i < CLK_WORDS; i++) {
		uint64_t w = 0;
		for (int j = 7; j >= 0; j--)
			w = w << 8 | b[8 * i + j];
		out[i] = w;
	}
}

int clk_file_write(const char *path, const struct clk_set *s, const char *check, char *err, size_t err_size)
{
	char tmp[4096];
	if (snprintf(tmp, sizeof(tmp), "%s.partial", path) >= (int)sizeof(tmp)) {
		snprintf(err, err_size, "the path is too long");
		return ERR_FAIL;
	}
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		snprintf(err, err_size, "cannot create %s: %s", tmp, strerror(errno));
		return ERR_FAIL;
	}
	FILE *f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		unlink(tmp);
		snprintf(err, err_size, "cannot write %s", tmp);
		return ERR_FAIL;
	}
	char header[CLK_HEADER_MAX];
	clk_file_header(s, check, header);
	fprintf(f, "%s\n", header);
	for (size_t i = 0; i < s->n; i++) {
		unsigned char bytes[CLK_BYTES];
		char b64[B64_LEN + 1];
		filter_bytes(clk_set_filter(s, i), bytes);
		sodium_bin2base64(b64, sizeof(b64), bytes, sizeof(bytes), sodium_base64_VARIANT_ORIGINAL);
		fprintf(f, "%s\t%s\n", clk_set_ref(s, i), b64);
	}
	int rc = ferror(f) || fflush(f) != 0 || fsync(fd) != 0 ? ERR_FAIL : 0;
	if (fclose(f) != 0)
		rc = ERR_FAIL;
	if (rc == 0 && rename(tmp, path) != 0)
		rc = ERR_FAIL;
	if (rc < 0) {
		snprintf(err, err_size, "cannot write %s: %s", path, strerror(errno));
		unlink(tmp);
	}
	return rc;
}

void clk_parser_init(struct clk_parser *p, struct clk_set *set, char *err, size_t err_size)
{
	memset(p, 0, sizeof(*p));
	p->set = set;
	p->err = err;
	p->err_size = err_size;
}

static bool hex_of(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

static int parse_header(struct clk_parser *p, const char *line, size_t len)
{
	char fields_text[CLK_FIELDS_TEXT_MAX], params[33], check[17], copy[CLK_HEADER_MAX];
	unsigned long long records;
	unsigned fields;
	int version, bits;
	if (len >= sizeof(copy) || memchr(line, '\0', len))
		goto bad;
	memcpy(copy, line, len);
	copy[len] = '\0';
	if (sscanf(copy, "ihala-clk %d bits=%d fields=%47s params=%32s check=%16s records=%llu", &version, &bits,
		   fields_text, params, check, &records) != 6)
		goto bad;
	if (version != CLK_FORMAT_VERSION) {
		snprintf(p->err, p->err_size, "line 1: format version %d; this ihala reads version %d", version,
			 CLK_FORMAT_VERSION);
		return ERR_INVALID;
	}
	if (bits != CLK_BITS || clk_fields_parse(fields_text, &fields) < 0 || strlen(params) != 32 ||
	    !hex_of(params, 32) || strlen(check) != 16 || !hex_of(check, 16))
		goto bad;
	char expect[33];
	clk_params_digest(fields, expect);
	if (strcmp(params, expect) != 0) {
		snprintf(p->err, p->err_size,
			 "line 1: encoded with other parameters (params=%s; this ihala makes %s for fields %s): "
			 "both parties must use the same version of ihala",
			 params, expect, fields_text);
		return ERR_INVALID;
	}
	if (records > CLK_MAX_RECORDS) {
		snprintf(p->err, p->err_size, "line 1: more than %d records", CLK_MAX_RECORDS);
		return ERR_TOO_LARGE;
	}
	/* Exactly the canonical header, nothing more. */
	p->expected = (size_t)records;
	p->set->fields = fields;
	memcpy(p->set->check, check, sizeof(p->set->check));
	char canon[CLK_HEADER_MAX];
	struct clk_set none = { .n = p->expected, .fields = fields };
	clk_file_header(&none, check, canon);
	if (strcmp(canon, copy) != 0)
		goto bad;
	return 0;
bad:
	snprintf(p->err, p->err_size, "line 1: not an ihala CLK file header (\"ihala-clk %d bits=%d fields=... "
		 "params=... check=... records=N\")", CLK_FORMAT_VERSION, CLK_BITS);
	return ERR_INVALID;
}

int clk_parser_line(struct clk_parser *p, const char *line, size_t len)
{
	p->line++;
	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (p->line == 1)
		return parse_header(p, line, len);
	if (p->set->n >= p->expected) {
		snprintf(p->err, p->err_size, "line %zu: more records than the header's %zu", p->line, p->expected);
		return ERR_INVALID;
	}
	const char *tab = memchr(line, '\t', len);
	size_t ref_len = tab ? (size_t)(tab - line) : 0;
	char ref[CLK_REF_MAX + 1];
	if (!tab || ref_len == 0 || ref_len > CLK_REF_MAX) {
		snprintf(p->err, p->err_size, "line %zu: expected REFERENCE<TAB>BASE64", p->line);
		return ERR_INVALID;
	}
	memcpy(ref, line, ref_len);
	ref[ref_len] = '\0';
	const char *b64 = tab + 1;
	size_t b64_len = len - ref_len - 1;
	unsigned char bytes[CLK_BYTES];
	size_t bin_len = 0;
	const char *end = NULL;
	if (b64_len != B64_LEN ||
	    sodium_base642bin(bytes, sizeof(bytes), b64, b64_len, NULL, &bin_len, &end,
			      sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    bin_len != CLK_BYTES || end != b64 + b64_len) {
		snprintf(p->err, p->err_size, "line %zu: the encoding is not %d base64 characters of %d bytes", p->line,
			 B64_LEN, CLK_BYTES);
		return ERR_INVALID;
	}
	uint64_t filter[CLK_WORDS];
	filter_words(bytes, filter);
	int rc = clk_set_add(p->set, ref, filter);
	if (rc == ERR_INVALID)
		snprintf(p->err, p->err_size,
			 "line %zu: a reference is 1 to %d characters of A-Z a-z 0-9 . _ : -, beginning with a "
			 "letter or digit", p->line, CLK_REF_MAX);
	else if (rc == ERR_CONFLICT)
		snprintf(p->err, p->err_size, "line %zu: a reference seen on an earlier line", p->line);
	else if (rc < 0)
		snprintf(p->err, p->err_size, "line %zu: %s", p->line, rc == ERR_TOO_LARGE ? "too many records"
											 : "out of memory");
	return rc == ERR_CONFLICT ? ERR_INVALID : rc;
}

int clk_parser_finish(struct clk_parser *p)
{
	if (p->line == 0) {
		snprintf(p->err, p->err_size, "the file is empty");
		return ERR_INVALID;
	}
	if (p->set->n != p->expected) {
		snprintf(p->err, p->err_size, "%zu records where the header says %zu (a truncated file?)", p->set->n,
			 p->expected);
		return ERR_INVALID;
	}
	return 0;
}

int clk_set_parse(struct clk_set *s, const char *text, size_t len, char *err, size_t err_size)
{
	struct clk_parser p;
	clk_parser_init(&p, s, err, err_size);
	size_t at = 0;
	while (at < len) {
		const char *nl = memchr(text + at, '\n', len - at);
		size_t line_len = nl ? (size_t)(nl - (text + at)) : len - at;
		int rc = clk_parser_line(&p, text + at, line_len);
		if (rc < 0)
			return rc;
		at += line_len + 1;
	}
	return clk_parser_finish(&p);
}

int clk_file_read(const char *path, struct clk_set *s, char *err, size_t err_size)
{
	FILE *f = fopen(path, "re");
	if (!f) {
		snprintf(err, err_size, "cannot open %s: %s", path, strerror(errno));
		return ERR_FAIL;
	}
	struct clk_parser p;
	clk_parser_init(&p, s, err, err_size);
	char line[512];
	int rc = 0;
	while (rc == 0 && fgets(line, sizeof(line), f)) {
		size_t len = strlen(line);
		if (len > 0 && line[len - 1] == '\n') {
			len--;
		} else if (!feof(f)) {
			snprintf(err, err_size, "%s line %zu: too long", path, p.line + 1);
			rc = ERR_INVALID;
			break;
		}
		rc = clk_parser_line(&p, line, len);
	}
	if (rc == 0 && ferror(f)) {
		snprintf(err, err_size, "cannot read %s", path);
		rc = ERR_FAIL;
	}
	fclose(f);
	return rc < 0 ? rc : clk_parser_finish(&p);
}
