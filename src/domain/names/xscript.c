/*
 * xscript.c: cross-script keys of name tokens (contract in xscript.h; the
 * scheme and its figures in docs/linkage.md, "Cross-script keys").
 *
 * A token goes through three steps:
 *   1. Segments. The token is read left to right into segments, one sound
 *      each, with one or more readings. A reading is a short string over
 *      the symbols below. Arabic letters are looked up one by one
 *      (arabic_alts); Latin letters by longest match with a little context
 *      (latin_seg: "sch", "ch", "c" before e/i/y, a final French t...).
 *   2. Readings. The first reading of every segment gives the primary
 *      reading; then readings that move one segment to a later reading,
 *      left to right, then two, until XKEY_COUNT distinct keys are found or
 *      READINGS_MAX readings have been tried.
 *   3. Keys. Each reading is folded into a key (key_fold): a leading vowel
 *      leaves 'A', other vowels and glides go, G and Z merge into K and S,
 *      t before s or sh and d before j go, runs of one symbol collapse, a
 *      final H goes. A key other than the primary one must keep two
 *      consonants (or as many as the primary key has, if fewer).
 *
 * Symbols of a reading, before key_fold:
 *   V  vowel: Latin a e i o u y; Arabic ا (all alef forms) ع ء ى
 *   W  glide, dropped: Latin y before a vowel, w, j as in Jansen; Arabic و ي
 *   B  b p ب پ          T  t th ت ط ث        D  d dh د ض ذ
 *   J  j dj g(e,i) ج ژ  K  k q c ck ك ق گ    G  g gh غ ج(Egypt) ق(Gulf)
 *   X  kh ch خ          H  h ح ه ة          S  s c(e,i) س ص ث
 *   Z  z ز ظ ذ          C  sh sch ch sz cz ش چ   F  f ph v w(German) ف ڤ
 *   L M N R  as written
 * Merging G into K and Z into S was measured on ar2en.txt: keeping them
 * apart costs about 3 points of recall and saves 0.02 points of collisions.
 */
#include <assert.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <utf8proc.h>

#include "core/err.h"
#include "names.h"
#include "xscript.h"

/* Segments of one token at most; past them the token is not read (no name is that long). */
#define SEG_MAX 160
/* Readings tried per token at most, whatever their keys. */
#define READINGS_MAX 64

/*
 * One sound: its readings, the most likely first, as one static string of
 * readings separated by '|' ("C|X|K"); an empty reading means the letter
 * may be silent ("T|" for a French final t).
 */
struct seg {
	const char *alts;   /* borrowed: a string literal */
};

/* ---- the coarse classes ---- */

/*
 * Merges applied to a reading before it becomes a key: each symbol of
 * MERGE_FROM becomes the one at the same place in MERGE_TO.
 */
static const char MERGE_FROM[] = "GZ";
static const char MERGE_TO[] = "KS";

static char sym_merge(char s)
{
	const char *p = strchr(MERGE_FROM, s);

	return p ? MERGE_TO[p - MERGE_FROM] : s;
}

/* ---- Arabic ---- */

static const char AR_ARTICLE[] = "\xd8\xa7\xd9\x84";   /* ال */

/*
 * The readings of an Arabic letter (normalised or not), or NULL for
 * anything else: marks, digits, punctuation, other scripts.
 */
static const char *arabic_alts(utf8proc_int32_t cp)
{
	switch (cp) {
	case 0x0627: case 0x0622: case 0x0623: case 0x0625: case 0x0671:   /* alef forms */
	case 0x0639:   /* ain */
	case 0x0621:   /* hamza */
	case 0x0649:   /* alef maksura */
		return "V";
	case 0x0648: case 0x0624:   /* waw */
	case 0x064A: case 0x0626: case 0x06CC:   /* yeh */
		return "W";
	case 0x0628: case 0x067E: return "B";   /* beh, peh */
	case 0x062A: case 0x0637: return "T";   /* teh, tah */
	case 0x062B: return "T|S";              /* theh */
	case 0x062C: return "J|G";              /* jeem */
	case 0x0686: return "C";                /* tcheh */
	case 0x062D: return "H";                /* hah */
	case 0x062E: return "X";                /* khah */
	case 0x062F: case 0x0636: return "D";   /* dal, dad */
	case 0x0630: return "D|Z|T";            /* thal */
	case 0x0631: return "R";
	case 0x0632: case 0x0638: return "Z";   /* zain, zah */
	case 0x0698: return "J|Z";              /* jeh */
	case 0x0633: case 0x0635: return "S";   /* seen, sad */
	case 0x0634: return "C";                /* sheen */
	case 0x063A: return "G";                /* ghain */
	case 0x0641: case 0x06A4: return "F";   /* feh, veh */
	case 0x0642: return "K";                /* qaf: q, k, and g in the Gulf */
	case 0x0643: case 0x06A9: case 0x06AF: case 0x06A8: case 0x06AD:
		return "K";                     /* kaf, keheh, gaf, Maghrebi gaf */
	case 0x0644: return "L";
	case 0x0645: return "M";
	case 0x0646: return "N";
	case 0x0647: case 0x0629: return "H";   /* heh, teh marbuta */
	default:
		return NULL;
	}
}

