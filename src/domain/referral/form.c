/*
 * form.c: the printable referral form (referral.h), for partners who still
 * work on paper. One language per page (?lang=ar|en), right to left in
 * Arabic. Plain semantic HTML without styles, like the subject export: the
 * Content-Security-Policy forbids inline styles, and browsers print plain
 * tables well. Every value is escaped; the person's values are given only
 * where referral_json gives them (the receiver while shared), and the
 * sender, who owns the case, gets the same fields read through its own
 * reach.
 */
#include "referral_int.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/buf.h"
#include "../../core/clock.h"
#include "../directory/directory.h"
#include "../registry/registry.h"

#define FORM_MAX (4u * 1024 * 1024)

struct words {
	const char *en, *ar;
};

static const char *w(const struct words *x, bool ar)
{
	return ar ? x->ar : x->en;
}

static const struct words
	t_title = { "Referral form", "استمارة إحالة" },
	t_case = { "Case reference", "مرجع الحالة" },
	t_from = { "From", "من" },
	t_to = { "To", "إلى" },
	t_sent = { "Sent", "تاريخ الإرسال" },
	t_urgency = { "Urgency", "درجة الاستعجال" },
	t_services = { "Services requested", "الخدمات المطلوبة" },
	t_state = { "State", "الحالة" },
	t_ack = { "Acknowledge by", "الإقرار بالاستلام قبل" },
	t_answer = { "Answer by", "الرد قبل" },
	t_reason = { "Reason for referral", "سبب الإحالة" },
	t_consent = { "Basis for sharing", "أساس المشاركة" },
	t_given = { "Consent of the person for referral within the country", "موافقة الشخص على الإحالة داخل البلد" },
	t_override = { "Supervisor's override without consent (reason on the case)",
		       "تجاوز من المشرف دون موافقة (السبب مسجّل في الحالة)" },
	t_person = { "About the person (only the fields of this referral's profile)",
		     "عن الشخص (حقول ملف هذه الإحالة فقط)" },
	t_withheld = { "The person's details are not shown: the referral is closed or consent was withdrawn.",
		       "لا تُعرض بيانات الشخص: الإحالة مغلقة أو سُحبت الموافقة." },
	t_history = { "History", "السجل" },
	t_sign = { "Received by (name, signature, date)", "استلمها (الاسم والتوقيع والتاريخ)" },
	t_confidential = { "Confidential: personal data of a possible victim of trafficking. Keep locked; do not copy.",
			   "سري: بيانات شخصية لضحية محتملة للاتجار. تُحفظ في مكان مغلق ولا تُنسخ." };

static void row(struct buf *b, const struct words *label, bool ar, const char *value)
{
	buf_puts(b, "<tr><th scope=\"row\">");
	buf_put_html(b, w(label, ar));
	buf_puts(b, "</th><td dir=\"auto\">");
	buf_put_html(b, value);
	buf_puts(b, "</td></tr>\n");
}

static void date_of(int64_t t, char out[32])
{
	if (clock_format_iso(t, out, 32) < 0)
		out[0] = '\0';
	else
		out[16] = '\0', out[10] = ' ';   /* "YYYY-MM-DD HH:MM" (UTC) */
}

/* A value with the registry's labels for its choices. */
static void value_text(struct buf *b, const struct field *f, const json_t *v, bool ar)
{
	if (json_is_array(v)) {
		size_t i;
		json_t *x;
		json_array_foreach(v, i, x) {
			if (i)
				buf_puts(b, ar ? "، " : ", ");
			value_text(b, f, x, ar);
		}
		return;
	}
	if (json_is_string(v)) {
		const char *s = json_string_value(v);
		for (size_t i = 0; f && i < f->n_choices; i++) {
			if (!strcmp(f->choices[i].value, s)) {
				buf_put_html(b, ar ? f->choices[i].label.ar : f->choices[i].label.en);
				return;
			}
		}
		buf_put_html(b, s);
	} else if (json_is_integer(v)) {
		buf_printf(b, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	} else if (json_is_boolean(v)) {
		buf_puts(b, json_is_true(v) ? (ar ? "نعم" : "yes") : (ar ? "لا" : "no"));
	}
}

static void entity_rows(struct buf *b, const struct registry *reg, const char *entity, const json_t *obj, bool ar)
{
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)obj, key, v) {
		const struct field *f = registry_field(reg, entity, key);
		buf_puts(b, "<tr><th scope=\"row\">");
		buf_put_html(b, f ? (ar ? f->label.ar : f->label.en) : key);
		buf_puts(b, "</th><td dir=\"auto\">");
		value_text(b, f, v, ar);
		buf_puts(b, "</td></tr>\n");
	}
}

static void person_part(struct buf *b, const json_t *person, bool ar)
{
	const struct registry *reg = registry_get();
	if (!reg)
		return;
	buf_puts(b, "<table>\n");
	static const char *const single[][2] = { { "person", "person" }, { "victim", "victim" } };
	for (size_t i = 0; i < 2; i++) {
		const json_t *obj = json_object_get(person, single[i][0]);
		if (obj)
			entity_rows(b, reg, single[i][1], obj, ar);
	}
	buf_puts(b, "</table>\n");
	const json_t *events = json_object_get(person, "events");
	size_t i;
	json_t *ev;
	json_array_foreach(events, i, ev) {
		buf_printf(b, "<h3>%s %zu</h3>\n<table>\n", ar ? "حدث" : "Event", i + 1);
		entity_rows(b, reg, "event", ev, ar);
		buf_puts(b, "</table>\n");
	}
}

