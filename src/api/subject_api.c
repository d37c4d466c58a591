/*
 * subject_api.c: GET /api/v1/cases/{ref}/subject-export: a copy of a
 * person's own data, on their request (src/domain/case/retention.h builds
 * it). As JSON by default; with ?format=html as a printable page in English
 * and Arabic.
 *
 * The page is plain semantic HTML (headings, tables, a description list)
 * with no styling at all: the Content-Security-Policy (style-src 'self')
 * forbids inline styles and <style> elements, and a link to a UI asset would
 * tie the page to the UI's build. Browsers print plain tables well.
 * Every value is HTML-escaped; values that may be in either script are
 * dir="auto", the Arabic texts dir="rtl".
 *
 * Beside the case's own values the copy holds what other modules recorded
 * about the person: the screenings of the case (list, date, assessment, the
 * dimensions and the indicators answered yes) and the identification
 * decisions (status, date, deciding organisation, reasons), whom the data was
 * shared with (referrals: organisation, services, date, state, fields; transfers), the support plan
 * (goals, actions, responsible organisations, dates, statuses) and the
 * services delivered (date, type, organisation, note). Staff are left out
 * there too (no ids of who screened, recorded, changed or logged).
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../domain/case/retention.h"
#include "../domain/directory/directory.h"
#include "../domain/ident/decision.h"
#include "../domain/plan/plan.h"
#include "../domain/referral/referral.h"
#include "../domain/screening/screening.h"
#include "api.h"

#define PAGE_MAX (16u * 1024 * 1024)

static const char *lang(const json_t *label, const char *which)
{
	const char *s = json_string_value(json_object_get(label, which));
	return s ? s : "";
}

/* A value without a label: text, a number, a list of codes. */
static void put_plain(struct buf *b, const json_t *v)
{
	if (json_is_string(v)) {
		buf_put_html(b, json_string_value(v));
	} else if (json_is_integer(v)) {
		buf_printf(b, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	} else if (json_is_real(v)) {
		buf_printf(b, "%g", json_real_value(v));
	} else if (json_is_array(v)) {
		size_t i;
		json_t *one;
		json_array_foreach(v, i, one) {
			if (i)
				buf_puts(b, ", ");
			put_plain(b, one);
		}
	}
}

/* Labels of a choice (an object) or of a multiple choice (an array) in one language. */
static void put_value_label(struct buf *b, const json_t *vl, const char *which)
{
	if (json_is_object(vl)) {
		buf_put_html(b, lang(vl, which));
		return;
	}
	size_t i;
	json_t *one;
	json_array_foreach(vl, i, one) {
		if (i)
			buf_puts(b, strcmp(which, "ar") ? ", " : "، ");
		buf_put_html(b, json_is_object(one) ? lang(one, which) : "?");
	}
}

/* One table of labelled fields: English label, value, Arabic label. */
static void put_fields(struct buf *b, const json_t *fields)
{
	if (!json_array_size(fields)) {
		buf_puts(b, "<p>—</p>\n");
		return;
	}
	buf_puts(b, "<table>\n<thead><tr><th scope=\"col\">Field</th><th scope=\"col\">Value · "
		    "<span lang=\"ar\" dir=\"rtl\">القيمة</span></th><th scope=\"col\" lang=\"ar\" dir=\"rtl\">"
		    "الحقل</th></tr></thead>\n<tbody>\n");
	size_t i;
	json_t *f;
	json_array_foreach(fields, i, f) {
		const json_t *label = json_object_get(f, "label");
		const json_t *vl = json_object_get(f, "value_label");
		buf_puts(b, "<tr><th scope=\"row\">");
		buf_put_html(b, lang(label, "en"));
		if (vl) {
			buf_puts(b, "</th><td>");
			put_value_label(b, vl, "en");
			buf_puts(b, " · <span lang=\"ar\" dir=\"rtl\">");
			put_value_label(b, vl, "ar");
			buf_puts(b, "</span>");
		} else {
			buf_puts(b, "</th><td dir=\"auto\">");
			put_plain(b, json_object_get(f, "value"));
		}
		buf_puts(b, "</td><th scope=\"row\" lang=\"ar\" dir=\"rtl\">");
		buf_put_html(b, lang(label, "ar"));
		buf_puts(b, "</th></tr>\n");
	}
	buf_puts(b, "</tbody>\n</table>\n");
}

/* <h2>English · Arabic[ n]</h2>; n <= 0 for none. */
static void put_heading(struct buf *b, const json_t *label, int n)
{
	buf_puts(b, "<h2>");
	buf_put_html(b, lang(label, "en"));
	if (n > 0)
		buf_printf(b, " %d", n);
	buf_puts(b, " · <span lang=\"ar\" dir=\"rtl\">");
	buf_put_html(b, lang(label, "ar"));
	if (n > 0)
		buf_printf(b, " %d", n);
	buf_puts(b, "</span></h2>\n");
}

/* An enumerated value in both languages, from a small table; the code itself when unknown. */
struct word {
	const char *code, *en, *ar;
};
static const struct word assessments[] = {
	{ "likely_victim", "likely a victim of trafficking", "ضحية محتملة للاتجار" },
	{ "not_established", "not established", "لم يثبت" },
	{ "insufficient_information", "not enough information", "معلومات غير كافية" },
	{ NULL, NULL, NULL },
};
static const struct word statuses[] = {
	{ "possible", "possible victim", "ضحية محتملة" },
	{ "presumed", "presumed victim (reasonable grounds)", "ضحية مفترضة (أسباب معقولة)" },
	{ "identified", "identified victim (conclusive grounds)", "ضحية مُحدَّدة (أسباب قاطعة)" },
	{ "not_a_victim", "not a victim", "ليس ضحية" },
	{ NULL, NULL, NULL },
};

static void put_word(struct buf *b, const struct word *w, const char *code)
{
	for (; w->code; w++)
		if (code && !strcmp(w->code, code))
			break;
	buf_put_html(b, w->code ? w->en : code);
	buf_puts(b, " · <span lang=\"ar\" dir=\"rtl\">");
	buf_put_html(b, w->code ? w->ar : code);
	buf_puts(b, "</span>");
}

/* The screenings and decisions sections (add_related's shape). */
static void put_related(struct buf *b, const json_t *doc)
{
	const json_t *list = json_object_get(doc, "screenings");
	size_t i;
	json_t *s;
	if (json_array_size(list)) {
		buf_puts(b, "<section>\n<h2>Screenings · <span lang=\"ar\" dir=\"rtl\">الفحوص الأولية</span></h2>\n"
			    "<table>\n<thead><tr><th scope=\"col\">Date · <span lang=\"ar\" dir=\"rtl\">التاريخ</span></th>"
			    "<th scope=\"col\">Indicator list · <span lang=\"ar\" dir=\"rtl\">قائمة المؤشرات</span></th>"
			    "<th scope=\"col\">Result · <span lang=\"ar\" dir=\"rtl\">النتيجة</span></th></tr></thead>\n"
			    "<tbody>\n");
		json_array_foreach(list, i, s) {
			buf_puts(b, "<tr><td>");
			buf_put_html(b, json_string_value(json_object_get(s, "date")));
			buf_puts(b, "</td><td>");
			buf_put_html(b, json_string_value(json_object_get(s, "set")));
			buf_printf(b, " v%" JSON_INTEGER_FORMAT "</td><td>", json_integer_value(json_object_get(s, "set_version")));
			put_word(b, assessments, json_string_value(json_object_get(s, "assessment")));
			buf_puts(b, "</td></tr>\n");
		}
		buf_puts(b, "</tbody>\n</table>\n</section>\n");
	}
	list = json_object_get(doc, "identification_decisions");
	if (json_array_size(list)) {
		buf_puts(b, "<section>\n<h2>Identification decisions · <span lang=\"ar\" dir=\"rtl\">قرارات تحديد "
			    "الهوية</span></h2>\n<table>\n<thead><tr><th scope=\"col\">Date · <span lang=\"ar\" "
			    "dir=\"rtl\">التاريخ</span></th><th scope=\"col\">Decision · <span lang=\"ar\" dir=\"rtl\">"
			    "القرار</span></th><th scope=\"col\">Decided by · <span lang=\"ar\" dir=\"rtl\">الجهة</span>"
			    "</th><th scope=\"col\">Reasons · <span lang=\"ar\" dir=\"rtl\">الأسباب</span></th></tr>"
			    "</thead>\n<tbody>\n");
		json_array_foreach(list, i, s) {
			buf_puts(b, "<tr><td>");
			buf_put_html(b, json_string_value(json_object_get(s, "date")));
			buf_puts(b, "</td><td>");
			put_word(b, statuses, json_string_value(json_object_get(s, "status")));
			buf_puts(b, "</td><td dir=\"auto\">");
			buf_put_html(b, json_string_value(json_object_get(s, "decided_by")));
			buf_puts(b, "</td><td dir=\"auto\">");
			buf_put_html(b, json_string_value(json_object_get(s, "reasons")));
			buf_puts(b, "</td></tr>\n");
		}
		buf_puts(b, "</tbody>\n</table>\n</section>\n");
	}
}

static const struct word plan_statuses[] = {
	{ "planned", "planned", "مخطط" },
	{ "in_progress", "in progress", "قيد التنفيذ" },
	{ "done", "done", "منجز" },
	{ "cancelled", "cancelled", "ملغى" },
	{ NULL, NULL, NULL },
};

/* A support type in both languages, from the directory's labels. */
static void put_support_type(struct buf *b, const char *code)
{
	const struct directory_service *d = directory_service_find(code);
	buf_put_html(b, d ? d->label.en : code);
	buf_puts(b, " · <span lang=\"ar\" dir=\"rtl\">");
	buf_put_html(b, d ? d->label.ar : code);
	buf_puts(b, "</span>");
}

static void put_names(struct buf *b, const json_t *names)
{
	buf_put_html(b, lang(names, "en"));
	buf_puts(b, " · <span lang=\"ar\" dir=\"rtl\">");
	buf_put_html(b, lang(names, "ar"));
	buf_puts(b, "</span>");
}

/* The support plan and services sections (add_plan's shape). */
static void put_plan(struct buf *b, const json_t *doc)
{
	const json_t *list = json_object_get(doc, "support_plan");
	size_t i;
	json_t *s;
	if (json_array_size(list)) {
		buf_puts(b, "<section>\n<h2>Support plan · <span lang=\"ar\" dir=\"rtl\">خطة الدعم</span></h2>\n"
			    "<table>\n<thead><tr><th scope=\"col\">Support · <span lang=\"ar\" dir=\"rtl\">الدعم</span></th>"
			    "<th scope=\"col\">Goal · <span lang=\"ar\" dir=\"rtl\">الهدف</span></th>"
			    "<th scope=\"col\">Actions · <span lang=\"ar\" dir=\"rtl\">الإجراءات</span></th>"
			    "<th scope=\"col\">Responsible · <span lang=\"ar\" dir=\"rtl\">الجهة المسؤولة</span></th>"
			    "<th scope=\"col\">Due · <span lang=\"ar\" dir=\"rtl\">الموعد</span></th>"
			    "<th scope=\"col\">Status · <span lang=\"ar\" dir=\"rtl\">الحالة</span></th></tr></thead>\n"
			    "<tbody>\n");
		json_array_foreach(list, i, s) {
			buf_puts(b, "<tr><td>");
			put_support_type(b, json_string_value(json_object_get(s, "support_type")));
			buf_puts(b, "</td><td dir=\"auto\">");
			buf_put_html(b, json_string_value(json_object_get(s, "goal")));
			buf_puts(b, "</td><td dir=\"auto\">");
			buf_put_html(b, json_string_value(json_object_get(s, "action")));
			buf_puts(b, "</td><td>");
			put_names(b, json_object_get(s, "responsible"));
			buf_puts(b, "</td><td>");
			buf_put_html(b, json_string_value(json_object_get(s, "due_date")));
			buf_puts(b, "</td><td>");
			put_word(b, plan_statuses, json_string_value(json_object_get(s, "status")));
			buf_puts(b, "</td></tr>\n");
		}
		buf_puts(b, "</tbody>\n</table>\n</section>\n");
	}
	list = json_object_get(doc, "services_delivered");
	if (json_array_size(list)) {
		buf_puts(b, "<section>\n<h2>Services received · <span lang=\"ar\" dir=\"rtl\">الخدمات المقدَّمة</span></h2>\n"
			    "<table>\n<thead><tr><th scope=\"col\">Date · <span lang=\"ar\" dir=\"rtl\">التاريخ</span></th>"
			    "<th scope=\"col\">Service · <span lang=\"ar\" dir=\"rtl\">الخدمة</span></th>"
			    "<th scope=\"col\">By · <span lang=\"ar\" dir=\"rtl\">الجهة</span></th>"
			    "<th scope=\"col\">Note · <span lang=\"ar\" dir=\"rtl\">ملاحظة</span></th></tr></thead>\n"
			    "<tbody>\n");
		json_array_foreach(list, i, s) {
			buf_puts(b, "<tr><td>");
			buf_put_html(b, json_string_value(json_object_get(s, "date")));
			buf_puts(b, "</td><td>");
			put_support_type(b, json_string_value(json_object_get(s, "support_type")));
			buf_puts(b, "</td><td>");
			put_names(b, json_object_get(s, "delivered_by"));
			buf_puts(b, "</td><td dir=\"auto\">");
			buf_put_html(b, json_string_value(json_object_get(s, "note")));
			buf_puts(b, "</td></tr>\n");
		}
		buf_puts(b, "</tbody>\n</table>\n</section>\n");
	}
}

/* Copy the named members of from that exist into a new object. */
static json_t *pick(const json_t *from, const char *const *keys)
{
	json_t *o = json_object();
	for (; *keys; keys++) {
		json_t *v = json_object_get(from, *keys);
		if (v)
			json_object_set(o, *keys, v);
	}
	return o;
}

/* {"en","ar"} of an organisation object {"id","name_en","name_ar"}. */
static json_t *org_names(const json_t *org)
{
	return json_pack("{s:O, s:O}", "en", json_object_get(org, "name_en"), "ar", json_object_get(org, "name_ar"));
}

/*
 * Add "support_plan" and "services_delivered" to doc (plan.h), without staff:
 *	support_plan: [{"support_type","goal","action","due_date","status","completed_on","responsible":{"en","ar"}}]
 *	services_delivered: [{"date","support_type","note","delivered_by":{"en","ar"}}], latest first
 */
static int add_plan(struct ctx *c, const char *ref, json_t *doc)
{
	static const char *const pkeys[] = { "support_type", "goal", "action", "due_date", "status", "completed_on", NULL };
	static const char *const skeys[] = { "date", "support_type", "note", NULL };
	json_t *plan = NULL, *list = json_array();
	int rc = plan_get(c, ref, &plan);
	size_t i;
	json_t *s;
	json_array_foreach(rc == 0 ? json_object_get(plan, "items") : NULL, i, s) {
		json_t *one = pick(s, pkeys);
		json_object_set_new(one, "responsible", org_names(json_object_get(s, "responsible_org")));
		json_array_append_new(list, one);
	}
	json_decref(plan);
	json_object_set_new(doc, "support_plan", list);
	list = json_array();
	json_object_set_new(doc, "services_delivered", list);
	char *cursor = NULL;
	do {
		json_t *items = NULL;
		char *next = NULL;
		struct problem pb = { 0 };
		if (rc == 0)
			rc = plan_services_list(c, ref, cursor, 200, &items, &next, &pb);
		json_array_foreach(rc == 0 ? items : NULL, i, s) {
			json_t *one = pick(s, skeys);
			json_object_set_new(one, "delivered_by", org_names(json_object_get(s, "org")));
			json_array_append_new(list, one);
		}
		json_decref(items);
		free(cursor);
		cursor = next;
	} while (rc == 0 && cursor);
	free(cursor);
	return rc;
}

/*
 * Add "screenings" and "identification_decisions" to doc, without staff:
 *	screenings: [{"date", "set", "set_version", "assessment", "child_protection", "dimensions"}]
 *	identification_decisions: [{"date", "status", "decided_by", "decided_by_type", "reasons", "superseded"}]
 */
static void day_of(json_int_t at, char day[16])
{
	time_t t = (time_t)at;
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(day, 16, "%Y-%m-%d", &tm);
}

/*
 * Add "shared_with" to doc: whom the person's data went to, as they have
 * the right to know. Referrals of the case (the organisation, the services,
 * when, the state, the fields shared) and transfers of the whole case:
 *	[{"kind": "referral"|"transfer", "org": {"en","ar"}, "date", "services", "state", "fields"}]
 */
static int add_sharing(struct ctx *c, const char *ref, json_t *doc)
{
	json_t *list = json_array(), *items = NULL, *s;
	json_object_set_new(doc, "shared_with", list);
	struct referral_filter f = { .case_ref = ref };
	struct problem pb = { 0 };
	char *next = NULL, day[16];
	size_t i;
	int rc = referral_list(c, &f, 200, &items, &next, &pb);
	free(next);
	json_array_foreach(rc == 0 ? items : NULL, i, s) {
		const json_t *to = json_object_get(s, "to_org");
		day_of(json_integer_value(json_object_get(s, "created_at")), day);
		json_array_append_new(list, json_pack("{s:s, s:{s:O, s:O}, s:s, s:O, s:O, s:O}", "kind", "referral", "org",
						      "en", json_object_get(to, "name_en"), "ar",
						      json_object_get(to, "name_ar"), "date", day, "services",
						      json_object_get(s, "services"), "state", json_object_get(s, "state"),
						      "fields", json_object_get(s, "fields")));
	}
	json_decref(items);
	if (rc < 0)
		return rc;
	items = NULL;
	rc = case_transfers_list(c, ref, &items);
	json_array_foreach(rc == 0 ? items : NULL, i, s) {
		const json_t *to = json_object_get(s, "to_org");
		day_of(json_integer_value(json_object_get(s, "at")), day);
		json_array_append_new(list, json_pack("{s:s, s:{s:O, s:O}, s:s}", "kind", "transfer", "org", "en",
						      json_object_get(to, "name_en"), "ar", json_object_get(to, "name_ar"),
						      "date", day));
	}
	json_decref(items);
	return rc < 0 ? rc : 0;
}

/* The "shared_with" section. */
static void put_sharing(struct buf *b, const json_t *doc)
{
	const json_t *list = json_object_get(doc, "shared_with");
	if (!json_array_size(list))
		return;
	buf_puts(b, "<section>\n<h2>Shared with · <span lang=\"ar\" dir=\"rtl\">جهات تمت مشاركة بياناتك معها</span></h2>\n"
		    "<table>\n<thead><tr><th scope=\"col\">Date · <span lang=\"ar\" dir=\"rtl\">التاريخ</span></th>"
		    "<th scope=\"col\">Organisation · <span lang=\"ar\" dir=\"rtl\">المنظمة</span></th>"
		    "<th scope=\"col\">For · <span lang=\"ar\" dir=\"rtl\">الغرض</span></th>"
		    "<th scope=\"col\">Data shared · <span lang=\"ar\" dir=\"rtl\">البيانات المشارَكة</span></th></tr></thead>\n"
		    "<tbody>\n");
	size_t i, k;
	json_t *s, *v;
	json_array_foreach(list, i, s) {
		bool transfer = !strcmp(json_string_value(json_object_get(s, "kind")), "transfer");
		buf_puts(b, "<tr><td>");
		buf_put_html(b, json_string_value(json_object_get(s, "date")));
		buf_puts(b, "</td><td>");
		put_names(b, json_object_get(s, "org"));
		buf_puts(b, "</td><td>");
		if (transfer) {
			buf_puts(b, "The whole case was handed over · <span lang=\"ar\" dir=\"rtl\">نُقلت الحالة كاملة</span>");
		} else {
			json_array_foreach(json_object_get(s, "services"), k, v) {
				if (k)
					buf_puts(b, "; ");
				put_support_type(b, json_string_value(v));
			}
		}
		buf_puts(b, "</td><td>");
		if (transfer)
			buf_puts(b, "all · <span lang=\"ar\" dir=\"rtl\">الكل</span>");
		json_array_foreach(transfer ? NULL : json_object_get(s, "fields"), k, v) {
			if (k)
				buf_puts(b, ", ");
			buf_put_html(b, json_string_value(v));
		}
		buf_puts(b, "</td></tr>\n");
	}
	buf_puts(b, "</tbody>\n</table>\n</section>\n");
}

static int add_related(struct ctx *c, const char *ref, json_t *doc)
{
	json_t *items = NULL, *out = NULL, *list = json_array();
	int rc = screening_list(c, ref, 200, &items);
	size_t i;
	json_t *s;
	static const char *const skeys[] = { "set", "set_version", "assessment", "child_protection", "dimensions", NULL };
	json_array_foreach(rc == 0 ? items : NULL, i, s) {
		json_t *one = pick(s, skeys);
		json_int_t at = json_integer_value(json_object_get(s, "created_at"));
		char day[16];
		time_t t = (time_t)at;
		struct tm tm;
		gmtime_r(&t, &tm);
		strftime(day, sizeof(day), "%Y-%m-%d", &tm);
		json_object_set_new(one, "date", json_string(day));
		json_array_append_new(list, one);
	}
	json_decref(items);
	json_object_set_new(doc, "screenings", list);
	if (rc < 0)
		return rc;
	list = json_array();
	rc = ident_list(c, ref, &out);
	json_array_foreach(rc == 0 ? json_object_get(out, "items") : NULL, i, s) {
		static const char *const dkeys[] = { "date", "status", "decided_by_type", "reasons", "superseded", NULL };
		json_t *one = pick(s, dkeys);
		json_object_set(one, "decided_by", json_object_get(s, "org_name"));
		json_array_append_new(list, one);
	}
	json_decref(out);
	json_object_set_new(doc, "identification_decisions", list);
	if (rc == 0)
		rc = add_plan(c, ref, doc);
	return rc < 0 ? rc : add_sharing(c, ref, doc);
}

static void render_html(struct buf *b, const json_t *doc)
{
	const char *ref = json_string_value(json_object_get(doc, "ref"));
	const char *when = json_string_value(json_object_get(doc, "generated_at"));
	const json_t *labels = json_object_get(doc, "labels");
	buf_puts(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
		    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>");
	buf_put_html(b, ref);
	buf_puts(b, "</title>\n</head>\n<body>\n<header>\n<h1>Your personal data · "
		    "<span lang=\"ar\" dir=\"rtl\">بياناتك الشخصية</span></h1>\n<p>This is a copy of the "
		    "personal data recorded about you in case ");
	buf_put_html(b, ref);
	buf_puts(b, ", prepared at your request on ");
	buf_put_html(b, when);
	buf_puts(b, " (UTC). Comments by staff are shown without the names of their authors.</p>\n"
		    "<p lang=\"ar\" dir=\"rtl\">هذه نسخة من البيانات الشخصية المسجلة عنك في الحالة <bdi>");
	buf_put_html(b, ref);
	buf_puts(b, "</bdi>، أُعدّت بناءً على طلبك بتاريخ <bdi>");
	buf_put_html(b, when);
	buf_puts(b, "</bdi> (بالتوقيت العالمي). تُعرض تعليقات الموظفين دون أسماء كاتبيها.</p>\n</header>\n<main>\n");

	static const struct {
		const char *key, *entity;
		bool many;
	} parts[] = {
		{ "person", "person", false }, { "victim", "victim", false },   { "case", "case", false },
		{ "events", "event", true },   { "consents", "consent", true },
	};
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		const json_t *v = json_object_get(doc, parts[i].key);
		const json_t *label = json_object_get(labels, parts[i].entity);
		if (!parts[i].many) {
			if (!json_array_size(v) && strcmp(parts[i].key, "person"))
				continue;
			buf_puts(b, "<section>\n");
			put_heading(b, label, 0);
			put_fields(b, v);
			buf_puts(b, "</section>\n");
			continue;
		}
		size_t k;
		json_t *item;
		json_array_foreach(v, k, item) {
			buf_puts(b, "<section>\n");
			put_heading(b, label, (int)k + 1);
			put_fields(b, item);
			buf_puts(b, "</section>\n");
		}
	}
	const json_t *comments = json_object_get(doc, "comments");
	if (json_array_size(comments)) {
		buf_puts(b, "<section>\n");
		put_heading(b, json_object_get(labels, "comment"), 0);
		buf_puts(b, "<dl>\n");
		size_t k;
		json_t *cm;
		json_array_foreach(comments, k, cm) {
			buf_puts(b, "<dt>");
			buf_put_html(b, json_string_value(json_object_get(cm, "at")));
			buf_puts(b, "</dt><dd dir=\"auto\">");
			buf_put_html(b, json_string_value(json_object_get(cm, "text")));
			buf_puts(b, "</dd>\n");
		}
		buf_puts(b, "</dl>\n</section>\n");
	}
	put_related(b, doc);
	put_plan(b, doc);
	put_sharing(b, doc);
	buf_puts(b, "</main>\n</body>\n</html>\n");
}

void api_cases_subject_export(struct http_request *req, void *p)
{
	struct api_call *call = p;
	const char *format = http_query(req, "format");
	bool html = format && !strcmp(format, "html");
	if (format && !html && strcmp(format, "json")) {
		api_error(req, "invalid", "format");
		return;
	}
	json_t *doc;
	int rc = case_subject_export(&call->ctx, req->params[0], &doc);
	if (rc == 0 && (rc = add_related(&call->ctx, req->params[0], doc)) < 0)
		json_decref(doc);
	if (rc < 0) {
		api_error_rc(req, rc);
		return;
	}
	if (!html) {
		api_json(req, 200, doc);
		return;
	}
	struct buf page;
	buf_init(&page, PAGE_MAX);
	render_html(&page, doc);
	char disposition[96];
	snprintf(disposition, sizeof(disposition), "inline; filename=\"%s.html\"",
		 json_string_value(json_object_get(doc, "ref")));
	json_decref(doc);
	if (buf_error(&page)) {
		api_error(req, "internal", NULL);
	} else {
		http_add_header(req, "Content-Disposition", disposition);
		http_respond(req, 200, "text/html; charset=utf-8", page.data, page.len);
	}
	/* The response holds its own copy; this one held personal data. */
	if (page.data)
		sodium_memzero(page.data, page.cap);
	buf_release(&page);
}
