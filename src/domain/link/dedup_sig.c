/*
 * dedup_sig.c: the comparison signature of a person and the comparison
 * vector of two signatures (dedup.h, points 1 and 2).
 *
 * Stored form (link_cases.sig): one byte DEDUP_SIG_VERSION, then DP_COUNT bytes
 * holding each part's number of hashes, then the hashes part after part,
 * 8 bytes each, little-endian, sorted and distinct within a part.
 */
#include "dedup.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "../../crypto/hash.h"
#include "../names/names.h"
#include "../names/xscript.h"

/* Tokens this long (code points) or longer get their one-letter variants; shorter ones meet exactly only. */
#define CLOSE_MIN_CHARS 4
#define CLOSE_MAX_CHARS 40
/* Documents this long or longer get their one-character variants. */
#define DOC_CLOSE_MIN 5

struct builder {
	unsigned char key[crypto_shorthash_KEYBYTES];   /* derived from the blind-index key; wiped */
	uint64_t h[DP_COUNT][DEDUP_PART_MAX];
	unsigned n[DP_COUNT];
	int err;
};

static uint64_t le64(const unsigned char *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static void put_le64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++, v >>= 8)
		p[i] = (unsigned char)(v & 0xff);
}

/*
 * Add the keyed hash of (domain, NUL, text) to part p: SipHash-2-4
 * (libsodium's crypto_shorthash), a keyed function with 64-bit output,
 * which is all a signature keeps; a tenth of the cost of BLAKE2b, and a
 * signature takes about forty of them.
 */
static void add(struct builder *b, enum dedup_part p, const char *domain, const char *text)
{
	unsigned char in[16 + NAME_MAX_BYTES + 1], out[crypto_shorthash_BYTES];
	size_t dl = strlen(domain), tl = strlen(text);
	if (b->err || !tl || b->n[p] == DEDUP_PART_MAX)
		return;
	if (dl >= 16 || tl > NAME_MAX_BYTES)
		return;   /* not a name, date or document of any real person: left out */
	memcpy(in, domain, dl + 1);
	memcpy(in + dl + 1, text, tl);
	crypto_shorthash(out, in, dl + 1 + tl, b->key);
	b->h[p][b->n[p]++] = le64(out);
}

/* Length in bytes of the UTF-8 sequence that starts with byte c (1 for anything unexpected). */
static size_t utf8_len(unsigned char c)
{
	if (c >= 0xf0)
		return 4;
	if (c >= 0xe0)
		return 3;
	if (c >= 0xc0)
		return 2;
	return 1;
}

/* Each variant of text with one character (code point) left out, into part p. */
static void add_variants(struct builder *b, enum dedup_part p, const char *domain, const char *text, size_t min_chars)
{
	size_t len = strlen(text), starts[CLOSE_MAX_CHARS + 1], n = 0;
	for (size_t i = 0; i < len; i += utf8_len((unsigned char)text[i])) {
		if (n == CLOSE_MAX_CHARS)
			return;   /* not a name: no variants */
		starts[n++] = i;
	}
	if (n < min_chars)
		return;
	starts[n] = len;
	char variant[CLOSE_MAX_CHARS * 4 + 1];
	for (size_t k = 0; k < n; k++) {
		size_t head = starts[k], tail = starts[k + 1];
		if (len - (tail - head) >= sizeof(variant))
			return;
		memcpy(variant, text, head);
		memcpy(variant + head, text + tail, len - tail);
		variant[len - (tail - head)] = '\0';
		add(b, p, domain, variant);
	}
}

/* Which parts the name field `key` feeds (exact, close, key); false when it is not a name field. */
static bool name_parts(const char *key, enum dedup_part *exact, enum dedup_part *close, int *xkey)
{
	if (!strncmp(key, "given_name", 10)) {
		*exact = DP_GIVEN, *close = DP_GIVEN_CLOSE, *xkey = DP_GIVEN_KEY;
		return true;
	}
	if (!strncmp(key, "family_name", 11)) {
		*exact = DP_FAMILY, *close = DP_FAMILY_CLOSE, *xkey = DP_FAMILY_KEY;
		return true;
	}
	if (!strncmp(key, "middle_name", 11) || !strncmp(key, "other_names", 11)) {
		*exact = DP_OTHER, *close = DP_OTHER_CLOSE, *xkey = -1;
		return true;
	}
	return false;
}

static void add_name(struct builder *b, const char *key, const char *value)
{
	enum dedup_part exact, close;
	int xkey;
	if (!name_parts(key, &exact, &close, &xkey))
		return;
	char buf[NAME_TOKENS_BUF_BYTES];
	const char *tokens[NAME_MAX_TOKENS];
	int n = name_tokens(value, buf, sizeof(buf), tokens);
	for (int i = 0; i < n; i++) {
		add(b, exact, "link.name", tokens[i]);
		add_variants(b, close, "link.name", tokens[i], CLOSE_MIN_CHARS);
		if (xkey < 0)
			continue;
		char keys[XKEY_COUNT][XKEY_MAX];
		int nk = names_xkeys(tokens[i], keys);
		for (int k = 0; k < nk; k++)
			add(b, (enum dedup_part)xkey, "link.xkey", keys[k]);
	}
}

