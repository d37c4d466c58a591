/*
 * names.c: the normal form of personal names and identity document numbers
 * (rules in names.h). utf8proc does the Unicode work (validation, NFKD,
 * case folding, NFC, categories); this file holds only our rules, applied
 * explicitly by code point so that a reader can check them against names.h.
 *
 * name_normalize, in two passes:
 *   A. for each input code point: skip the Arabic harakat presentation forms
 *      (their decomposition starts with a space); decompose it (NFKD) and case
 *      fold it (utf8proc_decompose_char); for each resulting code point apply
 *      the letter and digit mappings, then drop marks / tatweel / format
 *      characters, turn separators, punctuation, symbols and controls into
 *      one pending space, and keep everything else.
 *   B. NFC (utf8proc_map with COMPOSE) over the result of A, so that scripts
 *      whose marks we keep (Devanagari, Hebrew, kana, Hangul jamo) come back
 *      composed. B never recreates an Arabic or Latin composite: A removed
 *      every mark they could compose with.
 * The result is idempotent: A's output holds only code points that A maps to
 * themselves, and B is NFC, which A's decomposition undoes canonically.
 */
#include <assert.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "core/err.h"
#include "names.h"

/* Pass A's output may be longer than the normal form (NFC composes Hangul
 * jamo 3:1 at most); four times the cap cannot reject a name that fits. */
#define WORK_BYTES (NAME_MAX_BYTES * 4)

/* The longest utf8proc decomposition of one code point is 18 (U+FDFA). */
#define DECOMP_MAX 64

/* ---- code point classes ---- */

static bool in_range(utf8proc_int32_t cp, utf8proc_int32_t lo, utf8proc_int32_t hi)
{
	return cp >= lo && cp <= hi;
}

/* The Unicode blocks that hold Arabic letters and marks. */
static bool is_arabic_block(utf8proc_int32_t cp)
{
	return in_range(cp, 0x0600, 0x06FF) || in_range(cp, 0x0750, 0x077F) ||
	       in_range(cp, 0x0870, 0x08FF) || in_range(cp, 0xFB50, 0xFDFF) ||
	       in_range(cp, 0xFE70, 0xFEFF);
}

/* The script-neutral combining diacritic blocks (accents on Latin, Greek, Cyrillic). */
static bool is_diacritic_block(utf8proc_int32_t cp)
{
	return in_range(cp, 0x0300, 0x036F) || in_range(cp, 0x1AB0, 0x1AFF) ||
	       in_range(cp, 0x1DC0, 0x1DFF) || in_range(cp, 0x20D0, 0x20FF) ||
	       in_range(cp, 0xFE20, 0xFE2F);
}

/*
 * Code points skipped before decomposition: the isolated and medial forms
 * of the harakat (U+FE70..FE7F) and the shadda ligatures U+FC5E..FC63,
 * whose compatibility decompositions begin with a space and would split a
 * word in two.
 */
static bool is_predropped(utf8proc_int32_t cp)
{
	return in_range(cp, 0xFE70, 0xFE7F) || in_range(cp, 0xFC5E, 0xFC63);
}

/* Modifier letters used as apostrophes in transliteration (ʹ ʺ ʻ ʼ ʽ ʾ ʿ). */
static bool is_apostrophe_letter(utf8proc_int32_t cp)
{
	return in_range(cp, 0x02B9, 0x02BF);
}

/*
 * The letter and digit rules of names.h, by code point. Returns the
 * replacement, or cp itself.
 */
