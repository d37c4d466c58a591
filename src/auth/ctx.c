/* ctx.c: audit rows on behalf of the acting user. */
#include "ctx.h"

static void fill(const struct ctx *c, struct audit_event *ev, const char *action,
		 const char *object_type, const char *object_id, const char *outcome)
{
	ev->actor_id = c->actor.user_id[0] ? c->actor.user_id : NULL;
	ev->org_id = c->actor.org_id[0] ? c->actor.org_id : NULL;
	ev->action = action;
	ev->object_type = object_type;
	ev->object_id = object_id;
	ev->outcome = outcome;
}

int ctx_audit(struct ctx *c, const char *action, const char *object_type,
	      const char *object_id, const char *outcome)
{
	struct audit_event ev;
	fill(c, &ev, action, object_type, object_id, outcome);
	return audit_append(c->db, &c->app->audit, &ev);
}

int ctx_audit_tx(struct ctx *c, const char *action, const char *object_type,
		 const char *object_id, const char *outcome)
{
	struct audit_event ev;
	fill(c, &ev, action, object_type, object_id, outcome);
	return audit_append_tx(c->db, &c->app->audit, &ev);
}
