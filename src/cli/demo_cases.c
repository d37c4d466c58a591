/*
 * demo_cases.c: the synthetic cases of a demonstration installation
 * (`ihala init --demo`), so that a newcomer's first screens are not empty.
 *
 * Every case goes through case_create() acting as a demonstration user, so it
 * is validated by the registry, sealed with its own data key, indexed and
 * audited exactly like a real one, and lands in that user's organisation.
 *
 * The people are invented: common given and family names of the countries
 * that migrant workers in the Gulf come from, combined at random, in Arabic
 * script with their Latin spelling for Arab nationalities and in Latin
 * letters for the others. A small deterministic generator with a fixed seed
 * draws them, so a demo looks the same every time (dates are counted back
 * from today). It is for demonstration data only: never for anything secret.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "../auth/ctx.h"
#include "../auth/user.h"
#include "../core/clock.h"
#include "../domain/case/case.h"
#include "../domain/org/org.h"
#include "cli.h"

/* ---- deterministic generator (splitmix64): demo data only ---- */

struct demo_rng {
	uint64_t s;
};

static uint64_t rng_next(struct demo_rng *r)
{
	uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

/* Uniform in [0, n); n > 0. The bias of the modulo does not matter here. */
static int rng_below(struct demo_rng *r, int n)
{
	return (int)(rng_next(r) % (uint64_t)n);
}

/* True with probability percent / 100. */
static int rng_pct(struct demo_rng *r, int percent)
{
	return rng_below(r, 100) < percent;
}

#define COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))
#define PICK(r, a) ((a)[rng_below((r), COUNT(a))])

/* ---- names ---- */

struct name {
	const char *ar;    /* Arabic script, or NULL when the name is written in Latin letters */
	const char *lat;
};

/* Egypt */
static const struct name eg_f[] = {
	{ "منى", "Mona" }, { "هبة", "Heba" }, { "ياسمين", "Yasmin" }, { "نورا", "Noura" },
	{ "أسماء", "Asmaa" }, { "دعاء", "Doaa" }, { "سلمى", "Salma" }, { "رحاب", "Rehab" },
	{ "شيماء", "Shaimaa" }, { "إسراء", "Esraa" },
};
static const struct name eg_m[] = {
	{ "أحمد", "Ahmed" }, { "محمود", "Mahmoud" }, { "مصطفى", "Mostafa" }, { "كريم", "Karim" },
	{ "عمرو", "Amr" }, { "إسلام", "Eslam" }, { "طارق", "Tarek" }, { "حسام", "Hossam" },
	{ "وليد", "Walid" }, { "شريف", "Sherif" },
};
static const struct name eg_fam[] = {
	{ "عبد الرحمن", "Abdelrahman" }, { "السيد", "El-Sayed" }, { "حسن", "Hassan" },
	{ "إبراهيم", "Ibrahim" }, { "عبد العزيز", "Abdelaziz" }, { "الشافعي", "El-Shafei" },
	{ "منصور", "Mansour" }, { "سليمان", "Soliman" }, { "النجار", "El-Naggar" }, { "فرج", "Farag" },
	{ "عثمان", "Osman" }, { "رمضان", "Ramadan" },
};
/* Syria */
static const struct name sy_f[] = {
	{ "رزان", "Razan" }, { "لمى", "Lama" }, { "ريم", "Reem" }, { "هالة", "Hala" },
	{ "نور", "Nour" }, { "سوسن", "Sawsan" }, { "ديما", "Dima" }, { "بشرى", "Boushra" },
	{ "رهف", "Rahaf" }, { "غادة", "Ghada" },
};
static const struct name sy_m[] = {
	{ "ياسر", "Yaser" }, { "باسل", "Basel" }, { "عمر", "Omar" }, { "خالد", "Khaled" },
	{ "ماهر", "Maher" }, { "وسيم", "Wassim" }, { "غيث", "Ghaith" }, { "ماجد", "Majed" },
	{ "أنس", "Anas" }, { "حمزة", "Hamza" },
};
static const struct name sy_fam[] = {
	{ "الحلبي", "Al-Halabi" }, { "الخطيب", "Al-Khatib" }, { "الأحمد", "Al-Ahmad" },
	{ "درويش", "Darwish" }, { "الشامي", "Al-Shami" }, { "حداد", "Haddad" }, { "العلي", "Al-Ali" },
	{ "زيدان", "Zeidan" }, { "السعدي", "Al-Saadi" }, { "النعسان", "Al-Nassan" },
	{ "الحمصي", "Al-Homsi" }, { "قاسم", "Kassem" },
};
/* Morocco (French-style Latin spellings, as on Moroccan passports) */
static const struct name ma_f[] = {
	{ "خديجة", "Khadija" }, { "سناء", "Sanae" }, { "حنان", "Hanane" }, { "نادية", "Nadia" },
	{ "إيمان", "Imane" }, { "سكينة", "Soukaina" }, { "مريم", "Meryem" }, { "لبنى", "Loubna" },
	{ "حليمة", "Halima" }, { "وفاء", "Wafae" },
};
static const struct name ma_m[] = {
	{ "يوسف", "Youssef" }, { "هشام", "Hicham" }, { "رشيد", "Rachid" }, { "عبد الإله", "Abdelilah" },
	{ "سعيد", "Said" }, { "ياسين", "Yassine" }, { "أيوب", "Ayoub" }, { "نبيل", "Nabil" },
};
static const struct name ma_fam[] = {
	{ "العلوي", "El Alaoui" }, { "الإدريسي", "El Idrissi" }, { "بنعلي", "Benali" },
	{ "الفاسي", "El Fassi" }, { "التازي", "Tazi" }, { "بناني", "Bennani" },
	{ "الوزاني", "El Ouazzani" }, { "البقالي", "El Bakkali" }, { "أمزيان", "Amziane" },
	{ "الركراكي", "Regragui" },
};
/* Ethiopia: the second name is the father's given name */
static const struct name et_f[] = {
	{ NULL, "Tigist" }, { NULL, "Meseret" }, { NULL, "Hirut" }, { NULL, "Selamawit" },
	{ NULL, "Bethlehem" }, { NULL, "Almaz" }, { NULL, "Tsion" }, { NULL, "Mekdes" },
	{ NULL, "Genet" }, { NULL, "Aster" }, { NULL, "Kidist" }, { NULL, "Eyerusalem" },
};
static const struct name et_m[] = {
	{ NULL, "Dawit" }, { NULL, "Abebe" }, { NULL, "Tesfaye" }, { NULL, "Yonas" },
	{ NULL, "Getachew" }, { NULL, "Bereket" }, { NULL, "Henok" }, { NULL, "Biniam" },
};
static const struct name et_fam[] = {
	{ NULL, "Tadesse" }, { NULL, "Bekele" }, { NULL, "Haile" }, { NULL, "Girma" },
	{ NULL, "Alemu" }, { NULL, "Wolde" }, { NULL, "Kebede" }, { NULL, "Gebremedhin" },
	{ NULL, "Assefa" }, { NULL, "Desta" }, { NULL, "Tefera" }, { NULL, "Ayele" },
};
/* Kenya */
static const struct name ke_f[] = {
	{ NULL, "Mercy" }, { NULL, "Faith" }, { NULL, "Grace" }, { NULL, "Esther" },
	{ NULL, "Caroline" }, { NULL, "Purity" }, { NULL, "Beatrice" }, { NULL, "Winnie" },
	{ NULL, "Sharon" }, { NULL, "Lilian" },
};
static const struct name ke_m[] = {
	{ NULL, "Brian" }, { NULL, "Kevin" }, { NULL, "Dennis" }, { NULL, "Collins" },
	{ NULL, "Victor" }, { NULL, "Evans" },
};
static const struct name ke_fam[] = {
	{ NULL, "Wanjiru" }, { NULL, "Akinyi" }, { NULL, "Njeri" }, { NULL, "Chebet" },
	{ NULL, "Atieno" }, { NULL, "Wambui" }, { NULL, "Kamau" }, { NULL, "Otieno" },
	{ NULL, "Mwangi" }, { NULL, "Kiprotich" }, { NULL, "Omondi" }, { NULL, "Nafula" },
	{ NULL, "Mutua" }, { NULL, "Wekesa" },
};
/* Nigeria */
static const struct name ng_f[] = {
	{ NULL, "Blessing" }, { NULL, "Chiamaka" }, { NULL, "Ngozi" }, { NULL, "Funmilayo" },
	{ NULL, "Precious" }, { NULL, "Adaeze" }, { NULL, "Yetunde" }, { NULL, "Hauwa" },
	{ NULL, "Omolara" }, { NULL, "Chinyere" },
};
static const struct name ng_m[] = {
	{ NULL, "Chinedu" }, { NULL, "Emeka" }, { NULL, "Oluwaseun" }, { NULL, "Tunde" },
	{ NULL, "Uchenna" }, { NULL, "Musa" },
};
static const struct name ng_fam[] = {
	{ NULL, "Okafor" }, { NULL, "Adeyemi" }, { NULL, "Eze" }, { NULL, "Balogun" },
	{ NULL, "Nwosu" }, { NULL, "Adebayo" }, { NULL, "Ogunleye" }, { NULL, "Okeke" },
	{ NULL, "Nwachukwu" }, { NULL, "Ibekwe" }, { NULL, "Bello" }, { NULL, "Osagie" },
};
/* Philippines */
static const struct name ph_f[] = {
	{ NULL, "Maricel" }, { NULL, "Jocelyn" }, { NULL, "Rowena" }, { NULL, "Marites" },
	{ NULL, "Lorna" }, { NULL, "Analyn" }, { NULL, "Jennylyn" }, { NULL, "Rosalie" },
	{ NULL, "Mylene" }, { NULL, "Cherry" }, { NULL, "Girlie" }, { NULL, "Arlene" },
};
static const struct name ph_m[] = {
	{ NULL, "Jomar" }, { NULL, "Rodel" }, { NULL, "Ronaldo" }, { NULL, "Jerome" },
	{ NULL, "Arnel" }, { NULL, "Romeo" },
};
static const struct name ph_fam[] = {
	{ NULL, "Dela Cruz" }, { NULL, "Santos" }, { NULL, "Reyes" }, { NULL, "Bautista" },
	{ NULL, "Garcia" }, { NULL, "Mendoza" }, { NULL, "Villanueva" }, { NULL, "Ramos" },
	{ NULL, "Castillo" }, { NULL, "Navarro" }, { NULL, "Pascual" }, { NULL, "Manalo" },
};
/* Indonesia: many people have one name only */
static const struct name id_f[] = {
	{ NULL, "Sri" }, { NULL, "Dewi" }, { NULL, "Wulandari" }, { NULL, "Yuliani" },
	{ NULL, "Rina" }, { NULL, "Sumiati" }, { NULL, "Nurhayati" }, { NULL, "Siti Aminah" },
	{ NULL, "Tuti" }, { NULL, "Kartini" },
};
static const struct name id_m[] = {
	{ NULL, "Agus" }, { NULL, "Budi" }, { NULL, "Eko" }, { NULL, "Hendra" },
	{ NULL, "Slamet" }, { NULL, "Dedi" },
};
static const struct name id_fam[] = {
	{ NULL, "Susanti" }, { NULL, "Rahayu" }, { NULL, "Hidayat" }, { NULL, "Setiawan" },
	{ NULL, "Lestari" }, { NULL, "Kurniawati" }, { NULL, "Wahyuni" }, { NULL, "Saputra" },
	{ NULL, "Purnomo" }, { NULL, "Suryani" },
};
/* Nepal */
static const struct name np_f[] = {
	{ NULL, "Sita" }, { NULL, "Sabina" }, { NULL, "Anita" }, { NULL, "Sunita" },
	{ NULL, "Kamala" }, { NULL, "Bimala" }, { NULL, "Laxmi" }, { NULL, "Puja" },
};
static const struct name np_m[] = {
	{ NULL, "Ram" }, { NULL, "Bishnu" }, { NULL, "Krishna" }, { NULL, "Suman" },
	{ NULL, "Bikash" }, { NULL, "Raju" }, { NULL, "Hari" }, { NULL, "Dil" },
};
static const struct name np_fam[] = {
	{ NULL, "Tamang" }, { NULL, "Gurung" }, { NULL, "Magar" }, { NULL, "Rai" },
	{ NULL, "Shrestha" }, { NULL, "Thapa" }, { NULL, "Sherpa" }, { NULL, "Adhikari" },
	{ NULL, "Karki" }, { NULL, "Limbu" },
};
/* Bangladesh: family names differ for women and men */
static const struct name bd_f[] = {
	{ NULL, "Rehana" }, { NULL, "Shirin" }, { NULL, "Nasrin" }, { NULL, "Rokeya" },
	{ NULL, "Shahnaz" }, { NULL, "Moushumi" }, { NULL, "Parveen" }, { NULL, "Rupa" },
};
static const struct name bd_m[] = {
	{ NULL, "Rafiqul" }, { NULL, "Shahidul" }, { NULL, "Kamrul" }, { NULL, "Jahangir" },
	{ NULL, "Mizanur" }, { NULL, "Habibur" }, { NULL, "Nurul" }, { NULL, "Alamgir" },
};
static const struct name bd_fam_f[] = {
	{ NULL, "Akter" }, { NULL, "Begum" }, { NULL, "Khatun" }, { NULL, "Sultana" },
};
static const struct name bd_fam_m[] = {
	{ NULL, "Islam" }, { NULL, "Hossain" }, { NULL, "Rahman" }, { NULL, "Uddin" },
	{ NULL, "Miah" }, { NULL, "Sarker" }, { NULL, "Alam" },
};
/* Sri Lanka */
static const struct name lk_f[] = {
	{ NULL, "Nirmala" }, { NULL, "Chamari" }, { NULL, "Dilani" }, { NULL, "Sandya" },
	{ NULL, "Malani" }, { NULL, "Shanthi" }, { NULL, "Tharshini" }, { NULL, "Inoka" },
};
static const struct name lk_m[] = {
	{ NULL, "Nuwan" }, { NULL, "Chaminda" }, { NULL, "Sampath" }, { NULL, "Ruwan" },
	{ NULL, "Kasun" }, { NULL, "Pradeep" },
};
static const struct name lk_fam[] = {
	{ NULL, "Perera" }, { NULL, "Fernando" }, { NULL, "De Silva" }, { NULL, "Wijesinghe" },
	{ NULL, "Bandara" }, { NULL, "Herath" }, { NULL, "Rathnayake" }, { NULL, "Gunawardena" },
	{ NULL, "Sivakumar" },
};
/* India */
static const struct name in_f[] = {
	{ NULL, "Lakshmi" }, { NULL, "Anjali" }, { NULL, "Priya" }, { NULL, "Deepa" },
	{ NULL, "Sunitha" }, { NULL, "Reshma" }, { NULL, "Shalini" }, { NULL, "Mini" },
};
static const struct name in_m[] = {
	{ NULL, "Rajesh" }, { NULL, "Suresh" }, { NULL, "Anil" }, { NULL, "Shaji" },
	{ NULL, "Vinod" }, { NULL, "Ramesh" }, { NULL, "Imran" }, { NULL, "Santosh" },
};
static const struct name in_fam[] = {
	{ NULL, "Nair" }, { NULL, "Pillai" }, { NULL, "Kumar" }, { NULL, "Reddy" },
	{ NULL, "Thomas" }, { NULL, "Varghese" }, { NULL, "Yadav" }, { NULL, "Singh" },
	{ NULL, "Sharma" }, { NULL, "Khan" }, { NULL, "Das" }, { NULL, "Menon" },
};

struct list {
	const struct name *v;
	int n;
};
#define L(a) { (a), COUNT(a) }

struct nationality {
	const char *cc;
	int weight;           /* share of the cases, in percent */
	int female_pct;
	int latin_script;     /* names written in Latin letters at home: given_name too */
	int mononym_pct;      /* people with a given name only */
	struct list f, m, fam_f, fam_m;
	const char *doc_prefix;
	int doc_digits;
	const char *lang;     /* ISO 639-1 */
	const char *cities[4];
};

static const struct nationality nationalities[] = {
	{ "PH", 14, 85, 1, 0, L(ph_f), L(ph_m), L(ph_fam), L(ph_fam), "P", 7, "tl",
	  { "Manila", "Cebu City", "Davao City", "Iloilo City" } },
	{ "ET", 14, 85, 0, 0, L(et_f), L(et_m), L(et_fam), L(et_fam), "EQ", 7, "am",
	  { "Addis Ababa", "Dessie", "Jimma", "Bahir Dar" } },
	{ "ID", 10, 85, 1, 25, L(id_f), L(id_m), L(id_fam), L(id_fam), "C", 7, "id",
	  { "Indramayu", "Cianjur", "Lombok Timur", "Cilacap" } },
	{ "KE", 10, 75, 1, 0, L(ke_f), L(ke_m), L(ke_fam), L(ke_fam), "AK", 7, "sw",
	  { "Nairobi", "Mombasa", "Kisumu", "Eldoret" } },
	{ "IN", 10, 35, 0, 0, L(in_f), L(in_m), L(in_fam), L(in_fam), "M", 7, "ml",
	  { "Kochi", "Hyderabad", "Chennai", "Lucknow" } },
	{ "BD", 10, 35, 0, 0, L(bd_f), L(bd_m), L(bd_fam_f), L(bd_fam_m), "A", 8, "bn",
	  { "Dhaka", "Sylhet", "Chattogram", "Cumilla" } },
	{ "NP", 8, 40, 0, 0, L(np_f), L(np_m), L(np_fam), L(np_fam), "PA", 7, "ne",
	  { "Kathmandu", "Pokhara", "Biratnagar", "Nepalgunj" } },
	{ "LK", 7, 75, 0, 0, L(lk_f), L(lk_m), L(lk_fam), L(lk_fam), "N", 7, "si",
	  { "Colombo", "Kandy", "Kurunegala", "Batticaloa" } },
	{ "NG", 6, 70, 1, 0, L(ng_f), L(ng_m), L(ng_fam), L(ng_fam), "A", 8, "en",
	  { "Lagos", "Benin City", "Ibadan", "Kano" } },
	{ "EG", 4, 25, 0, 0, L(eg_f), L(eg_m), L(eg_fam), L(eg_fam), "A", 8, "ar",
	  { "Cairo", "Alexandria", "Asyut", "Mansoura" } },
	{ "MA", 4, 65, 0, 0, L(ma_f), L(ma_m), L(ma_fam), L(ma_fam), "U", 7, "ar",
	  { "Casablanca", "Fes", "Beni Mellal", "Khouribga" } },
	{ "SY", 3, 50, 0, 0, L(sy_f), L(sy_m), L(sy_fam), L(sy_fam), "N", 9, "ar",
	  { "Aleppo", "Homs", "Damascus", "Idlib" } },
};

/* Destinations: Gulf and neighbouring countries, with a few cities each. */
struct destination {
	const char *cc;
	const char *cities[3];
};
static const struct destination destinations[] = {
	{ "BH", { "Manama", "Muharraq", "Riffa" } },   { "SA", { "Riyadh", "Jeddah", "Dammam" } },
	{ "AE", { "Dubai", "Abu Dhabi", "Sharjah" } }, { "QA", { "Doha", "Al Rayyan", "Al Wakrah" } },
	{ "KW", { "Kuwait City", "Hawalli", "Jahra" } }, { "OM", { "Muscat", "Sohar", "Salalah" } },
	{ "JO", { "Amman", "Irbid", "Zarqa" } },       { "LB", { "Beirut", "Tripoli", "Sidon" } },
};

static const struct nationality *pick_nationality(struct demo_rng *r)
{
	int total = 0;
	for (int i = 0; i < COUNT(nationalities); i++)
		total += nationalities[i].weight;
	int x = rng_below(r, total);
	for (int i = 0; i < COUNT(nationalities); i++) {
		if (x < nationalities[i].weight)
			return &nationalities[i];
		x -= nationalities[i].weight;
	}
	return &nationalities[0];
}

/* ---- dates: days since 1970-01-01 <-> YYYY-MM-DD (proleptic Gregorian) ---- */

static void days_to_date(int64_t z, char out[11])
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t y = yoe + era * 400;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	int64_t d = doy - (153 * mp + 2) / 5 + 1;
	int64_t m = mp < 10 ? mp + 3 : mp - 9;
	if (m <= 2)
		y++;
	snprintf(out, 11, "%04d-%02d-%02d", (int)y, (int)m, (int)d);
}

