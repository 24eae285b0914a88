/*
 * Accept-Encoding parsing; see accept_encoding.h. q-values are kept in
 * thousandths, the precision RFC 9110 allows, so 0.5 is 500.
 */
#include "http/accept_encoding.h"

#include <stddef.h>
#include <string.h>
#include <strings.h>

#define Q_ABSENT (-1)	/* the header does not name the coding */
#define Q_MAX 1000

struct weights {
	int br, gzip, identity, any;	/* any: the "*" element */
	int deflate;			/* asked for by accept_encoding_allows */
};

static int is_space(char c)
{
	return c == ' ' || c == '\t';
}

static int ends_token(char c)
{
	return !c || c == ',' || c == ';' || c == '=' || is_space(c);
}

static const char *skip_spaces(const char *p)
{
	while (is_space(*p))
		p++;
	return p;
}

static const char *token_end(const char *p)
{
	while (!ends_token(*p))
		p++;
	return p;
}

/* Parse a qvalue of n bytes ("0", "0.5", "1.000"); -1 when invalid. */
static int parse_qvalue(const char *s, size_t n)
{
	int q, scale = 100;
	size_t i;

	if (!n || n > 5 || (s[0] != '0' && s[0] != '1') ||
	    (n > 1 && s[1] != '.'))
		return -1;
	q = (s[0] - '0') * Q_MAX;
	for (i = 2; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		q += (s[i] - '0') * scale;
		scale /= 10;
	}
	return q > Q_MAX ? -1 : q;
}

static int token_is(const char *s, size_t n, const char *name)
{
	return n == strlen(name) && !strncasecmp(s, name, n);
}

/*
 * Parse the parameters after a coding name, up to the next ',' or the
 * end, and return the element's q-value: Q_MAX without a "q" parameter,
 * -1 when it is not valid. *end is where parsing stopped.
 */
static int parse_params(const char *p, const char **end)
{
	int q = Q_MAX, valid = 1;

	for (;;) {
		const char *name, *value;

		p = skip_spaces(p);
		if (*p != ';')
			break;
		p = skip_spaces(p + 1);
		name = p;
		p = token_end(p);
		if (*skip_spaces(p) != '=') {
			valid = 0;
			continue;
		}
		value = skip_spaces(skip_spaces(p) + 1);
		p = token_end(value);
		if (token_is(name, (size_t)(token_end(name) - name), "q"))
			q = parse_qvalue(value, (size_t)(p - value));
		if (q < 0)
			valid = 0;
	}
	/* Anything else before the next element makes this one invalid. */
	while (*p && *p != ',') {
		valid = 0;
		p++;
	}
	*end = p;
	return valid ? q : -1;
}

/* Record the q-value of one named coding; the first mention counts. */
static void set_weight(int *slot, int q)
{
	if (*slot == Q_ABSENT)
		*slot = q;
}

static void parse_header(const char *p, struct weights *w)
{
	while (*p) {
		const char *name = skip_spaces(p);
		const char *name_end = token_end(name);
		size_t n = (size_t)(name_end - name);
		int q = parse_params(name_end, &p);

		if (*p == ',')
			p++;
		if (!n || q < 0)
			continue;
		if (token_is(name, n, "br"))
			set_weight(&w->br, q);
		else if (token_is(name, n, "gzip") || token_is(name, n, "x-gzip"))
			set_weight(&w->gzip, q);
		else if (token_is(name, n, "identity"))
			set_weight(&w->identity, q);
		else if (token_is(name, n, "deflate"))
			set_weight(&w->deflate, q);
		else if (token_is(name, n, "*"))
			set_weight(&w->any, q);
	}
}

/* The q-value of a coding: its own, else that of "*", else absent. */
static int weight_of(int own, int any)
{
	return own != Q_ABSENT ? own : any;
}

struct coding_choice accept_encoding_choose(const char *header)
{
	struct weights w = { Q_ABSENT, Q_ABSENT, Q_ABSENT, Q_ABSENT, Q_ABSENT };
	struct coding_choice choice = { CODING_IDENTITY, 0 };
	int br, gzip, identity, best;

	if (!header)
		return choice;
	parse_header(header, &w);
	br = weight_of(w.br, w.any);
	gzip = weight_of(w.gzip, w.any);
	identity = weight_of(w.identity, w.any);
	choice.identity_refused = identity == 0;
	best = br >= gzip ? br : gzip;
	if (best <= 0 || identity > best)
		return choice;
	choice.coding = br >= gzip ? CODING_BR : CODING_GZIP;
	return choice;
}

const char *content_coding_name(enum content_coding coding)
{
	switch (coding) {
	case CODING_GZIP:
		return "gzip";
	case CODING_BR:
		return "br";
	default:
		return "identity";
	}
}

int accept_encoding_allows(const char *header, const char *coding)
{
	struct weights w = { Q_ABSENT, Q_ABSENT, Q_ABSENT, Q_ABSENT, Q_ABSENT };
	int own;

	if (!header)
		return 0;
	parse_header(header, &w);
	if (!strcasecmp(coding, "br"))
		own = w.br;
	else if (!strcasecmp(coding, "gzip"))
		own = w.gzip;
	else if (!strcasecmp(coding, "deflate"))
		own = w.deflate;
	else
		return 0;
	return weight_of(own, w.any) > 0;
}