/* ---- Latin ---- */

static bool latin_vowel(char c)
{
	return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u' || c == 'y';
}

static bool latin_front(char c)
{
	return c == 'e' || c == 'i' || c == 'y';
}

/* Consonants that the article al- assimilates (the "sun letters"), in Latin. */
static bool sun_letter(char c)
{
	return c && strchr("tdrzslnc", c) != NULL;
}

/*
 * The Latin segment at s[i] (lower-case ASCII, NUL-terminated): its
 * readings, and in *len how many letters it spans.
 */
static const char *latin_seg(const char *s, size_t i, size_t *len)
{
	char prev = i > 0 ? s[i - 1] : '\0';
	char c = s[i], n1 = s[i + 1], n2 = n1 ? s[i + 2] : '\0';
	bool last = n1 == '\0';

	*len = 1;
	if (c == 'y' && latin_vowel(n1))
		return "W";   /* Yasser, Yusuf: a consonant */
	if (i == 0 && latin_vowel(c) && latin_vowel(n1) &&
	    ((c == 'i' && n1 != 'e') || (c == 'e' && n1 == 'u') || (c == 'o' && n1 == 'u' && latin_vowel(n2)))) {
		/* Iaquinta, Iofan, Eudes, Ouariti: a leading glide, ي or و */
		*len = c == 'o' ? 2 : 1;
		return "W|V";
	}
	if (i == 0 && (c == 'a' || c == 'e') && n1 && n1 == n2 && sun_letter(n1))
		return "V|VL";   /* Essabar, Ennasra: the article al- assimilated */
	if (i >= 3 && (c == 'u' || c == 'e') && n1 && n1 == n2 && sun_letter(n1) && latin_vowel(s[i + 3]))
		return "V|VL";   /* Abdurrahman, Nasreddine: the same inside */
	if (latin_vowel(c))
		return "V";
	*len = 2;
	if (c == 'c' && n1 == 'c' && latin_front(n2))
		return "C|KS";   /* Italian cci, cce */
	if (c == 'l' && n1 == 'l' && prev != 'u' && !(n2 == 'a' && s[i + 3] == 'h'))
		return "L|W";    /* Spanish ll (not Abdullah, Fadlallah) */
	if (c == 's' && n1 == 'c' && n2 == 'h') {
		*len = 3;
		return "C";
	}
	if (c == 's' && n1 == 'c' && latin_front(n2))
		return "S|C";    /* Italian sce, sci */
	if (n1 == c) {
		/* a doubled consonant is one sound */
		size_t rest;
		const char *alt = latin_seg(s, i + 1, &rest);
		*len = 1 + rest;
		return alt;
	}
	if (n1 == 'h') {
		switch (c) {
		case 's': return "C|SH";   /* Ishaq: s then h */
		case 'c': return "C|X|K";
		case 'k': return "X|K|KH";
		case 'g': return i == 0 ? "G|GH" : "G|W|GH";   /* Ghada; Albright */
		case 'p': return "F";
		case 't': return "T|TH";   /* Fathi: t then h */
		case 'd': return "D|Z|DH";   /* Medhat, Adham */
		case 'z': return "J|ZH";
		default: break;
		}
	}
	if (c == 'c' && n1 == 'k')
		return "K";
	if (c == 'd' && n1 == 'j')
		return "J";
	if (c == 'd' && n1 == 't')
		return "T|DT";
	if (c == 'w' && n1 == 'h')
		return "W";
	if (c == 'p' && n1 == 'f')
		return "F";
	if (c == 's' && n1 == 'z')
		return "C|S";   /* Polish sz, Hungarian sz */
	if (c == 'c' && n1 == 'z')
		return "C";     /* Polish cz */
	if (c == 'g' && n1 == 'n')
		return "GN|N";   /* Italian, French gn */
	*len = 1;
	if (last && latin_vowel(prev)) {
		/*
		 * French silent final letters: Carnot, Bonnet, Benoit,
		 * Beaumarchais, Ernaux. Not after a lone a (Medhat, Abbas),
		 * nor s after a lone vowel (Younes, Idris).
		 */
		bool two = i >= 2 && latin_vowel(s[i - 2]);
		if (c == 't' && (prev == 'e' || prev == 'o' || two))
			return "T|";
		if (c == 's' && two)
			return "S|";
		if (c == 'x')
			return "KS|";
	}
	if (last && c == 'r' && prev == 'e' && i >= 2 && s[i - 2] == 'i')
		return "R|";   /* French -ier: Fournier */
	switch (c) {
	case 'b': case 'p': return "B";
	case 'c':
		if (latin_front(n1))
			return "S|C";
		return last && prev == 'i' ? "K|C" : "K";   /* Slavic -ic */
	case 'd': return "D";
	case 'f': return "F";
	case 'g': return latin_front(n1) ? "G|J" : "G";
	case 'h':
		/* German lengthening h: Bohlen, Ehrlich (but Ahmed, Mahmoud) */
		return latin_vowel(n1) || prev == 'a' || prev == 'i' ? "H" : "H|W";
	case 'j': return "J|W|X";
	case 'k': case 'q': return "K";
	case 'l': return "L";
	case 'm': return "M";
	case 'n': return "N";
	case 'r': return "R";
	case 's': return n1 == 't' || n1 == 'p' ? "S|C" : "S";   /* German st, sp */
	case 't': return "T";
	case 'v': return "F|W";
	case 'w': return n1 == 's' ? "F|W" : "W|F";   /* Polish -wski */
	case 'x': return "KS";
	case 'z': return "Z";
	default: return NULL;
	}
}