static int date_year(const char *date)
{
	return (date[0] - '0') * 1000 + (date[1] - '0') * 100 + (date[2] - '0') * 10 + (date[3] - '0');
}

/* ---- one case ---- */

static void add_unique(json_t *arr, const char *value)
{
	size_t i;
	json_t *v;
	json_array_foreach(arr, i, v)
		if (!strcmp(json_string_value(v), value))
			return;
	json_array_append_new(arr, json_string(value));
}

static void set_str(json_t *obj, const char *key, const char *value)
{
	json_object_set_new(obj, key, json_string(value));
}

static void set_name(json_t *person, const char *key, const struct name *n, int latin_script)
{
	char latin_key[40];
	snprintf(latin_key, sizeof(latin_key), "%s_latin", key);
	if (n->ar)
		set_str(person, key, n->ar);
	else if (latin_script)
		set_str(person, key, n->lat);
	set_str(person, latin_key, n->lat);
}

static const char *const control_common[] = {
	"WithholdsDocuments", "WithholdsDocuments", "TakesEarnings", "ExcessiveWorkingHours",
	"RestrictsFinancialAccess", "FalsePromises", "DebtBondage", "PsychologicalAbuse",
	"ThreatsLawEnforcement", "WithholdsNecessities", "PhysicalThreats", "RestrictsMedicalCare",
	"PhysicalAbuse",
};
static const char *const male_sectors[] = { "F", "F", "F", "F", "A", "A", "H", "I", "N", "G", "C" };
static const char *const female_other_sectors[] = { "I", "N", "N", "C", "Q" };

