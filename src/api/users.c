/*
 * /v2/users/me: the user the token belongs to.
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