/*
 * Latin letters outside ASCII that NFKD leaves whole, as ASCII (NULL when
 * cp is none of them). Accented letters never get here: name_normalize
 * strips their accents.
 */
static const char *latin_extra(utf8proc_int32_t cp)
{
	switch (cp) {
	case 0x0131: return "i";                /* dotless i */
	case 0x00F8: return "o";                /* o with stroke */
	case 0x00E6: return "ae";
	case 0x0153: return "oe";
	case 0x00F0: return "d";                /* eth */
	case 0x00FE: return "th";               /* thorn */
	case 0x0142: return "l";                /* l with stroke */
	case 0x0111: return "dj";               /* d with stroke */
	case 0x00DF: return "ss";
	case 0x0127: return "h";                /* h with stroke */
	default: return NULL;
	}
}

/* ---- keys ---- */

/*
 * Fold a reading into a key (at most XKEY_MAX - 1 bytes): a leading vowel
 * gives 'A', other vowels and glides go, classes merge, "TS" and "TC" lose
 * their T, runs of one symbol collapse, a final H goes when something is
 * left before it. "" when nothing is left.
 */
static void key_fold(const char *reading, char key[XKEY_MAX])
{
	char cons[XKEY_MAX * 4];
	size_t n = 0, k = 0;
	bool lead = reading[0] == 'V';

	for (const char *p = reading; *p && n < sizeof cons - 1; p++) {
		char s = *p;
		if (s == 'V' || s == 'W')
			continue;
		s = sym_merge(s);
		/* t before s or sh is one sound: tz, ts, tch, تس, تش; so is d before j */
		if (n > 0 && ((cons[n - 1] == 'T' && (s == 'S' || s == 'C')) ||
			      (cons[n - 1] == 'D' && s == 'J')))
			n--;
		if (n > 0 && cons[n - 1] == s)
			continue;
		cons[n++] = s;
	}
	if (n > 1 && cons[n - 1] == 'H')
		n--;
	if (lead)
		key[k++] = 'A';
	for (size_t i = 0; i < n && k < XKEY_MAX - 1; i++)
		key[k++] = cons[i];
	key[k] = '\0';
}

/* How many readings a segment has. */
static size_t seg_count(const struct seg *sg)
{
	size_t n = 1;

	for (const char *p = sg->alts; *p; p++)
		n += *p == '|';
	return n;
}

struct readings {
	const struct seg *segs;   /* borrowed */
	size_t n_segs;
	size_t choice[SEG_MAX];   /* alternative chosen per segment */
	char (*keys)[XKEY_MAX];   /* borrowed: the caller's keys */
	int n_keys;
	int tried;
	size_t min_cons;          /* consonants a key needs, set by the first reading */
};