/*
 * Fill body with one synthetic case. today: days since the epoch; home: the
 * installation's country.
 */
static json_t *make_case(struct demo_rng *r, int64_t today, const char *home)
{
	const struct nationality *nat = pick_nationality(r);
	int female = rng_pct(r, nat->female_pct);
	json_t *person = json_object(), *victim = json_object(), *kase = json_object();
	json_t *events = json_array(), *consents = json_array();

	/* The person. */
	const struct list *given = female ? &nat->f : &nat->m;
	const struct list *fam = female ? &nat->fam_f : &nat->fam_m;
	set_name(person, "given_name", &given->v[rng_below(r, given->n)], nat->latin_script);
	if (!rng_pct(r, nat->mononym_pct))
		set_name(person, "family_name", &fam->v[rng_below(r, fam->n)], nat->latin_script);
	set_str(person, "gender", rng_pct(r, 2) ? "NonSpecifiedUnknown" : female ? "Feminine" : "Masculine");
	json_t *cit = json_array();
	json_array_append_new(cit, json_string(nat->cc));
	json_object_set_new(person, "citizenship", cit);

	int64_t opened = today - rng_below(r, 730);
	int64_t exploit_end = opened - rng_below(r, 21);
	int64_t exploit_start = exploit_end - 60 - rng_below(r, 1000);
	int64_t recruited = exploit_start - 14 - rng_below(r, 120);
	char d_opened[11], d_end[11], d_start[11], d_recruited[11], d_birth[11];
	days_to_date(opened, d_opened);
	days_to_date(exploit_end, d_end);
	days_to_date(exploit_start, d_start);
	days_to_date(recruited, d_recruited);

	/* Age when trafficked: mostly adults in their twenties and thirties, a few children. */
	int age = rng_pct(r, 4) ? 15 + rng_below(r, 3) : 18 + rng_below(r, 12) + rng_below(r, 15);
	int64_t birth = exploit_start - (int64_t)age * 36525 / 100 - rng_below(r, 365);
	days_to_date(birth, d_birth);
	int age_now = (int)((today - birth) * 100 / 36525);
	if (rng_pct(r, 65))
		set_str(person, "birth_date", d_birth);
	else
		json_object_set_new(person, "estimated_age", json_integer(age_now));
	if (rng_pct(r, 55)) {
		char doc[24];
		int len = snprintf(doc, sizeof(doc), "%s", nat->doc_prefix);
		for (int i = 0; i < nat->doc_digits && len < (int)sizeof(doc) - 1; i++)
			doc[len++] = (char)('0' + rng_below(r, 10));
		doc[len] = '\0';
		set_str(person, "document_number", doc);
	}
	if (rng_pct(r, 60)) {
		static const char *const marital[] = { "Single", "Single", "Married", "Married", "Divorced",
						       "Widowed", "Separated" };
		const char *m = PICK(r, marital);
		set_str(person, "marital_status", m);
		if (strcmp(m, "Single") != 0)
			json_object_set_new(person, "number_of_children", json_integer(rng_below(r, 5)));
	}
	if (rng_pct(r, 70))
		set_str(person, "primary_language", nat->lang);
	if (strcmp(nat->lang, "ar") != 0 && rng_pct(r, 40))
		set_str(person, "secondary_language", rng_pct(r, 50) ? "en" : "ar");

	/* Where the exploitation happened: mostly here, else elsewhere in the region. */
	const struct destination *dest = NULL;
	if (rng_pct(r, 60))
		for (int i = 0; i < COUNT(destinations); i++)
			if (!strcmp(destinations[i].cc, home))
				dest = &destinations[i];
	if (!dest)
		dest = &PICK(r, destinations);
	const char *dest_cc = dest->cc;

	/* The victim. */
	int tstatus = rng_below(r, 100);
	set_str(victim, "trafficking_status", tstatus < 55 ? "PossibleVictimOfTrafficking"
					       : tstatus < 95 ? "ActualVictimOfTrafficking"
							     : "NotAVictimOfTrafficking");
	if (tstatus >= 55) {
		static const char *const deciders[] = { "Police", "Police", "CourtOrProsecution",
							"NonPoliceGovernmentalOrganization", "NGO" };
		set_str(victim, "status_decided_by", PICK(r, deciders));
		char d_decided[11];
		days_to_date(opened + rng_below(r, (int)(today - opened) + 1), d_decided);
		set_str(victim, "status_decision_date", d_decided);
	}
	json_t *types = json_array(), *control = json_array();
	const char *job;
	int sexual = 0;
	if (age < 18)
		json_array_append_new(types, json_string("ChildLabour"));
	if (female) {
		int k = rng_below(r, 100);
		if (k < 60) {
			add_unique(types, "ForcedLabour");
			add_unique(types, "Servitude");
			set_str(victim, "labour_sector", "T");
			job = "domestic work";
		} else if (k < 80) {
			add_unique(types, "SexualExploitation");
			sexual = 1;
			job = rng_pct(r, 50) ? "work in a beauty salon" : "work as a waitress";
		} else if (k < 90) {
			add_unique(types, "Servitude");
			add_unique(types, "SexualExploitation");
			set_str(victim, "labour_sector", "T");
			sexual = 1;
			job = "domestic work";
		} else {
			add_unique(types, "ForcedLabour");
			const char *sector = PICK(r, female_other_sectors);
			set_str(victim, "labour_sector", sector);
			job = !strcmp(sector, "Q") ? "work as a caregiver" : "cleaning work";
		}
	} else {
		const char *sector = PICK(r, male_sectors);
		add_unique(types, rng_pct(r, 3) ? "ForcedBegging" : "ForcedLabour");
		set_str(victim, "labour_sector", sector);
		job = !strcmp(sector, "F") ? "construction work"
		      : !strcmp(sector, "A") ? "farm work"
		      : !strcmp(sector, "H") ? "work as a driver"
		      : !strcmp(sector, "I") ? "restaurant work"
		      : !strcmp(sector, "G") ? "work in a shop"
		      : !strcmp(sector, "C") ? "factory work"
					     : "cleaning work";
	}
	json_object_set_new(victim, "exploitation_types", types);
	if (sexual) {
		json_t *st = json_array();
		json_array_append_new(st, json_string(rng_pct(r, 70) ? "Prostitution" : "PrivateSexualServices"));
		json_object_set_new(victim, "sexual_exploitation_types", st);
		add_unique(control, "SexualAbuse");
	}
	int n_control = 2 + rng_below(r, 3);
	for (int i = 0; i < n_control; i++)
		add_unique(control, PICK(r, control_common));
	json_object_set_new(victim, "means_of_control", control);
	set_str(victim, "exploitation_country", dest_cc);
	char d_tmp[11];
	days_to_date(exploit_start, d_tmp);
	json_object_set_new(victim, "exploitation_start_year", json_integer(date_year(d_tmp)));
	json_object_set_new(victim, "age_when_trafficked", json_integer(age));
	int rel = rng_below(r, 100);
	set_str(victim, "recruiter_relation", rel < 10 ? "Familial" : rel < 50 ? "Acquainted" : "Unaquainted");
	if (rng_pct(r, 60)) {
		json_t *how = json_array();
		int h = rng_below(r, 4);
		if (h == 0) {
			add_unique(how, "ThroughOnlineSocialNetworks");
			json_t *plat = json_array();
			static const char *const platforms[] = { "Facebook", "WhatsApp", "TikTok", "Telegram" };
			add_unique(plat, PICK(r, platforms));
			json_object_set_new(victim, "recruitment_platforms", plat);
		} else if (h == 1) {
			add_unique(how, "ThroughFriendsOrSocialEvents");
		} else if (h == 2) {
			add_unique(how, "ThroughFamilyOrFamilyEvents");
		} else {
			add_unique(how, "AtAPlaceOfBusiness");
		}
		json_object_set_new(victim, "recruitment_methods", how);
	}
	if (rng_pct(r, 50)) {
		json_t *vul = json_array();
		add_unique(vul, "Poverty");
		add_unique(vul, "Migration");
		if (rng_pct(r, 30))
			add_unique(vul, "Education");
		json_object_set_new(victim, "vulnerabilities", vul);
	}
	const char *origin_city = nat->cities[rng_below(r, 4)];
	const char *dest_city = dest->cities[rng_below(r, 3)];
	char narrative[400];
	snprintf(narrative, sizeof(narrative),
		 "Recruited in %s with a promise of %s in %s. %s Left the employer on %s and was referred "
		 "to us. (Demonstration data: this person does not exist.)",
		 origin_city, job, dest_city,
		 rng_pct(r, 50) ? "The passport was taken on arrival and wages went unpaid for months."
				: "Worked long hours without rest days and could not leave the house.",
		 d_end);
	set_str(victim, "narrative", narrative);

	/* The case. */
	int s = rng_below(r, 100);
	const char *status = s < 60 ? "Active" : s < 75 ? "FollowUp" : s < 90 ? "Closed" : "ClosedReferred";
	set_str(kase, "status", status);
	set_str(kase, "opened_date", d_opened);
	json_object_set_new(kase, "registration_year", json_integer(date_year(d_opened)));
	static const char *const purposes[] = { "ProtectionAndAssistance", "ProtectionAndAssistance",
						"ProtectionAndAssistance", "ReferralAndCaseManagement",
						"ReturnAndReintegration", "ReturnAndReintegration", "AccessToJustice" };
	set_str(kase, "purpose", PICK(r, purposes));
	set_str(kase, "legal_basis", rng_pct(r, 85) ? "Consent" : "VitalInterests");
	if (!strncmp(status, "Closed", 6)) {
		char d_closed[11];
		days_to_date(opened + rng_below(r, (int)(today - opened) + 1), d_closed);
		set_str(kase, "closed_date", d_closed);
		if (!strcmp(status, "ClosedReferred")) {
			set_str(kase, "closure_reason", "ReferredElsewhere");
			set_str(kase, "referral_out_date", d_closed);
			set_str(kase, "referral_out_reason", rng_pct(r, 70) ? "AdditionalServicesRequired"
									    : "MigrationOrChangeOfLocation");
		} else if (tstatus >= 95) {
			set_str(kase, "closure_reason", "NotAVictim");
		} else {
			static const char *const reasons[] = { "SupportCompleted", "SupportCompleted", "ReturnedHome",
							       "ReturnedHome", "DeclinedSupport", "LostContact" };
			set_str(kase, "closure_reason", PICK(r, reasons));
		}
	}

	/* The events: recruitment at home (usually known), exploitation at the destination. */
	if (rng_pct(r, 85)) {
		json_t *ev = json_object();
		set_str(ev, "type", "Recruitment");
		set_str(ev, "country", nat->cc);
		set_str(ev, "city", origin_city);
		set_str(ev, "start_date", d_recruited);
		json_array_append_new(events, ev);
	}
	json_t *ex = json_object();
	set_str(ex, "type", "Exploitation");
	set_str(ex, "country", dest_cc);
	set_str(ex, "city", dest_city);
	set_str(ex, "start_date", d_start);
	set_str(ex, "end_date", d_end);
	json_array_append_new(events, ex);

	/* Consent for services, sometimes for statistics too. */
	json_t *con = json_object();
	set_str(con, "purpose", "services");
	json_object_set_new(con, "given", json_true());
	set_str(con, "date", d_opened);
	json_array_append_new(consents, con);
	if (rng_pct(r, 40)) {
		con = json_object();
		set_str(con, "purpose", "statistics");
		json_object_set_new(con, "given", json_true());
		set_str(con, "date", d_opened);
		json_array_append_new(consents, con);
	}

	return json_pack("{s:o, s:o, s:o, s:o, s:o}", "person", person, "victim", victim, "case", kase,
			 "events", events, "consents", consents);
}