static void add_birth(struct builder *b, const char *date)
{
	/* The registry has checked YYYY-MM-DD. */
	if (strlen(date) != 10 || date[4] != '-' || date[7] != '-')
		return;
	char digits[9], year[5];
	memcpy(digits, date, 4);
	memcpy(digits + 4, date + 5, 2);
	memcpy(digits + 6, date + 8, 2);
	digits[8] = '\0';
	memcpy(year, date, 4);
	year[4] = '\0';
	add(b, DP_BIRTH, "link.birth", digits);
	add_variants(b, DP_BIRTH_CLOSE, "link.birth", digits, 8);
	add(b, DP_BIRTH_YEAR, "link.year", year);
}

static void add_doc(struct builder *b, const char *value)
{
	char doc[NAME_MAX_BYTES];
	if (name_normalize_doc(value, doc, sizeof(doc)) < 0 || !doc[0])
		return;
	add(b, DP_DOC, "link.doc", doc);
	add_variants(b, DP_DOC_CLOSE, "link.doc", doc, DOC_CLOSE_MIN);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

int dedup_sig_build(const unsigned char key[32], const json_t *person, unsigned char **out, size_t *len)
{
	*out = NULL;
	*len = 0;
	struct builder *b = calloc(1, sizeof(*b));
	if (!b)
		return ERR_NOMEM;
	static const char purpose[] = "ihala duplicate signature v1";
	if (crypto_generichash(b->key, sizeof(b->key), (const unsigned char *)purpose, sizeof(purpose) - 1, key, 32) < 0) {
		free(b);
		return ERR_FAIL;
	}
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)person, k, v) {
		if (json_is_string(v)) {
			const char *s = json_string_value(v);
			if (!strcmp(k, "birth_date"))
				add_birth(b, s);
			else if (!strcmp(k, "document_number"))
				add_doc(b, s);
			else if (!strcmp(k, "gender"))
				add(b, DP_SEX, "link.sex", s);
			else if (!strcmp(k, "citizenship"))
				add(b, DP_CITIZENSHIP, "link.country", s);
			else
				add_name(b, k, s);
		} else if (json_is_array(v) && !strcmp(k, "citizenship")) {
			size_t i;
			json_t *e;
			json_array_foreach(v, i, e) {
				if (json_is_string(e))
					add(b, DP_CITIZENSHIP, "link.country", json_string_value(e));
			}
		}
	}
	int rc = b->err;
	size_t total = 0;
	for (int p = 0; rc == 0 && p < DP_COUNT; p++) {
		qsort(b->h[p], b->n[p], sizeof(uint64_t), cmp_u64);
		unsigned w = 0;
		for (unsigned i = 0; i < b->n[p]; i++)
			if (w == 0 || b->h[p][i] != b->h[p][w - 1])
				b->h[p][w++] = b->h[p][i];
		b->n[p] = w;
		total += w;
	}
	unsigned char *buf = rc == 0 ? malloc(1 + DP_COUNT + 8 * total) : NULL;
	if (rc == 0 && !buf)
		rc = ERR_NOMEM;
	if (rc == 0) {
		unsigned char *w = buf;
		*w++ = DEDUP_SIG_VERSION;
		for (int p = 0; p < DP_COUNT; p++)
			*w++ = (unsigned char)b->n[p];
		for (int p = 0; p < DP_COUNT; p++)
			for (unsigned i = 0; i < b->n[p]; i++, w += 8)
				put_le64(w, b->h[p][i]);
		*out = buf;
		*len = (size_t)(w - buf);
	}
	sodium_memzero(b->key, sizeof(b->key));
	free(b);
	return rc;
}

int dedup_sig_count(const unsigned char *buf, size_t len)
{
	if (!buf || len < 1 + DP_COUNT || buf[0] != DEDUP_SIG_VERSION)
		return ERR_INVALID;
	size_t total = 0;
	for (int p = 0; p < DP_COUNT; p++) {
		if (buf[1 + p] > DEDUP_PART_MAX)
			return ERR_INVALID;
		total += buf[1 + p];
	}
	return len == 1 + DP_COUNT + 8 * total ? (int)total : ERR_INVALID;
}

void dedup_sig_decode(const unsigned char *buf, uint64_t *pool, struct dedup_sig *s)
{
	const unsigned char *r = buf + 1 + DP_COUNT;
	for (int p = 0; p < DP_COUNT; p++) {
		s->part[p] = pool;
		s->n[p] = buf[1 + p];
		for (unsigned i = 0; i < s->n[p]; i++, r += 8)
			*pool++ = le64(r);
	}
}