/* Add the key of the current choices, when new. */
static void readings_emit(struct readings *r)
{
	char reading[XKEY_MAX * 4];
	char key[XKEY_MAX];
	size_t len = 0, n_cons;

	for (size_t i = 0; i < r->n_segs; i++) {
		const char *a = r->segs[i].alts;
		size_t al;
		for (size_t c = r->choice[i]; c > 0; c--)
			a = strchr(a, '|') + 1;   /* choice < seg_count(): there is one */
		al = strcspn(a, "|");
		if (len + al >= sizeof reading)
			break;
		memcpy(reading + len, a, al);
		len += al;
	}
	reading[len] = '\0';
	key_fold(reading, key);
	n_cons = strlen(key) - (key[0] == 'A');
	/*
	 * The first reading sets the floor: another reading may not make a
	 * key of fewer than two consonants (Ahmed's "AM", Ghada's "D") unless
	 * the first one was that short too.
	 */
	if (r->tried++ == 0)
		r->min_cons = n_cons < 2 ? n_cons : 2;
	if (!key[0] || n_cons < r->min_cons)
		return;
	for (int i = 0; i < r->n_keys; i++)
		if (!strcmp(r->keys[i], key))
			return;
	memcpy(r->keys[r->n_keys++], key, XKEY_MAX);
}

/*
 * Readings with exactly `left` more segments, from segment `from` on,
 * moved off their first alternative.
 */
static void readings_walk(struct readings *r, size_t from, int left)
{
	if (r->n_keys >= XKEY_COUNT || r->tried >= READINGS_MAX)
		return;
	if (left == 0) {
		readings_emit(r);
		return;
	}
	for (size_t i = from; i < r->n_segs; i++) {
		size_t n_alt = seg_count(&r->segs[i]);
		for (size_t a = 1; a < n_alt; a++) {
			r->choice[i] = a;
			readings_walk(r, i + 1, left - 1);
			r->choice[i] = 0;
			if (r->n_keys >= XKEY_COUNT || r->tried >= READINGS_MAX)
				return;
		}
	}
}

/* Append the segments of a run of Latin letters (lower-case ASCII). */
static void latin_run(const char *run, struct seg *segs, size_t *n_segs)
{
	for (size_t i = 0; run[i] && *n_segs < SEG_MAX;) {
		size_t len;
		const char *alt = latin_seg(run, i, &len);
		if (alt)
			segs[(*n_segs)++].alts = alt;
		i += len;
	}
}

int names_xkeys(const char *token, char keys[XKEY_COUNT][XKEY_MAX])
{
	struct seg segs[SEG_MAX];
	struct readings r = { segs, 0, { 0 }, keys, 0, 0, 0 };
	char run[SEG_MAX + 8];
	size_t n_run = 0, len;
	const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)token;
	utf8proc_ssize_t left;

	assert(token && keys);
	for (int k = 0; k < XKEY_COUNT; k++)
		keys[k][0] = '\0';
	len = strnlen(token, NAME_MAX_BYTES + 1);
	if (len > NAME_MAX_BYTES)
		return ERR_TOO_LARGE;
	left = (utf8proc_ssize_t)len;
	while (left > 0) {
		utf8proc_int32_t cp;
		utf8proc_ssize_t n = utf8proc_iterate(p, left, &cp);
		const char *alt;
		const char *extra;

		if (n <= 0 || cp < 0)
			return ERR_INVALID;
		p += n;
		left -= n;
		if (cp >= 'A' && cp <= 'Z')
			cp += 'a' - 'A';
		extra = latin_extra(cp);
		if ((cp >= 'a' && cp <= 'z') || extra) {
			const char *add = extra ? extra : (const char[]){ (char)cp, '\0' };
			for (; *add && n_run < SEG_MAX; add++)
				run[n_run++] = *add;
			continue;
		}
		/* anything else ends a Latin run */
		run[n_run] = '\0';
		latin_run(run, segs, &r.n_segs);
		n_run = 0;
		alt = arabic_alts(cp);
		if (alt && r.n_segs < SEG_MAX)
			segs[r.n_segs++].alts = alt;
	}
	run[n_run] = '\0';
	latin_run(run, segs, &r.n_segs);
	/* the article's alef is often not written in Latin: Lakhdar, Lamari */
	if (r.n_segs > 1 && !strncmp(token, AR_ARTICLE, sizeof AR_ARTICLE - 1))
		segs[0].alts = "V|W";

	for (int dev = 0; dev <= 2 && r.n_keys < XKEY_COUNT && r.tried < READINGS_MAX; dev++)
		readings_walk(&r, 0, dev);
	return r.n_keys;
}