static utf8proc_int32_t arabic_map(utf8proc_int32_t cp)
{
	if (in_range(cp, 0x0660, 0x0669))
		return '0' + (cp - 0x0660);   /* Arabic-Indic digits */
	if (in_range(cp, 0x06F0, 0x06F9))
		return '0' + (cp - 0x06F0);   /* Eastern Arabic-Indic digits */
	switch (cp) {
	case 0x0622:   /* alef with madda above */
	case 0x0623:   /* alef with hamza above */
	case 0x0625:   /* alef with hamza below */
	case 0x0671:   /* alef wasla */
		return 0x0627;
	case 0x0624:   /* waw with hamza above */
		return 0x0648;
	case 0x0626:   /* yeh with hamza above */
	case 0x0649:   /* alef maksura */
	case 0x06CC:   /* Farsi yeh (Persian and Kurdish keyboards) */
		return 0x064A;
	case 0x0629:   /* teh marbuta */
	case 0x06D5:   /* ae (Kurdish keyboards' final heh) */
	case 0x06C1:   /* heh goal (Urdu keyboards) */
		return 0x0647;
	case 0x06A9:   /* keheh (Persian and Kurdish keyboards' kaf) */
		return 0x0643;
	default:
		return cp;
	}
}

enum cp_class { CP_KEEP, CP_DROP, CP_SPACE };

static enum cp_class name_classify(utf8proc_int32_t cp)
{
	utf8proc_category_t cat = utf8proc_category(cp);

	if (cp == 0x0640)
		return CP_DROP;   /* tatweel */
	if (is_apostrophe_letter(cp))
		return CP_SPACE;
	switch (cat) {
	case UTF8PROC_CATEGORY_MN:
	case UTF8PROC_CATEGORY_MC:
	case UTF8PROC_CATEGORY_ME:
		/* Harakat, tanwin, shadda, sukun, superscript alef, Quranic
		 * marks, hamza above/below; accents. Other scripts' marks
		 * (Indic vowel signs, Hebrew points) are letters there: kept. */
		if (is_arabic_block(cp) || is_diacritic_block(cp))
			return CP_DROP;
		return CP_KEEP;
	case UTF8PROC_CATEGORY_CF:
		return CP_DROP;   /* ZWJ, ZWNJ, bidi controls, soft hyphen */
	case UTF8PROC_CATEGORY_ZS:
	case UTF8PROC_CATEGORY_ZL:
	case UTF8PROC_CATEGORY_ZP:
	case UTF8PROC_CATEGORY_PC:
	case UTF8PROC_CATEGORY_PD:
	case UTF8PROC_CATEGORY_PS:
	case UTF8PROC_CATEGORY_PE:
	case UTF8PROC_CATEGORY_PI:
	case UTF8PROC_CATEGORY_PF:
	case UTF8PROC_CATEGORY_PO:
	case UTF8PROC_CATEGORY_SM:
	case UTF8PROC_CATEGORY_SC:
	case UTF8PROC_CATEGORY_SK:
	case UTF8PROC_CATEGORY_SO:
	case UTF8PROC_CATEGORY_CC:
		return CP_SPACE;
	default:
		return CP_KEEP;
	}
}

/* ---- helpers ---- */

/*
 * Check that in[0..len) is UTF-8 (no surrogates, nothing past U+10FFFF,
 * no overlong forms). 0 or ERR_INVALID.
 */
static int utf8_check(const char *in, size_t len)
{
	const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)in;
	utf8proc_ssize_t left = (utf8proc_ssize_t)len;

	while (left > 0) {
		utf8proc_int32_t cp;
		utf8proc_ssize_t n = utf8proc_iterate(p, left, &cp);
		if (n <= 0 || cp < 0)
			return ERR_INVALID;
		p += n;
		left -= n;
	}
	return 0;
}

/* Length of in, or ERR_TOO_LARGE past NAME_MAX_BYTES (checked before any work). */
static int input_length(const char *in, size_t *len)
{
	size_t n = strnlen(in, NAME_MAX_BYTES + 1);

	if (n > NAME_MAX_BYTES)
		return ERR_TOO_LARGE;
	*len = n;
	return 0;
}

/* A small output cursor over a caller's buffer; sticky overflow. */
struct cursor {
	char *p;          /* borrowed */
	size_t size;
	size_t len;
	bool overflow;
};