json_t *demo_case_make(uint64_t *seed, int64_t today, const char *home)
{
	struct demo_rng r = { *seed };
	json_t *body = make_case(&r, today, home);
	*seed = r.s;
	return body;
}

/* Create n cases acting as the demonstration user `username`. */
static int create_as(const struct app *app, struct store *db, const char *username, int n,
		     struct demo_rng *r, int64_t today, struct problem *pb)
{
	struct user u;
	if (user_load_by_name(db, username, &u, NULL, 0) < 0)
		return problem_set(pb, ERR_NOT_FOUND, "not_found", "demo user");
	struct ctx c;
	memset(&c, 0, sizeof(c));
	c.app = app;
	c.db = db;
	snprintf(c.actor.user_id, sizeof(c.actor.user_id), "%s", u.id);
	snprintf(c.actor.org_id, sizeof(c.actor.org_id), "%s", u.org_id);
	snprintf(c.actor.username, sizeof(c.actor.username), "%s", u.username);
	c.actor.roles = u.roles;

	struct ctx sys = c;
	memset(&sys.actor, 0, sizeof(sys.actor));
	struct org o;
	if (org_get(&sys, u.org_id, &o) < 0)
		return problem_set(pb, ERR_FAIL, "internal", "demo organisation");

	for (int i = 0; i < n; i++) {
		json_t *body = make_case(r, today, o.country);
		char ref[CASE_REF_MAX];
		int rc = body ? case_create(&c, body, ref, pb) : problem_set(pb, ERR_FAIL, "internal", NULL);
		json_decref(body);
		if (rc < 0) {
			fprintf(stderr, "ihala: demonstration case %d of %s refused\n", i + 1, username);
			return rc;
		}
	}
	return 0;
}

int demo_cases_create(struct app *app, int n_manager, int n_responder, struct problem *pb)
{
	struct demo_rng r = { 0x1A2B3C4D5E6F7081ull };
	int64_t today = clock_now() / 86400;
	struct store *db = store_pool_acquire(app->pool);
	if (!db)
		return problem_set(pb, ERR_FAIL, "internal", NULL);
	int rc = create_as(app, db, "casemanager", n_manager, &r, today, pb);
	if (rc == 0)
		rc = create_as(app, db, "responder", n_responder, &r, today, pb);
	store_pool_release(app->pool, db);
	return rc;
}
