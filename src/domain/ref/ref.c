/* ref.c: reference code lists; see ref.h. */
#include "ref.h"

#include <string.h>

/* ISO 3166-1 alpha-2, sorted, two letters each, no separators. */
static const char countries[] =
	"ADAEAFAGAIALAMAOAQARASATAUAWAXAZBABBBDBE"
	"BFBGBHBIBJBLBMBNBOBQBRBSBTBVBWBYBZCACCCD"
	"CFCGCHCICKCLCMCNCOCRCUCVCWCXCYCZDEDJDKDM"
	"DODZECEEEGEHERESETFIFJFKFMFOFRGAGBGDGEGF"
	"GGGHGIGLGMGNGPGQGRGSGTGUGWGYHKHMHNHRHTHU"
	"IDIEILIMINIOIQIRISITJEJMJOJPKEKGKHKIKMKN"
	"KPKRKWKYKZLALBLCLILKLRLSLTLULVLYMAMCMDME"
	"MFMGMHMKMLMMMNMOMPMQMRMSMTMUMVMWMXMYMZNA"
	"NCNENFNGNINLNONPNRNUNZOMPAPEPFPGPHPKPLPM"
	"PNPRPSPTPWPYQARERORSRURWSASBSCSDSESGSHSI"
	"SJSKSLSMSNSOSRSSSTSVSXSYSZTCTDTFTGTHTJTK"
	"TLTMTNTOTRTTTVTWTZUAUGUMUSUYUZVAVCVEVGVI"
	"VNVUWFWSYEYTZAZMZW"
	;

bool ref_country_valid(const char *code)
{
	if (!code || strlen(code) != 2 || code[0] < 'A' || code[0] > 'Z' || code[1] < 'A' || code[1] > 'Z')
		return false;
	size_t lo = 0, hi = (sizeof(countries) - 1) / 2;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int cmp = memcmp(countries + 2 * mid, code, 2);
		if (cmp == 0)
			return true;
		if (cmp < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}
