/*
 * reply.c: JSON replies and the one table that maps public error codes to
 * HTTP statuses and messages in both languages. The UI translates codes
 * itself; the messages serve other clients and people reading raw answers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/log.h"
#include "../http/jsonout.h"
#include "api.h"

struct error_entry {
	const char *code;
	int status;
	const char *en;
	const char *ar;
};

static const struct error_entry errors[] = {
	{ "bad_json", 400, "The request body is not valid JSON.", "نص الطلب ليس JSON صالحًا." },
	{ "too_deep", 400, "The request body is nested too deeply.", "بنية نص الطلب متداخلة بعمق زائد." },
	{ "body_too_large", 413, "Request body too large.", "حجم الطلب كبير جدًا." },
	{ "too_large", 413, "Request body too large.", "حجم الطلب كبير جدًا." },
	{ "not_object", 400, "The request body must be a JSON object.", "يجب أن يكون نص الطلب كائن JSON." },
	{ "unknown_field", 400, "The request has a field that is not accepted here.", "يحتوي الطلب على حقل غير مقبول هنا." },
	{ "wrong_type", 400, "A field has the wrong type.", "نوع أحد الحقول غير صحيح." },
	{ "missing_field", 400, "A required field is missing.", "حقل مطلوب مفقود." },
	{ "too_long", 400, "A field is too long.", "أحد الحقول طويل جدًا." },
	{ "invalid", 400, "A field has a value that is not allowed.", "قيمة أحد الحقول غير مسموح بها." },
	{ "unauthenticated", 401, "Please sign in.", "يرجى تسجيل الدخول." },
	{ "invalid_credentials", 401, "Wrong username or password.", "اسم المستخدم أو كلمة المرور غير صحيحة." },
	{ "totp_required", 401, "Enter the code from your authenticator app.", "أدخل الرمز من تطبيق المصادقة." },
	{ "totp_invalid", 401, "The authenticator code is not valid.", "رمز المصادقة غير صالح." },
	{ "throttled", 429, "Too many attempts. Wait and try again.", "محاولات كثيرة جدًا. انتظر ثم حاول مجددًا." },
	{ "csrf", 403, "The request is missing its security token. Reload the page.", "الطلب يفتقد رمز الأمان. أعد تحميل الصفحة." },
	{ "setup_required", 403, "Finish setting up your account first.", "أكمل إعداد حسابك أولًا." },
	{ "forbidden", 403, "You are not allowed to do this.", "غير مسموح لك بهذا الإجراء." },
	{ "not_found", 404, "Not found.", "غير موجود." },
	{ "unsupported_media_type", 415, "Send the request body as application/json.", "أرسل نص الطلب بصيغة application/json." },
	{ "method_not_allowed", 405, "This method is not allowed here.", "هذه الطريقة غير مسموح بها هنا." },
	{ "conflict", 409, "This conflicts with existing data.", "يتعارض هذا مع بيانات موجودة." },
	{ "stale_version", 409, "Someone else changed this in the meantime. Reload and try again.", "عدّل شخص آخر هذا في الأثناء. أعد التحميل وحاول مجددًا." },
	{ "weak_password", 400, "The new password is too weak: use at least 12 characters.", "كلمة المرور الجديدة ضعيفة: استخدم 12 حرفًا على الأقل." },
	{ "wrong_password", 400, "The current password is wrong.", "كلمة المرور الحالية غير صحيحة." },
	/* statistics (docs/statistics.md) */
	{ "unknown_dimension", 400, "There is no statistical dimension of this name.", "لا يوجد بُعد إحصائي بهذا الاسم." },
	{ "dimension_not_for_unit", 400, "This dimension cannot be counted for this unit.", "لا يمكن العدّ حسب هذا البُعد لهذه الوحدة." },
	{ "too_many_dimensions", 400, "Count over three dimensions at most.", "يمكن العدّ حسب ثلاثة أبعاد على الأكثر." },
	{ "too_many_filters", 400, "Too many filters in one count.", "عدد عوامل التصفية في العدّ الواحد كبير جدًا." },
	{ "budget_exhausted", 409, "The year's privacy budget does not allow this release.", "ميزانية الخصوصية لهذا العام لا تسمح بهذا الإصدار." },
	{ "release_values_required", 400, "A private release lists the values of every country, year or month dimension in its filters.", "يذكر الإصدار الخاص قيم كل بُعد للبلدان أو السنوات أو الأشهر في عوامل التصفية." },
	{ "table_too_large", 400, "This table would have too many cells: choose fewer or smaller dimensions.", "سيحتوي هذا الجدول على خلايا كثيرة جدًا: اختر أبعادًا أقل أو أصغر." },
	{ "link_not_configured", 409, "Linkage with other installations is not set up here: the administrator sets link_secret_file.",
	  "الربط مع المنظومات الأخرى غير مُعَدّ هنا: يحدّد المسؤول الإعداد link_secret_file." },
	{ "link_other_secret", 400, "The encodings were made with another secret: agree on one secret with the other agency.",
	  "أُعدّت الترميزات بسرّ مختلف: اتفقوا على سرّ واحد مع الجهة الأخرى." },
	{ "import_rejected", 400, "The file was not imported: some rows are not valid.", "لم يُستورد الملف: بعض الصفوف غير صالحة." },
	{ "unknown_set", 400, "There is no indicator set with this key.", "لا توجد مجموعة مؤشرات بهذا المفتاح." },
	{ "set_not_allowed", 400, "Your organisation may not use this indicator set.", "لا يحق لمنظمتك استخدام مجموعة المؤشرات هذه." },
	{ "unknown_indicator", 400, "An answer names an indicator that is not in the set.", "إحدى الإجابات تشير إلى مؤشر غير موجود في المجموعة." },
	{ "child_set_required", 400, "A child, or a person who may be under 18, is screened with a child indicator set.", "يُفحص الطفل، أو من قد يكون دون الثامنة عشرة، بمجموعة مؤشرات الأطفال." },
	{ "already_attached", 409, "This screening is already attached to a case.", "هذا الفحص مرتبط بحالة بالفعل." },
	{ "invalid_set", 400, "The indicator set file is not valid.", "ملف مجموعة المؤشرات غير صالح." },
	{ "version_exists", 409, "This version of the indicator set already exists with other content.", "هذا الإصدار من مجموعة المؤشرات موجود بالفعل بمحتوى مختلف." },
	{ "bad_path", 400, "Bad path.", "مسار غير صالح." },
	{ "future_date", 400, "The date is in the future.", "التاريخ في المستقبل." },
	{ "date_before_previous", 400, "The date is before the date of the current decision.", "التاريخ سابق لتاريخ القرار الحالي." },
	{ "illegal_transition", 409, "This step cannot follow the current state (of the decision or referral).", "لا يمكن أن تلي هذه الخطوةُ الحالةَ الراهنة (للقرار أو الإحالة)." },
	{ "consent_required", 409, "The person has not consented to referral within the country. Record the consent, or ask a supervisor to override with a reason.", "لم يوافق الشخص على الإحالة داخل البلد. سجّل الموافقة، أو اطلب من المشرف التجاوز مع ذكر السبب." },
	{ "consent_withdrawn", 409, "The person withdrew or refused consent to referral within the country: nothing more may be shared.", "سحب الشخص موافقته على الإحالة داخل البلد أو رفضها: لا يجوز مشاركة أي شيء آخر." },
	{ "case_closed", 409, "The case is closed.", "الحالة مغلقة." },
	{ "not_accepting", 409, "This organisation takes no referrals at the moment.", "هذه المنظمة لا تستقبل إحالات حاليًا." },
	{ "service_not_offered", 400, "The receiving organisation does not offer this service.", "المنظمة المستقبِلة لا تقدّم هذه الخدمة." },
	{ "stale_decision", 409, "Another decision was recorded in the meantime. Reload and try again.", "سُجّل قرار آخر في الأثناء. أعد التحميل وحاول مجددًا." },
	{ "plan_item_in_use", 409, "Services were logged against this plan item: cancel it instead of removing it.", "سُجّلت خدمات مقابل بند الخطة هذا: ألغِه بدلًا من حذفه." },
	{ "already_decided", 409, "This pair has already been decided.", "سبق البتّ في هذا الزوج." },
	{ "same_person", 409, "These two records already belong to one person: undo that merge first.", "هذان السجلان لشخص واحد بالفعل: ألغِ ذلك الدمج أولًا." },
	{ "merge_undone", 409, "This merge has already been undone.", "أُلغي هذا الدمج من قبل." },
	{ "merge_not_last", 409, "A later merge of the same person is still in force: undo that one first.", "ما زال دمج لاحق للشخص نفسه ساريًا: ألغِه أولًا." },
	{ "export_too_large", 413, "The file would be too large to download: ask the administrator to run `ihala stats ctdc`.", "الملف أكبر من أن يُنزَّل: اطلب من المسؤول تشغيل الأمر `ihala stats ctdc`." },
	{ "internal", 500, "Something went wrong on the server.", "حدث خطأ في الخادم." },
};

