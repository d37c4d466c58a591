/*
 * serving.c: whether an organisation serves a case through a referral now
 * (referral.h), for the support plan and the services it delivers.
 */
#include "referral.h"

int referral_serving(struct ctx *c, const char *case_id, const char *org_id)
{
	struct store_stmt *st;
	if (store_prepare(c->db, &st, "SELECT 1 FROM referrals WHERE case_id = ? AND to_org = ?"
				      " AND state IN ('accepted', 'in_service') LIMIT 1") < 0)
		return ERR_FAIL;
	store_bind_text(st, 1, case_id);
	store_bind_text(st, 2, org_id);
	int rc = store_step(st);
	store_finalize(st);
	if (rc < 0)
		return rc;
	return rc == STORE_ROW ? 1 : 0;
}
