/* ctx.c: audit rows on behalf of the acting user. */
#include "ctx.h"

#include <string.h>

enum scope ctx_scope(const struct ctx *c, enum perm p)
{
	return c->actor.user_id[0] ? perm_scope(c->actor.roles, p) : SCOPE_ALL;
}

bool ctx_in_scope(const struct ctx *c, enum perm p, const char *org_id)
{
	enum scope s = ctx_scope(c, p);
	return s == SCOPE_ALL || (s == SCOPE_OWN_ORG && org_id && !strcmp(org_id, c->actor.org_id));
}

static void fill(const struct ctx *c, struct audit_event *ev, const char *action,
		 const char *object_type, const char *object_id, const char *outcome)
{
	ev->actor_id = c->actor.user_id[0] ? c->actor.user_id : NULL;
	ev->org_id = c->actor.org_id[0] ? c->actor.org_id : NULL;
	ev->action = action;
	ev->object_type = object_type;
	ev->object_id = object_id;
	ev->outcome = outcome;
	ev->at = 0;   /* now */
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