static const struct error_entry *find_error(const char *code)
{
	for (size_t i = 0; i < sizeof(errors) / sizeof(errors[0]); i++)
		if (!strcmp(errors[i].code, code))
			return &errors[i];
	return &errors[sizeof(errors) / sizeof(errors[0]) - 1];
}

void api_json(struct http_request *req, int status, json_t *body)
{
	size_t len = 0;
	char *text = jsonout_dump(body, &len);
	json_decref(body);
	if (!text) {
		static const char fail[] = "{\"error\":{\"code\":\"internal\",\"message\":\"internal error\",\"fields\":{}}}";
		http_respond(req, 500, "application/json", fail, sizeof(fail) - 1);
		return;
	}
	http_respond(req, status, "application/json", text, len);
	free(text);
}

void api_no_content(struct http_request *req)
{
	http_respond(req, 204, NULL, "", 0);
}

static json_t *error_body(const struct error_entry *e, const char *field, const char *field_code)
{
	char message[512];
	snprintf(message, sizeof(message), "%s / %s", e->en, e->ar);
	json_t *fields = json_object();
	if (field && *field)
		json_object_set_new(fields, field, json_string(field_code ? field_code : e->code));
	return json_pack("{s:{s:s, s:s, s:o}}", "error", "code", e->code, "message", message, "fields", fields);
}

