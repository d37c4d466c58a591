/*
 * xscript.h: the cross-script key of a name token, under which an
 * Arabic-script name and its usual Latin spellings meet (محمد, Mohammed,
 * Muhammad, Mohamed). docs/linkage.md describes the scheme and the figures
 * it reaches on ../shared/data/names/ar2en.txt (recall of the true pairs,
 * rate of random collisions).
 *
 * A key is a short ASCII string computed from one normalised token
 * (names.h: name_tokens): both scripts are mapped onto one coarse
 * consonant alphabet, so that spellings differing in vowels, doubled
 * letters and the usual transliteration variants give the same key. A token
 * may have more than one key where one spelling has two common readings;
 * two tokens "meet" when they share a key. Two names meet when every token
 * of the one with fewer tokens (either one, when they have as many) meets a
 * token of the other.
 *
 * Keys are upper-case ASCII letters: an optional leading 'A' (the token
 * starts with a vowel, alef or ain) then consonant classes (B D F H J K L M
 * N R S T X C). Examples: محمد, Mohammed, Muhammad -> "MHMD"; احمد, Ahmed
 * -> "AHMD"; خالد -> "XLD"; Khaled -> "XLD", "KLD" and "KHLD". The key is
 * coarse on purpose (vowels go): Mahmoud and Mohammed share "MHMD", Omar
 * and Amira "AMR". It proposes candidates for comparison; it decides
 * nothing.
 * names_xkeys is a pure function (no state, safe from any thread).
 *
 * Stable like the normal form: changing it invalidates stored blind indexes
 * of kind "xkey" (the search index version in case.h must then go up).
 */
#ifndef IHALA_NAMES_XSCRIPT_H
#define IHALA_NAMES_XSCRIPT_H

#include <stddef.h>
#include "../../core/banned.h"

#define XKEY_MAX 48    /* bytes of one key, with its NUL */
#define XKEY_COUNT 4   /* keys of one token at most */

/*
 * The keys of one normalised token (no spaces) into keys[]; returns how
 * many (0 when the token has no letter a key can be made of, e.g. digits
 * only or another script), or ERR_INVALID for bad UTF-8, or ERR_TOO_LARGE
 * for a token over NAME_MAX_BYTES bytes. Keys are distinct, NUL-terminated,
 * non-empty, the likeliest first; keys[n..XKEY_COUNT) are set to "".
 */
int names_xkeys(const char *token, char keys[XKEY_COUNT][XKEY_MAX]);

#endif
