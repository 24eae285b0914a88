/*
 * /v2/users/me: the user the token belongs to; /v2/users/:id, any user's
 * public part.
 */
#include "api/handlers.h"

void api_get_me(struct req *r)
{
	struct buf b = BUF_INIT;

	buf_puts(&b, "{");
	api_put_str(&b, 0, "id", r->user.id);
	api_put_str(&b, 1, "username", r->user.username);
	buf_puts(&b, ",\"profile\":{},\"plan\":{\"id\":\"SELF_HOSTED\"}}");
	resp_data(r, 200, b.data, b.len);
	buf_release(&b);
}

/* Return a user by ID or username with only the public fields, which the
 * platform shows to anyone. The Apify CLI's "datasets info" reads the owner. */
void api_get_user(struct req *r)
{
	struct buf b = BUF_INIT;
	struct user u;
	int rc = store_user_by_id(r->store, r->params[0], &u);

	if (rc == STORE_NOT_FOUND)
		rc = store_user_by_name(r->store, r->params[0], &u);
	if (rc) {
		if (rc < 0)
			resp_internal(r);
		else
			api_not_found(r, "User", r->params[0]);
		return;
	}
	buf_puts(&b, "{");
	api_put_str(&b, 0, "id", u.id);
	api_put_str(&b, 1, "username", u.username);
	buf_puts(&b, ",\"profile\":{}}");
	resp_data(r, 200, b.data, b.len);
	buf_release(&b);
}