void api_error(struct http_request *req, const char *code, const char *field)
{
	const struct error_entry *e = find_error(code);
	api_json(req, e->status, error_body(e, field, NULL));
}

void api_error_rc(struct http_request *req, int rc)
{
	api_error(req, rc == ERR_NOT_FOUND ? "not_found" : "internal", NULL);
}

void api_read_reply(struct http_request *req, int rc, json_t *out)
{
	if (rc < 0)
		api_error_rc(req, rc);
	else
		api_json(req, 200, out);
}

void api_result(struct http_request *req, int rc, int status, json_t *out, const struct problem *pb)
{
	if (rc < 0)
		api_problem(req, pb);
	else
		api_json(req, status, out);
}

void api_page(struct http_request *req, json_t *items, char *next)
{
	api_json(req, 200, json_pack("{s:o, s:o}", "items", items, "next_cursor", next ? json_string(next) : json_null()));
	free(next);
}

void api_problem(struct http_request *req, const struct problem *pb)
{
	const struct error_entry *e = find_error(pb->code ? pb->code : "internal");
	json_t *body = error_body(e, pb->field, NULL);
	if (!strcmp(e->code, "stale_version"))
		json_object_set_new(json_object_get(body, "error"), "current_version",
				    json_integer(pb->current_version));
	api_json(req, e->status, body);
}

void api_body_error(struct http_request *req, const struct jsonin_error *je)
{
	/* One public code for an oversized body, whichever layer caught it. */
	api_error(req, strcmp(je->code, "too_large") ? je->code : "body_too_large", je->field);
}

json_t *api_body(struct api_call *call, const struct jfield *fields, size_t n_fields)
{
	struct jsonin_error je;
	json_t *obj = NULL;
	memset(&je, 0, sizeof(je));
	/* An empty body stands for {} (POST /me/totp and other actions without fields). */
	const char *text = call->req->body_len ? call->req->body : "{}";
	size_t len = call->req->body_len ? call->req->body_len : 2;
	if (jsonin_parse(text, len, fields, n_fields,
			 call->ctx.app->cfg.max_depth, &obj, &je) < 0) {
		api_body_error(call->req, &je);
		return NULL;
	}
	return obj;
}

const char *api_cookie_name(const struct http_request *req)
{
	return req->tls ? "__Host-ihala_session" : "ihala_session";
}

void api_set_session_cookie(struct http_request *req, const char *token)
{
	char cookie[256];
	snprintf(cookie, sizeof(cookie), "%s=%s; Path=/; HttpOnly; SameSite=Strict%s",
		 api_cookie_name(req), token, req->tls ? "; Secure" : "");
	http_add_header(req, "Set-Cookie", cookie);
}

void api_clear_session_cookie(struct http_request *req)
{
	char cookie[256];
	snprintf(cookie, sizeof(cookie), "%s=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0%s",
		 api_cookie_name(req), req->tls ? "; Secure" : "");
	http_add_header(req, "Set-Cookie", cookie);
}

int api_limit(struct api_call *call)
{
	const char *s = http_query(call->req, "limit");
	if (!s)
		return 50;
	char *end;
	long v = strtol(s, &end, 10);
	if (end == s || *end || v < 1 || v > 200) {
		api_error(call->req, "invalid", "limit");
		return -1;
	}
	return (int)v;
}