static void cursor_put(struct cursor *c, utf8proc_int32_t cp)
{
	utf8proc_uint8_t enc[4];
	utf8proc_ssize_t n = utf8proc_encode_char(cp, enc);

	assert(n > 0);
	if (c->overflow || c->len + (size_t)n >= c->size) {
		c->overflow = true;
		return;
	}
	memcpy(c->p + c->len, enc, (size_t)n);
	c->len += (size_t)n;
}

/* ---- name_normalize ---- */

/* Pass A into work; returns 0, ERR_TOO_LARGE or ERR_FAIL. */
static int name_pass_a(const char *in, size_t len, struct cursor *work)
{
	const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)in;
	utf8proc_ssize_t left = (utf8proc_ssize_t)len;
	const utf8proc_option_t opts = UTF8PROC_STABLE | UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT |
				       UTF8PROC_CASEFOLD | UTF8PROC_IGNORE;
	bool pending_space = false;

	while (left > 0) {
		utf8proc_int32_t cp, dec[DECOMP_MAX];
		utf8proc_ssize_t n = utf8proc_iterate(p, left, &cp), n_dec;
		int boundclass = 0;

		assert(n > 0);   /* checked by utf8_check */
		p += n;
		left -= n;
		if (is_predropped(cp))
			continue;
		n_dec = utf8proc_decompose_char(cp, dec, DECOMP_MAX, opts, &boundclass);
		if (n_dec < 0 || n_dec > DECOMP_MAX)
			return ERR_FAIL;
		for (utf8proc_ssize_t i = 0; i < n_dec; i++) {
			utf8proc_int32_t c = arabic_map(dec[i]);
			switch (name_classify(c)) {
			case CP_DROP:
				break;
			case CP_SPACE:
				pending_space = true;
				break;
			case CP_KEEP:
				if (pending_space && work->len > 0)
					cursor_put(work, ' ');
				pending_space = false;
				cursor_put(work, c);
				break;
			}
		}
		if (work->overflow)
			return ERR_TOO_LARGE;
	}
	return 0;
}

int name_normalize(const char *in, char *out, size_t out_size)
{
	char work_buf[WORK_BYTES + 1];
	struct cursor work = { work_buf, sizeof work_buf, 0, false };
	utf8proc_uint8_t *nfc = NULL;
	utf8proc_ssize_t nfc_len;
	size_t len;
	int rc;

	assert(in && out && out_size > 0);
	out[0] = '\0';
	if ((rc = input_length(in, &len)) != 0 || (rc = utf8_check(in, len)) != 0)
		return rc;
	if ((rc = name_pass_a(in, len, &work)) != 0)
		return rc;
	if (work.len == 0)
		return 0;
	nfc_len = utf8proc_map((const utf8proc_uint8_t *)work_buf, (utf8proc_ssize_t)work.len, &nfc,
			       UTF8PROC_STABLE | UTF8PROC_COMPOSE);
	if (nfc_len < 0)
		return nfc_len == UTF8PROC_ERROR_NOMEM ? ERR_NOMEM : ERR_FAIL;
	/* The cap on the normal form keeps name_normalize(normal form) valid. */
	if ((size_t)nfc_len > NAME_MAX_BYTES || (size_t)nfc_len >= out_size) {
		rc = ERR_TOO_LARGE;
		goto out;
	}
	memcpy(out, nfc, (size_t)nfc_len);
	out[nfc_len] = '\0';
out:
	free(nfc);
	return rc;
}

/* ---- name_tokens ---- */

static bool word_is(const char *w, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(w, *list) == 0)
			return true;
	return false;
}

static size_t cp_count(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	return n;
}

static const char *const LATIN_ABD[] = { "abd", "abdul", "abdel", "abdal", "abdol", "abdoul", NULL };
/* Spellings of "abd al" written as one word, rewritten to ABD_CANON. */
static const char *const LATIN_ABD_LONG[] = { "abdoul", "abdul", "abdel", "abdal", "abdol", NULL };
/* Articles that may stand between "abd" and the name ("abd al rahman"). */
static const char *const LATIN_ABD_ARTICLE[] = { "al", "el", "ul", NULL };
/* Articles written as a word of their own before a name ("al hassan"). */
static const char *const LATIN_ARTICLE[] = { "al", "el", NULL };
static const char ABD_CANON[] = "abdul";
static const char AR_ABD[] = "\xd8\xb9\xd8\xa8\xd8\xaf";   /* عبد */
static const char AR_ARTICLE[] = "\xd8\xa7\xd9\x84";       /* ال */

