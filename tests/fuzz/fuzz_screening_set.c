/*
 * fuzz_screening_set.c: screen_set_parse on arbitrary bytes (an indicator
 * set file a committee imports), and screen_rule_parse on the same bytes as
 * a dimension rule and as a victim rule.
 *
 * Besides crashes and sanitizer reports, it aborts when a result breaks the
 * contract of set.h / rule.h: a refusal that is not ERR_INVALID with code
 * "invalid_set", a reason and a line inside the file, or that leaves *out
 * set; an accepted set that is not a copy of its input, has an indicator
 * outside the six dimensions or three grades, an empty text, a dimension
 * without indicator, more than 1000 indicators, does not parse again to the
 * same set, or cannot be served as JSON; and evaluation whose "present" is
 * not exactly "present with the unknown answers counted as no" and whose
 * "absent" is not exactly "absent with them counted as yes" (the bounds),
 * or that is not monotone (one more yes never lowers a result).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "domain/screening/rule.h"
#include "domain/screening/set.h"

static int lines_in(const uint8_t *data, size_t size)
{
	int n = 1;
	for (size_t i = 0; i < size; i++)
		n += data[i] == '\n';
	return n;
}

static void check_refusal(int rc, const struct screen_set *s, const struct problem *pb, int line,
			  const uint8_t *data, size_t size)
{
	if (s)
		abort();
	if (rc == ERR_NOMEM)
		return;
	if (rc != ERR_INVALID || !pb->code || strcmp(pb->code, "invalid_set") || pb->field[0] == '\0')
		abort();
	if (line < 0 || line > lines_in(data, size))
		abort();
}

static void check_set(const struct screen_set *s, const uint8_t *data, size_t size)
{
	if (s->source_len != size || memcmp(s->source_text, data, size) != 0)
		abort();
	if (s->version < 1 || s->key[0] == '\0' || s->n_ind == 0 || s->n_ind > 1000)
		abort();
	if (!s->title.en[0] || !s->title.ar[0] || !s->source.en[0] || !s->source.ar[0])
		abort();
	int per_dim[DIM_COUNT] = { 0 };
	for (size_t i = 0; i < s->n_ind; i++) {
		const struct screen_indicator *ind = &s->ind[i];
		if (ind->dim < 0 || ind->dim >= DIM_COUNT || ind->grade < 0 || ind->grade >= GRADE_COUNT)
			abort();
		if (!ind->id[0] || !ind->text.en[0] || !ind->text.ar[0])
			abort();
		if (screen_set_find(s, ind->id) != (int)i)
			abort();   /* ids are unique */
		per_dim[ind->dim]++;
	}
	for (int d = 0; d < DIM_COUNT; d++)
		if (!per_dim[d] || !s->dim_rule[d] || !s->dim_rule_text[d] || !s->dim_title[d].en[0] ||
		    !s->dim_title[d].ar[0])
			abort();
	if (!s->victim_rule || !s->victim_rule_text)
		abort();

	/* Parsing the stored copy again gives the same set. */
	struct screen_set *again = NULL;
	struct problem pb = { 0 };
	int line = 0;
	int rc = screen_set_parse(s->source_text, s->source_len, &again, &pb, &line);
	if (rc == ERR_NOMEM)
		return;
	if (rc != 0 || strcmp(again->key, s->key) || again->version != s->version || again->n_ind != s->n_ind)
		abort();
	screen_set_free(again);

	/* Served as JSON, every indicator in it. */
	json_t *full = screen_set_to_json(s, true), *sum = screen_set_to_json(s, false);
	if (full && json_array_size(json_object_get(full, "indicators")) != s->n_ind)
		abort();
	char *text = full ? json_dumps(full, JSON_COMPACT) : NULL;
	free(text);
	json_decref(full);
	json_decref(sum);
}

static void evaluate(const struct screen_set *s, const enum screen_answer *ans, enum screen_answer unknown_as,
		     enum screen_answer *scratch, struct screen_outcome *out)
{
	for (size_t i = 0; i < s->n_ind; i++)
		scratch[i] = ans[i] == ANSWER_UNKNOWN ? unknown_as : ans[i];
	screen_evaluate(s, scratch, out);
}

