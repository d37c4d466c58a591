/*
 * rules.c: states, moves, deadlines, codes and built-in profiles of
 * referrals (rules.h).
 */
#include "rules.h"

#include <string.h>

#include "../../core/err.h"

static const char *const state_names[RS_COUNT] = {
	[RS_SENT] = "sent",
	[RS_ACKNOWLEDGED] = "acknowledged",
	[RS_ACCEPTED] = "accepted",
	[RS_DECLINED] = "declined",
	[RS_IN_SERVICE] = "in_service",
	[RS_COMPLETED] = "completed",
	[RS_WITHDRAWN] = "withdrawn",
};

const char *referral_state_name(enum referral_state s)
{
	return s >= 0 && s < RS_COUNT ? state_names[s] : "unknown";
}

int referral_state_parse(const char *name, enum referral_state *out)
{
	for (int i = 0; i < RS_COUNT; i++) {
		if (name && !strcmp(name, state_names[i])) {
			*out = (enum referral_state)i;
			return 0;
		}
	}
	return ERR_INVALID;
}

bool referral_state_open(enum referral_state s)
{
	return s == RS_SENT || s == RS_ACKNOWLEDGED || s == RS_ACCEPTED || s == RS_IN_SERVICE;
}

enum referral_side referral_move(enum referral_state from, enum referral_state to)
{
	if (to == RS_WITHDRAWN)
		return referral_state_open(from) ? SIDE_SENDER : SIDE_NONE;
	switch (from) {
	case RS_SENT:
		return to == RS_ACKNOWLEDGED ? SIDE_RECEIVER : SIDE_NONE;
	case RS_ACKNOWLEDGED:
		return to == RS_ACCEPTED || to == RS_DECLINED ? SIDE_RECEIVER : SIDE_NONE;
	case RS_ACCEPTED:
		return to == RS_IN_SERVICE ? SIDE_RECEIVER : SIDE_NONE;
	case RS_IN_SERVICE:
		return to == RS_COMPLETED ? SIDE_RECEIVER : SIDE_NONE;
	default:
		return SIDE_NONE;
	}
}

static const char *const urgencies[3] = { "immediate", "urgent", "routine" };

int referral_urgency_index(const char *urgency)
{
	for (int i = 0; i < 3; i++) {
		if (urgency && !strcmp(urgency, urgencies[i]))
			return i;
	}
	return -1;
}

void referral_deadlines(const struct config *cfg, int u, int64_t sent_at, int64_t *ack_due, int64_t *answer_due)
{
	*ack_due = sent_at + (int64_t)cfg->referral_ack_hours[u] * 3600;
	*answer_due = sent_at + (int64_t)cfg->referral_answer_hours[u] * 3600;
	if (*answer_due < *ack_due)
		*answer_due = *ack_due;   /* a configuration that asks the answer first still runs in order */
}

int64_t referral_next_due(enum referral_state s, int64_t ack_due, int64_t answer_due, bool *runs)
{
	*runs = s == RS_SENT || s == RS_ACKNOWLEDGED;
	return s == RS_SENT ? ack_due : s == RS_ACKNOWLEDGED ? answer_due : 0;
}

const char *const referral_decline_codes[] = {
	"no_capacity", "not_eligible", "service_not_available", "person_declined", "safety_concern", "other", NULL,
};
const char *const referral_outcome_codes[] = {
	"goals_met", "partially_met", "person_left", "referred_onward", "other", NULL,
};

static bool in_list(const char *const *list, const char *code)
{
	for (size_t i = 0; code && list[i]; i++) {
		if (!strcmp(list[i], code))
			return true;
	}
	return false;
}

bool referral_decline_code(const char *code)
{
	return in_list(referral_decline_codes, code);
}

bool referral_outcome_code(const char *code)
{
	return in_list(referral_outcome_codes, code);
}

/*
 * Built-in profiles. Each names the least a receiver of that kind needs to
 * take the person in and help: a shelter needs to know whom it houses and
 * what to watch for, not the story of the exploitation; legal aid needs the
 * events and the identity documents; a health service the health details.
 */
static const char *const shelter_fields[] = {
	"person.given_name", "person.given_name_latin", "person.gender", "person.age_band",
	"person.primary_language", "person.secondary_language", "person.number_of_children",
	"victim.urgent_needs", "victim.safety_risks", "victim.vulnerabilities", NULL,
};
static const char *const legal_fields[] = {
	"person.given_name", "person.given_name_latin", "person.family_name", "person.family_name_latin",
	"person.gender", "person.age_band", "person.birth_date", "person.citizenship", "person.document_number",
	"person.primary_language", "person.secondary_language", "victim.urgent_needs", "victim.safety_risks",
	"victim.exploitation_types", "victim.trafficking_status", "events", NULL,
};
static const char *const health_fields[] = {
	"person.given_name", "person.given_name_latin", "person.gender", "person.age_band",
	"person.primary_language", "person.secondary_language", "victim.urgent_needs", "victim.safety_risks",
	"victim.vulnerabilities", "victim.health_details", NULL,
};
static const char *const minimal_fields[] = {
	"person.given_name", "person.gender", "person.age_band", "person.primary_language", "victim.urgent_needs", NULL,
};

const struct referral_builtin referral_builtins[] = {
	{ "shelter", "Shelter", "الإيواء", shelter_fields },
	{ "legal_aid", "Legal aid", "المساعدة القانونية", legal_fields },
	{ "health", "Health and psychological care", "الرعاية الصحية والنفسية", health_fields },
	{ "minimal", "Minimal (first contact)", "الحد الأدنى (أول تواصل)", minimal_fields },
};
const int referral_builtin_count = (int)(sizeof(referral_builtins) / sizeof(referral_builtins[0]));

const struct referral_builtin *referral_builtin_find(const char *key)
{
	for (int i = 0; i < referral_builtin_count; i++) {
		if (key && !strcmp(referral_builtins[i].key, key))
			return &referral_builtins[i];
	}
	return NULL;
}
