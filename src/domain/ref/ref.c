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

/*
 * ISO 639-1 two-letter language codes, lower case, sorted, no separators:
 * the entries of iso-codes' iso_639-2.json that carry an alpha_2 code.
 */
static const char languages[] =
	"aaabaeafakamanarasavayazbabebgbhbibmbnbo"
	"brbscacechcocrcscucvcydadedvdzeeeleneoes"
	"eteufafffifjfofrfygagdglgngugvhahehihohr"
	"hthuhyhziaidieigiiikioisitiujajvkakgkikj"
	"kkklkmknkokrkskukvkwkylalblglilnloltlulv"
	"mgmhmimkmlmnmrmsmtmynanbndnengnlnnnonrnv"
	"nyocojomorospapiplpsptqurmrnrorurwsascsd"
	"sesgsiskslsmsnsosqsrssstsusvswtatetgthti"
	"tktltntotrtstttwtyugukuruzvevivowawoxhyi"
	"yozazhzu"
	;

/* Binary search of a two-letter code in a packed, sorted list of n codes. */
static bool pair_in(const char *list, size_t n, const char *code)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int cmp = memcmp(list + 2 * mid, code, 2);
		if (cmp == 0)
			return true;
		if (cmp < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

bool ref_language_valid(const char *code)
{
	if (!code || strlen(code) != 2 || code[0] < 'a' || code[0] > 'z' || code[1] < 'a' || code[1] > 'z')
		return false;
	return pair_in(languages, (sizeof(languages) - 1) / 2, code);
}

/*
 * ISIC Rev.4 sections. The HTCDS picklist vic_ForcedLabourIndustry spells
 * each as letter, underscore, name; we store the letter and keep the HTCDS
 * value for import and export.
 */
const struct ref_isic_section ref_isic_sections[] = {
	{"A", "A_AgricultureForestryAndFishing",
	 {"Agriculture, forestry and fishing", "الزراعة والحراجة وصيد الأسماك"}},
	{"B", "B_MiningAndQuarrying",
	 {"Mining and quarrying", "التعدين واستغلال المحاجر"}},
	{"C", "C_Manufacturing",
	 {"Manufacturing", "الصناعة التحويلية"}},
	{"D", "D_ElectricityGasSteamAndAirConditioningSupply",
	 {"Electricity, gas, steam and air conditioning supply", "إمدادات الكهرباء والغاز والبخار وتكييف الهواء"}},
	{"E", "E_WaterSupplySewerageWasteManagement",
	 {"Water supply, sewerage and waste management", "إمدادات المياه والصرف الصحي وإدارة النفايات ومعالجتها"}},
	{"F", "F_Construction",
	 {"Construction", "التشييد والبناء"}},
	{"G", "G_WholesaleAndRetailTradeRepairOfMotorVehicles",
	 {"Wholesale and retail trade, repair of motor vehicles", "تجارة الجملة والتجزئة وإصلاح المركبات ذات المحركات"}},
	{"H", "H_TransportationAndStorage",
	 {"Transport and storage", "النقل والتخزين"}},
	{"I", "I_AccommodationAndFoodServiceActivities",
	 {"Accommodation and food services", "أنشطة الإقامة والخدمات الغذائية"}},
	{"J", "J_InformationAndCommunication",
	 {"Information and communication", "المعلومات والاتصالات"}},
	{"K", "K_FinancialAndInsuranceActivities",
	 {"Finance and insurance", "الأنشطة المالية وأنشطة التأمين"}},
	{"L", "L_RealEstateActivities",
	 {"Real estate", "الأنشطة العقارية"}},
	{"M", "M_ProfessionalScientificAndTechnicalActivities",
	 {"Professional, scientific and technical activities", "الأنشطة المهنية والعلمية والتقنية"}},
	{"N", "N_AdministrativeAndSupportServiceActivities",
	 {"Administrative and support services", "أنشطة الخدمات الإدارية وخدمات الدعم"}},
	{"O", "O_PublicAdministrationAndDefence",
	 {"Public administration and defence", "الإدارة العامة والدفاع"}},
	{"P", "P_Education",
	 {"Education", "التعليم"}},
	{"Q", "Q_HumanHealthAndSocialWorkActivities",
	 {"Health and social work", "أنشطة الصحة البشرية والعمل الاجتماعي"}},
	{"R", "R_ArtsEntertainmentAndRecreation",
	 {"Arts, entertainment and recreation", "الفنون والترفيه والتسلية"}},
	{"S", "S_OtherServiceActivities",
	 {"Other services", "أنشطة الخدمات الأخرى"}},
	{"T", "T_ActivitiesOfHouseholdsAsEmployers",
	 {"Households as employers (including domestic work)", "أنشطة الأسر المعيشية بصفتها أصحاب عمل (ومنها العمل المنزلي)"}},
	{"U", "U_ActivitiesOfExtraterritorialOrganizations",
	 {"Extraterritorial organisations and bodies", "أنشطة المنظمات والهيئات الخارجة عن الولاية الإقليمية"}},
};
const size_t ref_isic_count = sizeof(ref_isic_sections) / sizeof(ref_isic_sections[0]);

bool ref_isic_valid(const char *code)
{
	return code && code[0] >= 'A' && code[0] <= 'U' && code[1] == '\0';
}

const struct ref_isic_section *ref_isic_by_htcds(const char *value)
{
	if (!value)
		return NULL;
	for (size_t i = 0; i < ref_isic_count; i++)
		if (!strcmp(ref_isic_sections[i].htcds, value))
			return &ref_isic_sections[i];
	return NULL;
}