static void check_evaluation(const struct screen_set *s, const uint8_t *data, size_t size)
{
	enum screen_answer *ans = calloc(s->n_ind, sizeof(*ans));
	enum screen_answer *tmp = calloc(s->n_ind, sizeof(*tmp));
	if (!ans || !tmp)
		goto out;
	/* Answers drawn from the input's bytes, so the fuzzer steers them too. */
	for (size_t i = 0; i < s->n_ind; i++)
		ans[i] = (enum screen_answer)(size ? data[(i * 7) % size] % 3 : 0);
	struct screen_outcome o, low, high, more;
	screen_evaluate(s, ans, &o);
	evaluate(s, ans, ANSWER_NO, tmp, &low);
	evaluate(s, ans, ANSWER_YES, tmp, &high);
	for (int d = 0; d < DIM_COUNT; d++) {
		if (low.dim[d] == RESULT_UNKNOWN || high.dim[d] == RESULT_UNKNOWN)
			abort();   /* no unknown answer left, so no unknown result */
		if ((o.dim[d] == RESULT_PRESENT) != (low.dim[d] == RESULT_PRESENT))
			abort();
		if ((o.dim[d] != RESULT_ABSENT) != (high.dim[d] == RESULT_PRESENT))
			abort();
	}
	if (low.assessment == ASSESS_INSUFFICIENT || high.assessment == ASSESS_INSUFFICIENT)
		abort();
	if ((o.assessment == ASSESS_LIKELY_VICTIM) != (low.assessment == ASSESS_LIKELY_VICTIM))
		abort();
	if ((o.assessment != ASSESS_NOT_ESTABLISHED) != (high.assessment == ASSESS_LIKELY_VICTIM))
		abort();
	/* Monotone: one "no" turned to "yes" never lowers a dimension or the assessment. */
	for (size_t i = 0; i < s->n_ind; i++) {
		if (ans[i] != ANSWER_NO)
			continue;
		ans[i] = ANSWER_YES;
		screen_evaluate(s, ans, &more);
		ans[i] = ANSWER_NO;
		for (int d = 0; d < DIM_COUNT; d++)
			if (more.dim[d] < o.dim[d])
				abort();
		if (more.assessment < o.assessment)
			abort();
		break;   /* one flip per input keeps an execution fast */
	}
out:
	free(ans);
	free(tmp);
}

static void check_rule(const uint8_t *data, size_t size, enum screen_rule_kind kind)
{
	struct screen_rule *r = (struct screen_rule *)1;
	char why[128];
	int rc = screen_rule_parse((const char *)data, size, kind, &r, why, sizeof(why));
	if (rc != 0) {
		if (r || (rc != ERR_INVALID && rc != ERR_NOMEM) || (rc == ERR_INVALID && why[0] == '\0'))
			abort();
		return;
	}
	/* Monotone in every variable. */
	long v[SCREEN_RULE_VARS] = { 0 };
	for (int i = 0; i < SCREEN_RULE_VARS; i++)
		v[i] = size ? data[(size_t)i % size] % (kind == SCREEN_RULE_VICTIM ? 2 : 5) : 0;
	bool base = screen_rule_eval(r, v);
	for (int i = 0; i < SCREEN_RULE_VARS; i++) {
		long keep = v[i];
		v[i] = kind == SCREEN_RULE_VICTIM ? 1 : keep + 1;
		if (base && !screen_rule_eval(r, v))
			abort();
		v[i] = keep;
	}
	screen_rule_free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct screen_set *s = (struct screen_set *)1;
	struct problem pb = { 0 };
	int line = -1;
	int rc = screen_set_parse((const char *)data, size, &s, &pb, &line);
	if (rc != 0) {
		check_refusal(rc, s, &pb, line, data, size);
	} else {
		check_set(s, data, size);
		check_evaluation(s, data, size);
		screen_set_free(s);
	}
	if (size <= SCREEN_RULE_TEXT_MAX) {
		check_rule(data, size, SCREEN_RULE_DIMENSION);
		check_rule(data, size, SCREEN_RULE_VICTIM);
	}
	return 0;
}