struct token_out {
	char *buf;        /* borrowed: the caller's buffer */
	size_t size;
	size_t len;
	const char **tokens;   /* borrowed: the caller's array */
	int n;
	bool overflow;
};

/*
 * Append the concatenation of parts (NULL-terminated) as one token, when it
 * is at least 2 bytes and there is room in the token array.
 */
static void token_emit(struct token_out *t, const char *const *parts)
{
	size_t need = 0;
	char *start;

	for (const char *const *q = parts; *q; q++)
		need += strlen(*q);
	if (need < 2 || t->n >= NAME_MAX_TOKENS || t->overflow)
		return;
	if (t->len + need + 1 > t->size) {
		t->overflow = true;
		return;
	}
	start = t->buf + t->len;
	for (const char *const *q = parts; *q; q++) {
		size_t n = strlen(*q);
		memcpy(t->buf + t->len, *q, n);
		t->len += n;
	}
	t->buf[t->len++] = '\0';
	t->tokens[t->n++] = start;
}

/*
 * The Latin "abd" compound: joined is the concatenation of the words; when
 * it begins with a one-word spelling of "abd al" (LATIN_ABD_LONG) followed
 * by at least 2 more bytes, that spelling becomes "abdul"; when the compound
 * began with the bare word "abd" and no such spelling, "abd" becomes
 * "abdul". So "abd al rahman", "abd rahman", "abdel rahman",
 * "abdalrahman" all give "abdulrahman", and "abd allah" gives "abdullah".
 */
static void token_emit_abd(struct token_out *t, const char *joined, bool from_bare_abd)
{
	for (const char *const *pre = LATIN_ABD_LONG; *pre; pre++) {
		size_t n = strlen(*pre);
		if (strncmp(joined, *pre, n) == 0 && strlen(joined + n) >= 2) {
			const char *parts[] = { ABD_CANON, joined + n, NULL };
			token_emit(t, parts);
			return;
		}
	}
	if (from_bare_abd && strncmp(joined, "abd", 3) == 0) {
		const char *parts[] = { ABD_CANON, joined + 3, NULL };
		token_emit(t, parts);
		return;
	}
	{
		const char *parts[] = { joined, NULL };
		token_emit(t, parts);
	}
}