int dedup_sig_put(struct ctx *c, const char *case_id, const json_t *person)
{
	unsigned char *sig;
	size_t len;
	int rc = dedup_sig_build(keyring_subkey(c->app->kr, KEY_BLIND), person, &sig, &len);
	if (rc < 0)
		return rc;
	char person_id[ID_HEX_LEN + 1];
	random_id(person_id);
	struct store_stmt *st;
	rc = store_prepare(c->db, &st, "INSERT INTO link_cases (case_id, person_id, sig) VALUES (?, ?, ?) "
				       "ON CONFLICT (case_id) DO UPDATE SET sig = excluded.sig");
	if (rc == 0) {
		store_bind_text(st, 1, case_id);
		store_bind_text(st, 2, person_id);
		store_bind_blob(st, 3, sig, len);
		rc = store_step(st) < 0 ? ERR_FAIL : 0;
		store_finalize(st);
	}
	free(sig);
	return rc < 0 ? ERR_FAIL : 0;
}

/* ---- comparison ---- */

/* Do two sorted lists share a value? */
static bool meet(const uint64_t *a, unsigned na, const uint64_t *b, unsigned nb)
{
	unsigned i = 0, j = 0;
	while (i < na && j < nb) {
		if (a[i] == b[j])
			return true;
		if (a[i] < b[j])
			i++;
		else
			j++;
	}
	return false;
}

static bool meet_parts(const struct dedup_sig *a, enum dedup_part pa, const struct dedup_sig *b, enum dedup_part pb)
{
	return meet(a->part[pa], a->n[pa], b->part[pb], b->n[pb]);
}

/* Does a token (or variant) of a's name part (exact, close) meet one of b's parts (exact, close)? */
static bool close_meet(const struct dedup_sig *a, enum dedup_part ea, enum dedup_part ca, const struct dedup_sig *b,
		       enum dedup_part eb, enum dedup_part cb)
{
	return meet_parts(a, ea, b, eb) || meet_parts(a, ea, b, cb) || meet_parts(a, ca, b, eb) ||
	       meet_parts(a, ca, b, cb);
}

enum { NAME_EXACT, NAME_CLOSE, NAME_SOUND, NAME_OTHER_FIELD, NAME_DIFFER };

/* The level of one name field: parts (exact, close, key) of the field and (exact, close) of the other role. */
static int name_level(const struct dedup_sig *a, const struct dedup_sig *b, enum dedup_part e, enum dedup_part cl,
		      enum dedup_part k, enum dedup_part oe, enum dedup_part oc)
{
	if (!a->n[e] || !b->n[e])
		return DEDUP_MISSING;
	if (meet_parts(a, e, b, e))
		return NAME_EXACT;
	if (close_meet(a, e, cl, b, e, cl))
		return NAME_CLOSE;
	if (meet_parts(a, k, b, k))
		return NAME_SOUND;
	if (close_meet(a, e, cl, b, oe, oc) || close_meet(a, e, cl, b, DP_OTHER, DP_OTHER_CLOSE) ||
	    close_meet(b, e, cl, a, oe, oc) || close_meet(b, e, cl, a, DP_OTHER, DP_OTHER_CLOSE))
		return NAME_OTHER_FIELD;
	return NAME_DIFFER;
}

void dedup_compare(const struct dedup_sig *a, const struct dedup_sig *b, signed char v[DF_COUNT])
{
	v[DF_GIVEN] = (signed char)name_level(a, b, DP_GIVEN, DP_GIVEN_CLOSE, DP_GIVEN_KEY, DP_FAMILY, DP_FAMILY_CLOSE);
	v[DF_FAMILY] = (signed char)name_level(a, b, DP_FAMILY, DP_FAMILY_CLOSE, DP_FAMILY_KEY, DP_GIVEN, DP_GIVEN_CLOSE);
	if (!a->n[DP_BIRTH] || !b->n[DP_BIRTH])
		v[DF_BIRTH] = DEDUP_MISSING;
	else if (meet_parts(a, DP_BIRTH, b, DP_BIRTH))
		v[DF_BIRTH] = 0;
	else if (close_meet(a, DP_BIRTH, DP_BIRTH_CLOSE, b, DP_BIRTH, DP_BIRTH_CLOSE))
		v[DF_BIRTH] = 1;
	else
		v[DF_BIRTH] = meet_parts(a, DP_BIRTH_YEAR, b, DP_BIRTH_YEAR) ? 2 : 3;
	if (!a->n[DP_DOC] || !b->n[DP_DOC])
		v[DF_DOC] = DEDUP_MISSING;
	else if (meet_parts(a, DP_DOC, b, DP_DOC))
		v[DF_DOC] = 0;
	else
		v[DF_DOC] = close_meet(a, DP_DOC, DP_DOC_CLOSE, b, DP_DOC, DP_DOC_CLOSE) ? 1 : 2;
	if (!a->n[DP_SEX] || !b->n[DP_SEX])
		v[DF_SEX] = DEDUP_MISSING;
	else
		v[DF_SEX] = meet_parts(a, DP_SEX, b, DP_SEX) ? 0 : 1;
	if (!a->n[DP_CITIZENSHIP] || !b->n[DP_CITIZENSHIP])
		v[DF_CITIZENSHIP] = DEDUP_MISSING;
	else
		v[DF_CITIZENSHIP] = meet_parts(a, DP_CITIZENSHIP, b, DP_CITIZENSHIP) ? 0 : 1;
}
