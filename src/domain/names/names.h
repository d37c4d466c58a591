/*
 * names.h: normalisation of personal names for search and duplicate
 * detection. Names arrive in Arabic script, in Latin letters, or both; the
 * normal form is what blind indexes are computed over (crypto/hash.h), so it
 * must be stable: changing it invalidates every stored index.
 *
 * Arabic: remove diacritics (harakat, tanwin, shadda, sukun, superscript
 * alef) and tatweel; alef forms (أ إ آ ٱ) -> ا; hamza on carriers (ؤ -> و,
 * ئ -> ي) ; ة -> ه; ى -> ي; presentation forms and ligatures to their base
 * letters (NFKC); Arabic-Indic and Eastern Arabic-Indic digits -> 0-9.
 * Latin: NFKD, combining marks removed, case folded (utf8proc), so
 * "Mohammed", "MOHAMMED", "Mohämmed" meet.
 * Both: punctuation (hyphen, apostrophe, dot, comma) and any whitespace
 * become a single space; leading/trailing spaces trimmed.
 *
 * Exactly, for each code point of the input, in order:
 *  1. U+FE70..FE7F (harakat presentation forms) and U+FC5E..FC63 (shadda
 *     ligatures) are dropped: their NFKD begins with a space.
 *  2. NFKD (compatibility decomposition) and full case folding, by utf8proc;
 *     default-ignorable code points vanish (UTF8PROC_IGNORE). Presentation
 *     forms and ligatures become base letters here (ﻣﺤﻤﺪ -> محمد, ﻻ -> لا),
 *     and أ إ آ ؤ ئ become a base letter plus a hamza/madda mark.
 *  3. On each resulting code point, letter and digit mapping:
 *     U+0622 U+0623 U+0625 U+0671 -> U+0627 ا; U+0624 -> U+0648 و;
 *     U+0626, U+0649 ى, U+06CC ی (Farsi yeh) -> U+064A ي;
 *     U+0629 ة, U+06D5 ە, U+06C1 ہ -> U+0647 ه; U+06A9 ک (keheh) -> U+0643 ك;
 *     U+0660..0669 and U+06F0..06F9 -> '0'..'9'.
 *  4. Then: dropped: U+0640 tatweel; every mark (Mn, Mc, Me) in the Arabic
 *     blocks (U+0600..06FF, 0750..077F, 0870..08FF, FB50..FDFF, FE70..FEFF:
 *     harakat, tanwin, shadda, sukun, superscript alef U+0670, hamza
 *     above/below, Quranic marks) or in the combining diacritic blocks
 *     (U+0300..036F, 1AB0..1AFF, 1DC0..1DFF, 20D0..20FF, FE20..FE2F: accents);
 *     every format character (Cf: ZWJ, ZWNJ, bidi controls, soft hyphen).
 *     Marks of other scripts (Indic vowel signs, Hebrew points, kana voicing)
 *     are kept: there they are letters.
 *     A space: separators (Z*), punctuation (P*, so - ' ’ . , ، ؛), symbols
 *     (S*, so ` ´ ^ + /), controls (Cc: tab, newline) and the modifier
 *     letters used as apostrophes U+02B9..02BF (ʻ ʼ ʾ ʿ). Runs of spaces
 *     become one; leading and trailing spaces are removed.
 *     Everything else is kept.
 *  5. NFC (canonical composition) of the whole, for scripts whose marks
 *     were kept. No Arabic or Latin composite can re-form: their marks are gone.
 * So "Mohammed" "MOHAMMED" "Möhammed" -> "mohammed"; "José" -> "jose";
 * "O'Brien" -> "o brien"; أحمد إحمد -> احمد; فاطمة -> فاطمه; مصطفى -> مصطفي;
 * مُحَمَّد محـــمد ﻣﺤﻤﺪ -> محمد. name_normalize(normal form) == normal form.
 */
#ifndef IHALA_NAMES_H
#define IHALA_NAMES_H

#include <stddef.h>
#include "../../core/banned.h"