int name_tokens(const char *in, char *buf, size_t buf_size, const char *tokens[NAME_MAX_TOKENS])
{
	char nf[NAME_MAX_BYTES + 1];
	char joined[NAME_MAX_BYTES + 1];
	const char *words[NAME_MAX_BYTES / 2 + 1];
	struct token_out t = { buf, buf_size, 0, tokens, 0, false };
	size_t n_words = 0;
	int rc;

	assert(in && buf && buf_size > 0 && tokens);
	buf[0] = '\0';
	if ((rc = name_normalize(in, nf, sizeof nf)) != 0)
		return rc;
	for (char *p = nf; *p;) {
		char *sp = strchr(p, ' ');
		assert(n_words < sizeof words / sizeof words[0]);
		words[n_words++] = p;
		if (!sp)
			break;
		*sp = '\0';
		p = sp + 1;
	}

	for (size_t i = 0; i < n_words && t.n < NAME_MAX_TOKENS && !t.overflow; i++) {
		const char *w = words[i];
		bool has_next = i + 1 < n_words;

		if (has_next && word_is(w, LATIN_ABD)) {
			/* "abd al x" / "abd el x" / "abd ul x": three words */
			bool bare = strcmp(w, "abd") == 0;
			size_t last = i + 1;
			if (bare && i + 2 < n_words && word_is(words[i + 1], LATIN_ABD_ARTICLE))
				last = i + 2;
			joined[0] = '\0';
			size_t jl = 0;
			for (size_t k = i; k <= last; k++) {
				size_t wl = strlen(words[k]);
				assert(jl + wl < sizeof joined);   /* words come from nf */
				memcpy(joined + jl, words[k], wl);
				jl += wl;
			}
			joined[jl] = '\0';
			token_emit_abd(&t, joined, bare);
			i = last;
		} else if (has_next && strcmp(w, AR_ABD) == 0) {
			/* "عبد الرحمن" -> "عبدالرحمن"; also "عبد ال رحمن" */
			if (i + 2 < n_words && strcmp(words[i + 1], AR_ARTICLE) == 0) {
				const char *parts[] = { w, words[i + 1], words[i + 2], NULL };
				token_emit(&t, parts);
				i += 2;
			} else {
				const char *parts[] = { w, words[i + 1], NULL };
				token_emit(&t, parts);
				i += 1;
			}
		} else if (has_next && word_is(w, LATIN_ARTICLE)) {
			/* "al hassan": "alhassan" then "hassan" */
			const char *joined_parts[] = { w, words[i + 1], NULL };
			const char *bare_parts[] = { words[i + 1], NULL };
			token_emit(&t, joined_parts);
			token_emit(&t, bare_parts);
			i += 1;
		} else if (has_next && strcmp(w, AR_ARTICLE) == 0) {
			/* "ال حسن" (article typed apart): "الحسن" then "حسن" */
			const char *joined_parts[] = { w, words[i + 1], NULL };
			const char *bare_parts[] = { words[i + 1], NULL };
			token_emit(&t, joined_parts);
			if (cp_count(words[i + 1]) >= 3)
				token_emit(&t, bare_parts);
			i += 1;
		} else {
			size_t al = sizeof AR_ARTICLE - 1;
			token_emit_abd(&t, w, false);   /* abdelaziz -> abdulaziz */
			/* "الحسن": also "حسن" when at least 3 letters follow ال */
			if (strncmp(w, AR_ARTICLE, al) == 0 && cp_count(w + al) >= 3) {
				const char *bare_parts[] = { w + al, NULL };
				token_emit(&t, bare_parts);
			}
		}
	}
	if (t.overflow) {
		buf[0] = '\0';
		return ERR_TOO_LARGE;
	}
	return t.n;
}

/* ---- name_normalize_doc ---- */

int name_normalize_doc(const char *in, char *out, size_t out_size)
{
	const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)in;
	const utf8proc_option_t opts = UTF8PROC_STABLE | UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT;
	struct cursor c = { out, out_size, 0, false };
	utf8proc_ssize_t left;
	size_t len;
	int rc;

	assert(in && out && out_size > 0);
	out[0] = '\0';
	if ((rc = input_length(in, &len)) != 0 || (rc = utf8_check(in, len)) != 0)
		return rc;
	left = (utf8proc_ssize_t)len;
	while (left > 0) {
		utf8proc_int32_t cp, dec[DECOMP_MAX];
		utf8proc_ssize_t n = utf8proc_iterate(p, left, &cp), n_dec;
		int boundclass = 0;

		assert(n > 0);
		p += n;
		left -= n;
		n_dec = utf8proc_decompose_char(cp, dec, DECOMP_MAX, opts, &boundclass);
		if (n_dec < 0 || n_dec > DECOMP_MAX)
			return ERR_FAIL;
		for (utf8proc_ssize_t i = 0; i < n_dec; i++) {
			utf8proc_int32_t d = arabic_map(dec[i]);
			if (d >= 'a' && d <= 'z')
				d = d - 'a' + 'A';
			if ((d >= 'A' && d <= 'Z') || (d >= '0' && d <= '9'))
				cursor_put(&c, d);
		}
	}
	if (c.overflow) {
		out[0] = '\0';
		return ERR_TOO_LARGE;
	}
	out[c.len] = '\0';
	return 0;
}
