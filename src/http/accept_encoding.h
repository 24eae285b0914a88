/*
 * The content coding of a response, chosen from the request's
 * Accept-Encoding header (RFC 9110, section 12.5.3). compress.c encodes
 * bodies in the chosen coding; response.c decides which bodies qualify.
 */
#ifndef ACTORD_HTTP_ACCEPT_ENCODING_H
#define ACTORD_HTTP_ACCEPT_ENCODING_H

enum content_coding {
	CODING_IDENTITY,
	CODING_GZIP,
	CODING_BR,
};

struct coding_choice {
	enum content_coding coding;	/* the best coding actord offers */
	int identity_refused;		/* identity;q=0, or *;q=0 without identity */
};

/*
 * Choose among br, gzip and identity for an Accept-Encoding header. The
 * coding with the highest q-value wins, and br wins a tie with gzip. A
 * coding the header does not name takes the q-value of "*", or is not
 * acceptable without "*". Identity wins only when the header names it
 * (or "*") with a higher q-value than both br and gzip. Names match in
 * any case. An element with an invalid q-value counts as absent. No
 * header, or an empty one, gives identity.
 */
struct coding_choice accept_encoding_choose(const char *header);

/* "gzip", "br" or "identity". */
const char *content_coding_name(enum content_coding coding);

/*
 * 1 when the header accepts coding ("br", "gzip" or "deflate") with a
 * q-value above 0, by name or through "*". No header accepts none, so a
 * client that does not say gets plain bytes.
 */
int accept_encoding_allows(const char *header, const char *coding);

#endif