#define NAME_MAX_BYTES 1024
#define NAME_MAX_TOKENS 16
/* A name_tokens buf of this size always suffices (a word may appear in two tokens). */
#define NAME_TOKENS_BUF_BYTES (2 * NAME_MAX_BYTES + 64)

/*
 * Normal form of a whole name into out (out_size bytes, NUL-terminated; ""
 * on any error). 0, ERR_INVALID (not UTF-8: overlong, surrogate, truncated,
 * past U+10FFFF) or ERR_TOO_LARGE (input over NAME_MAX_BYTES bytes, normal
 * form over NAME_MAX_BYTES bytes, or not fitting out). An out of
 * NAME_MAX_BYTES + 1 bytes always suffices. Empty or all-punctuation input
 * gives "" and 0.
 */
int name_normalize(const char *in, char *out, size_t out_size);
/*
 * Split the normal form of `in` into tokens (words of at least 2 bytes, at
 * most NAME_MAX_TOKENS) written NUL-separated into buf; tokens[i] point into
 * buf. Returns the number of tokens, or a negative enum err (ERR_INVALID,
 * ERR_TOO_LARGE as name_normalize, or ERR_TOO_LARGE when buf is too small;
 * NAME_TOKENS_BUF_BYTES bytes always suffice).
 *
 * Words are the space-separated parts of the normal form, read left to
 * right; tokens come out in that order. Past NAME_MAX_TOKENS tokens the rest
 * is ignored (not an error). A token shorter than 2 bytes is not emitted
 * (so Latin initials go; one Arabic letter is 2 bytes and stays).
 *  - "abd" compounds, so that Abdul Rahman, Abd al-Rahman, Abdelrahman and
 *    Abdulrahman meet: a word "abd", "abdul", "abdel", "abdal", "abdol" or
 *    "abdoul" followed by another word is joined with it into one token
 *    (with "abd" followed by "al", "el" or "ul" and a third word, all three).
 *    Then, on that joined token only: a leading "abdoul", "abdul", "abdel",
 *    "abdal" or "abdol" followed by at least 2 bytes becomes "abdul", else a
 *    leading "abd" that was a word of its own becomes "abdul". On any other
 *    token, the same leading-spelling rewrite applies (abdelaziz ->
 *    abdulaziz, abdallah -> abdullah). So "abd al rahman", "abd rahman",
 *    "abdel rahman", "abdalrahman" -> "abdulrahman"; "abd allah" -> "abdullah".
 *  - Arabic "عبد" followed by another word is joined with it ("عبد الرحمن"
 *    -> "عبدالرحمن", "عبد ال رحمن" -> "عبدالرحمن"); no other rewrite.
 *  - A word "al" or "el" followed by another word gives two tokens: the two
 *    joined ("al hassan" -> "alhassan", meeting "Alhassan"), then the word
 *    without the article ("hassan", meeting "Hassan"). A one-word Latin name
 *    that starts with al/el is left alone (Ali, Alexander, Elias).
 *  - An Arabic word starting with the article "ال" and having at least 3
 *    more code points gives two tokens: the word ("الحسن") then the word
 *    without the article ("حسن"). "الله" and other short words stay whole.
 *    A word "ال" on its own followed by another word is joined with it, then
 *    the same rule gives the bare word.
 *  - Every other word is one token.
 */
int name_tokens(const char *in, char *buf, size_t buf_size, const char *tokens[NAME_MAX_TOKENS]);
/*
 * Normal form of an identity document number: ASCII letters upper-cased,
 * digits normalised, all else dropped. Exactly: NFKD (fullwidth Ａ１ -> A1,
 * É -> E + accent), Arabic-Indic and Eastern Arabic-Indic digits -> 0-9,
 * a-z -> A-Z, then only [A-Z0-9] kept. 0, ERR_INVALID or ERR_TOO_LARGE
 * (input over NAME_MAX_BYTES, or not fitting out); "" on error.
 */
int name_normalize_doc(const char *in, char *out, size_t out_size);

#endif
