/* rules.c: statuses, transitions, days and deadlines; see rules.h. */
#include "rules.h"

#include <stdio.h>
#include <string.h>

#include "../../core/clock.h"
#include "../../core/err.h"

#define DAY_SECONDS 86400

static const char *const status_keys[IDENT_STATUS_COUNT] = {
	[IDENT_NONE] = NULL,
	[IDENT_POSSIBLE] = "possible",
	[IDENT_PRESUMED] = "presumed",
	[IDENT_IDENTIFIED] = "identified",
	[IDENT_NOT_A_VICTIM] = "not_a_victim",
};

/* allowed[from][to]: the transitions of rules.h, and nothing else. */
static const bool allowed[IDENT_STATUS_COUNT][IDENT_STATUS_COUNT] = {
	[IDENT_NONE] = { [IDENT_POSSIBLE] = true, [IDENT_PRESUMED] = true, [IDENT_NOT_A_VICTIM] = true },
	[IDENT_POSSIBLE] = { [IDENT_PRESUMED] = true, [IDENT_NOT_A_VICTIM] = true },
	[IDENT_PRESUMED] = { [IDENT_IDENTIFIED] = true, [IDENT_NOT_A_VICTIM] = true },
	[IDENT_IDENTIFIED] = { [IDENT_NOT_A_VICTIM] = true },
	[IDENT_NOT_A_VICTIM] = { [IDENT_PRESUMED] = true },
};

const char *ident_status_key(enum ident_status s)
{
	return s >= 0 && s < IDENT_STATUS_COUNT ? status_keys[s] : NULL;
}

int ident_status_parse(const char *key, enum ident_status *out)
{
	for (int s = IDENT_POSSIBLE; key && s < IDENT_STATUS_COUNT; s++) {
		if (!strcmp(key, status_keys[s])) {
			*out = (enum ident_status)s;
			return 0;
		}
	}
	return ERR_INVALID;
}

bool ident_transition_allowed(enum ident_status from, enum ident_status to)
{
	if (from < 0 || from >= IDENT_STATUS_COUNT || to < 0 || to >= IDENT_STATUS_COUNT)
		return false;
	return allowed[from][to];
}

bool ident_needs_reasons(enum ident_status s)
{
	return s != IDENT_POSSIBLE;
}

const char *ident_htcds_status(enum ident_status s)
{
	switch (s) {
	case IDENT_POSSIBLE:
	case IDENT_PRESUMED:
		return "PossibleVictimOfTrafficking";
	case IDENT_IDENTIFIED:
		return "ActualVictimOfTrafficking";
	case IDENT_NOT_A_VICTIM:
		return "NotAVictimOfTrafficking";
	default:
		return NULL;
	}
}

const char *ident_decider_for_org_type(const char *org_type)
{
	static const struct {
		const char *org_type, *decider;
	} map[] = {
		{ "LawEnforcement", "Police" },
		{ "NGO", "NGO" },
		{ "CentralGovernmentOrganisation", "NonPoliceGovernmentalOrganization" },
		{ "LocalGovernmentOrganisation", "NonPoliceGovernmentalOrganization" },
		{ "ImmigrationService", "NonPoliceGovernmentalOrganization" },
	};
	for (size_t i = 0; org_type && i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcmp(org_type, map[i].org_type))
			return map[i].decider;
	return "Other";
}

int64_t ident_day_of(int64_t t)
{
	/* Floor, also before 1970, so that a day number always names one UTC day. */
	return t >= 0 ? t / DAY_SECONDS : -((-t + DAY_SECONDS - 1) / DAY_SECONDS);
}

int ident_day_parse(const char *date, int64_t *day)
{
	int64_t t;
	if (!date || strlen(date) != 10 || clock_parse_iso(date, &t) < 0 || t < 0)
		return ERR_INVALID;
	*day = t / DAY_SECONDS;
	return 0;
}

int ident_day_format(int64_t day, char out[11])
{
	char iso[24];
	if (day < 0 || day > INT64_MAX / DAY_SECONDS || clock_format_iso(day * DAY_SECONDS, iso, sizeof(iso)) < 0)
		return ERR_INVALID;
	memcpy(out, iso, 10);
	out[10] = '\0';
	return 0;
}

void ident_deadlines_compute(const struct ident_periods *p, const struct ident_event *ev, size_t n,
			     int64_t first_screening_day, int64_t today, struct ident_deadlines *out)
{
	int64_t first_possible = IDENT_NO_DAY, presumed_day = IDENT_NO_DAY;
	bool decided = false;
	enum ident_status current = IDENT_NONE;
	for (size_t i = 0; i < n; i++) {
		if (ev[i].status == IDENT_POSSIBLE) {
			if (first_possible == IDENT_NO_DAY || ev[i].day < first_possible)
				first_possible = ev[i].day;
		} else {
			decided = true;
		}
		if (ev[i].status == IDENT_PRESUMED)
			presumed_day = ev[i].day;   /* the latest wins */
		current = ev[i].status;
	}
	memset(out, 0, sizeof(*out));
	out->clock_start = first_possible;
	if (first_screening_day != IDENT_NO_DAY &&
	    (out->clock_start == IDENT_NO_DAY || first_screening_day < out->clock_start))
		out->clock_start = first_screening_day;
	out->reasonable_grounds_due = IDENT_NO_DAY;
	out->conclusive_due = IDENT_NO_DAY;
	out->reflection_ends = IDENT_NO_DAY;
	if (out->clock_start != IDENT_NO_DAY) {
		out->reasonable_grounds_due = out->clock_start + p->reasonable_grounds_days;
		out->reasonable_grounds_pending = !decided;
		out->reasonable_grounds_overdue = !decided && today > out->reasonable_grounds_due;
	}
	if (presumed_day != IDENT_NO_DAY) {
		out->conclusive_due = presumed_day + p->conclusive_days;
		out->reflection_ends = presumed_day + p->reflection_days;
		out->conclusive_pending = current == IDENT_PRESUMED;
		out->conclusive_overdue = out->conclusive_pending && today > out->conclusive_due;
		out->reflection_running = current == IDENT_PRESUMED || current == IDENT_IDENTIFIED;
	}
}