static void render(struct buf *b, const json_t *j, bool ar)
{
	const char *lang = ar ? "ar" : "en";
	buf_printf(b, "<!DOCTYPE html>\n<html lang=\"%s\" dir=\"%s\">\n<head><meta charset=\"utf-8\"><title>", lang,
		   ar ? "rtl" : "ltr");
	buf_put_html(b, w(&t_title, ar));
	buf_puts(b, "</title></head>\n<body>\n<h1>");
	buf_put_html(b, w(&t_title, ar));
	buf_puts(b, "</h1>\n<p><strong>");
	buf_put_html(b, w(&t_confidential, ar));
	buf_puts(b, "</strong></p>\n<table>\n");
	const char *name_key = ar ? "name_ar" : "name_en";
	row(b, &t_case, ar, json_string_value(json_object_get(j, "case_ref")));
	row(b, &t_from, ar, json_string_value(json_object_get(json_object_get(j, "from_org"), name_key)));
	row(b, &t_to, ar, json_string_value(json_object_get(json_object_get(j, "to_org"), name_key)));
	char d[32];
	date_of(json_integer_value(json_object_get(j, "created_at")), d);
	row(b, &t_sent, ar, d);
	row(b, &t_urgency, ar, json_string_value(json_object_get(j, "urgency")));
	struct buf sv;
	buf_init(&sv, 4096);
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(j, "services"), i, v) {
		const struct directory_service *s = directory_service_find(json_string_value(v));
		if (i)
			buf_puts(&sv, ar ? "، " : ", ");
		buf_puts(&sv, s ? (ar ? s->label.ar : s->label.en) : json_string_value(v));
	}
	row(b, &t_services, ar, buf_error(&sv) || !sv.data ? "" : sv.data);
	buf_release(&sv);
	row(b, &t_state, ar, json_string_value(json_object_get(j, "state")));
	date_of(json_integer_value(json_object_get(j, "ack_due")), d);
	row(b, &t_ack, ar, d);
	date_of(json_integer_value(json_object_get(j, "answer_due")), d);
	row(b, &t_answer, ar, d);
	const char *consent = json_string_value(json_object_get(j, "consent"));
	row(b, &t_consent, ar, w(consent && !strcmp(consent, "override") ? &t_override : &t_given, ar));
	if (json_is_string(json_object_get(j, "reason")))
		row(b, &t_reason, ar, json_string_value(json_object_get(j, "reason")));
	buf_puts(b, "</table>\n<h2>");
	buf_put_html(b, w(&t_person, ar));
	buf_puts(b, "</h2>\n");
	const json_t *person = json_object_get(j, "person");
	if (person) {
		person_part(b, person, ar);
	} else {
		buf_puts(b, "<p>");
		buf_put_html(b, w(&t_withheld, ar));
		buf_puts(b, "</p>\n");
	}
	buf_puts(b, "<h2>");
	buf_put_html(b, w(&t_history, ar));
	buf_puts(b, "</h2>\n<ol>\n");
	json_array_foreach(json_object_get(j, "transitions"), i, v) {
		date_of(json_integer_value(json_object_get(v, "at")), d);
		buf_puts(b, "<li>");
		buf_put_html(b, d);
		buf_puts(b, " — ");
		buf_put_html(b, json_string_value(json_object_get(v, "to")));
		const char *note = json_string_value(json_object_get(v, "note"));
		if (note) {
			buf_puts(b, ": <span dir=\"auto\">");
			buf_put_html(b, note);
			buf_puts(b, "</span>");
		}
		buf_puts(b, "</li>\n");
	}
	buf_puts(b, "</ol>\n<p>");
	buf_put_html(b, w(&t_sign, ar));
	buf_puts(b, ": ______________________________</p>\n</body>\n</html>\n");
}

int referral_form(struct ctx *c, const char *id, const char *lang, char **html)
{
	struct referral_row r;
	json_t *j = NULL;
	bool viewed = false;
	*html = NULL;
	if (store_begin_read(c->db) < 0)
		return ERR_FAIL;
	int rc = referral_row_load(c, id, &r);
	if (rc == 0)
		rc = referral_json(c, &r, true, &j, &viewed);
	/* The sender owns the case: it prints the same fields when it may still read the case. */
	if (rc == 0 && !viewed && !strcmp(json_string_value(json_object_get(j, "side")), "sender")) {
		struct case_handle h;
		if (case_lookup_id(c, r.case_id, PERM_CASE_READ, &h) == 0 && referral_state_open(r.state)) {
			const char *paths[REFERRAL_FIELDS_MAX];
			char buf[sizeof(r.fields)];
			int n = 0;
			snprintf(buf, sizeof(buf), "%s", r.fields);
			for (char *save = NULL, *t = strtok_r(buf, " ", &save); t && n < REFERRAL_FIELDS_MAX;
			     t = strtok_r(NULL, " ", &save))
				paths[n++] = t;
			json_t *person;
			if ((rc = case_view_fields(c, r.case_id, paths, n, &person)) == 0) {
				json_object_set_new(j, "person", person);
				viewed = true;
			}
		}
	}
	store_rollback(c->db);
	if (rc < 0) {
		json_decref(j);
		return rc;
	}
	struct buf b;
	buf_init(&b, FORM_MAX);
	render(&b, j, !strcmp(lang, "ar"));
	json_decref(j);
	if (buf_error(&b) || !b.data) {
		if (b.data)
			sodium_memzero(b.data, b.len);
		buf_release(&b);
		return ERR_NOMEM;
	}
	rc = ctx_audit_tx(c, viewed ? "referral.form.view" : "referral.form", "referral", r.id, "ok");
	if (rc < 0) {
		sodium_memzero(b.data, b.len);
		buf_release(&b);
		return rc;
	}
	*html = (char *)b.data;   /* the caller frees */
	return 0;
}
