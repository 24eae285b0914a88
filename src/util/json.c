/*
 * Strict RFC 8259 JSON: a tree parser, a compact writer, and the dataset
 * push path that validates and compacts items without building a tree.
 * Both parsers drive the same scanner (tokens, containers, strings, UTF-8),
 * so they accept exactly the same documents. json.h has the contract.
 */
#include "util/json.h"

#include <stdalign.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/swar.h"

/*
 * Arena: nodes and decoded strings are carved out of large chunks, so a
 * document costs a handful of mallocs whatever its size. Chunk capacity
 * doubles from ARENA_FIRST_CHUNK up to ARENA_MAX_CHUNK.
 */
#define ARENA_FIRST_CHUNK 4096
#define ARENA_MAX_CHUNK (1024 * 1024)

struct arena_chunk {
	struct arena_chunk *next;
	size_t used;
	size_t cap;
	max_align_t data[];
};

struct arena {
	struct arena_chunk *head;	/* the chunk being filled */
	size_t next_cap;
};

struct json_doc {
	struct arena arena;
	struct json *root;
};

static struct arena_chunk *arena_new_chunk(size_t cap)
{
	struct arena_chunk *chunk = xmalloc(sizeof(*chunk) + cap);

	chunk->next = NULL;
	chunk->used = 0;
	chunk->cap = cap;
	return chunk;
}

/* Allocate size bytes aligned to align, a power of two. Never NULL. */
static void *arena_alloc(struct arena *a, size_t size, size_t align)
{
	struct arena_chunk *chunk = a->head;
	size_t offset;

	if (chunk) {
		offset = (chunk->used + align - 1) & ~(align - 1);
		if (offset <= chunk->cap && size <= chunk->cap - offset) {
			chunk->used = offset + size;
			return (char *)chunk->data + offset;
		}
	}

	/*
	 * A request larger than half a chunk (a long string) gets a chunk of
	 * its own, linked behind the head, so the head keeps its free space.
	 */
	if (chunk && size > a->next_cap / 2) {
		struct arena_chunk *big = arena_new_chunk(size);

		big->used = size;
		big->next = chunk->next;
		chunk->next = big;
		return big->data;
	}

	chunk = arena_new_chunk(size > a->next_cap ? size : a->next_cap);
	chunk->used = size;
	chunk->next = a->head;
	a->head = chunk;
	if (a->next_cap < ARENA_MAX_CHUNK)
		a->next_cap *= 2;
	return chunk->data;
}

static void arena_release(struct arena *a)
{
	struct arena_chunk *chunk, *next;

	for (chunk = a->head; chunk; chunk = next) {
		next = chunk->next;
		free(chunk);
	}
	a->head = NULL;
}

/*
 * Empty the arena for the next document and keep one chunk: the head when
 * it held the whole document, otherwise a new chunk as large as all the
 * chunks together and at least twice the head. A reused arena therefore
 * stops allocating once it has grown to fit its largest document.
 */
static void arena_reset(struct arena *a)
{
	struct arena_chunk *chunk;
	size_t total = 0;

	if (!a->head)
		return;
	if (!a->head->next) {
		a->head->used = 0;
		return;
	}

	for (chunk = a->head; chunk; chunk = chunk->next)
		total += chunk->cap;
	if (total < 2 * a->head->cap)
		total = 2 * a->head->cap;
	arena_release(a);
	a->head = arena_new_chunk(total);
}

/*
 * Scanner shared by json_parse() and json_items_parse(). Every function
 * returns 0 on success or -1 after filling lx->err. Positions are byte
 * pointers into the source, and an error offset is counted from lx->src.
 */
struct lexer {
	const char *src;
	const char *p;		/* next byte to read */
	const char *end;
	struct json_error *err;
	int utf8_checked;	/* 0: the text's strings are known to be UTF-8 */
};

struct token {
	enum json_type type;
	const char *start;
	const char *end;	/* past the token, or start for ARRAY and OBJECT */
	int escaped;		/* STRING: the literal has a backslash escape */
};

/* Byte classes inside a string literal. CC_LEAD* classes index utf8_leads. */
enum char_class {
	CC_PLAIN,		/* printable ASCII other than '"' and '\\' */
	CC_QUOTE,
	CC_BACKSLASH,
	CC_CONTROL,		/* below 0x20, must be escaped */
	CC_INVALID,		/* never valid in UTF-8: 80-c1, f5-ff */
	CC_LEAD2,		/* c2-df */
	CC_LEAD_E0,
	CC_LEAD3,		/* e1-ec, ee-ef */
	CC_LEAD_ED,
	CC_LEAD_F0,
	CC_LEAD4,		/* f1-f3 */
	CC_LEAD_F4,
};

#define P CC_PLAIN
#define Q CC_QUOTE
#define B CC_BACKSLASH
#define C CC_CONTROL
#define X CC_INVALID
#define L2 CC_LEAD2
#define E0 CC_LEAD_E0
#define L3 CC_LEAD3
#define ED CC_LEAD_ED
#define F0 CC_LEAD_F0
#define L4 CC_LEAD4
#define F4 CC_LEAD_F4
static const unsigned char char_class[256] = {
	C, C, C, C, C, C, C, C, C, C, C, C, C, C, C, C,			/* 00 */
	C, C, C, C, C, C, C, C, C, C, C, C, C, C, C, C,			/* 10 */
	P, P, Q, P, P, P, P, P, P, P, P, P, P, P, P, P,			/* 20 */
	P, P, P, P, P, P, P, P, P, P, P, P, P, P, P, P,			/* 30 */
	P, P, P, P, P, P, P, P, P, P, P, P, P, P, P, P,			/* 40 */
	P, P, P, P, P, P, P, P, P, P, P, P, B, P, P, P,			/* 50 */
	P, P, P, P, P, P, P, P, P, P, P, P, P, P, P, P,			/* 60 */
	P, P, P, P, P, P, P, P, P, P, P, P, P, P, P, P,			/* 70 */
	X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,			/* 80 */
	X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,			/* 90 */
	X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,			/* a0 */
	X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,			/* b0 */
	X, X, L2, L2, L2, L2, L2, L2, L2, L2, L2, L2, L2, L2, L2, L2,	/* c0 */
	L2, L2, L2, L2, L2, L2, L2, L2, L2, L2, L2, L2, L2, L2, L2, L2,	/* d0 */
	E0, L3, L3, L3, L3, L3, L3, L3, L3, L3, L3, L3, L3, ED, L3, L3,	/* e0 */
	F0, L4, L4, L4, F4, X, X, X, X, X, X, X, X, X, X, X,		/* f0 */
};
#undef P
#undef Q
#undef B
#undef C
#undef X
#undef L2
#undef E0
#undef L3
#undef ED
#undef F0
#undef L4
#undef F4

/*
 * Well-formed UTF-8 (RFC 3629, section 4): the allowed range of the second
 * byte depends on the lead byte, which is what rules out overlong forms
 * (e0, f0), UTF-16 surrogates (ed) and code points above U+10FFFF (f4).
 * Later bytes are always 80-bf.
 */
static const struct utf8_lead {
	unsigned char len;
	unsigned char lo;
	unsigned char hi;
} utf8_leads[] = {
	[CC_LEAD2 - CC_LEAD2] = { 2, 0x80, 0xbf },
	[CC_LEAD_E0 - CC_LEAD2] = { 3, 0xa0, 0xbf },
	[CC_LEAD3 - CC_LEAD2] = { 3, 0x80, 0xbf },
	[CC_LEAD_ED - CC_LEAD2] = { 3, 0x80, 0x9f },
	[CC_LEAD_F0 - CC_LEAD2] = { 4, 0x90, 0xbf },
	[CC_LEAD4 - CC_LEAD2] = { 4, 0x80, 0xbf },
	[CC_LEAD_F4 - CC_LEAD2] = { 4, 0x80, 0x8f },
};

static void lexer_init(struct lexer *lx, const char *src, size_t len,
		       struct json_error *err)
{
	if (!src)
		src = "";
	lx->src = src;
	lx->p = src;
	lx->end = src + len;
	lx->err = err;
	lx->utf8_checked = 1;
	err->offset = 0;
	err->message[0] = '\0';
}

__attribute__((format(printf, 3, 4)))
static int lex_fail(struct lexer *lx, const char *at, const char *fmt, ...)
{
	va_list ap;

	lx->err->offset = (size_t)(at - lx->src);
	va_start(ap, fmt);
	vsnprintf(lx->err->message, sizeof(lx->err->message), fmt, ap);
	va_end(ap);
	return -1;
}

/*
 * Fail on the byte at `at`: "unexpected character 'x'" for printable ASCII,
 * "unexpected byte 0xNN" otherwise, followed by ", expected <expected>"
 * when expected is not NULL. At the end of input the message is
 * "unexpected end of input".
 */
static int fail_unexpected(struct lexer *lx, const char *at,
			   const char *expected)
{
	unsigned char c;
	const char *sep = expected ? ", expected " : "";

	if (!expected)
		expected = "";
	if (at == lx->end)
		return lex_fail(lx, at, "unexpected end of input");
	c = (unsigned char)*at;
	if (c > 0x20 && c < 0x7f)
		return lex_fail(lx, at, "unexpected character '%c'%s%s",
				c, sep, expected);
	return lex_fail(lx, at, "unexpected byte 0x%02x%s%s", c, sep,
			expected);
}

static inline const char *skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' ||
			   *p == '\t'))
		p++;
	return p;
}

static inline int is_digit(char c)
{
	return (unsigned char)(c - '0') < 10;
}

static inline int hex_digit(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/*
 * Return the 4 hex digits at p as a number, -1 if one is not a hex digit,
 * or -2 if the input ends first.
 */
static long hex4(const unsigned char *p, const unsigned char *end)
{
	long value = 0;
	int i, digit;

	for (i = 0; i < 4; i++) {
		if (p + i == end)
			return -2;
		digit = hex_digit(p[i]);
		if (digit < 0)
			return -1;
		value = value << 4 | digit;
	}
	return value;
}

/*
 * Validate the escape sequence at *pp (a backslash) and move *pp past it.
 * A \u escape for a high surrogate must be followed by one for a low
 * surrogate, and either half alone is an error.
 */
static int scan_escape(struct lexer *lx, const unsigned char *string_start,
		       const unsigned char **pp)
{
	const unsigned char *p = *pp;
	const unsigned char *end = (const unsigned char *)lx->end;
	const unsigned char *q;
	const char *at = (const char *)p;
	long unit, low;

	if (p + 1 == end)
		return lex_fail(lx, (const char *)string_start,
				"unterminated string");
	switch (p[1]) {
	case '"': case '\\': case '/':
	case 'b': case 'f': case 'n': case 'r': case 't':
		*pp = p + 2;
		return 0;
	case 'u':
		break;
	default:
		if (p[1] > 0x20 && p[1] < 0x7f)
			return lex_fail(lx, at, "invalid escape '\\%c' in string",
					p[1]);
		return lex_fail(lx, at, "invalid escape in string");
	}

	unit = hex4(p + 2, end);
	if (unit == -2)
		return lex_fail(lx, (const char *)string_start,
				"unterminated string");
	if (unit < 0)
		return lex_fail(lx, at,
				"invalid \\u escape, expected 4 hex digits");
	if (unit >= 0xdc00 && unit <= 0xdfff)
		return lex_fail(lx, at, "unpaired UTF-16 surrogate '%.6s' in string",
				at);
	if (unit < 0xd800 || unit > 0xdbff) {
		*pp = p + 6;
		return 0;
	}

	/* A high surrogate: \u and a low surrogate must follow. */
	q = p + 6;
	if (q == end || (*q == '\\' && q + 1 == end))
		return lex_fail(lx, (const char *)string_start,
				"unterminated string");
	if (q[0] != '\\' || q[1] != 'u')
		return lex_fail(lx, at, "unpaired UTF-16 surrogate '%.6s' in string",
				at);
	low = hex4(q + 2, end);
	if (low == -2)
		return lex_fail(lx, (const char *)string_start,
				"unterminated string");
	if (low == -1)
		return lex_fail(lx, (const char *)q,
				"invalid \\u escape, expected 4 hex digits");
	if (low < 0xdc00 || low > 0xdfff)
		return lex_fail(lx, at, "unpaired UTF-16 surrogate '%.6s' in string",
				at);
	*pp = p + 12;
	return 0;
}

/* The first '"' or '\\' in [p, end), or end. */
static const unsigned char *find_quote_or_backslash(const unsigned char *p,
						    const unsigned char *end)
{
	uint64_t w, mask;

	while (end - p >= 8) {
		w = swar_load(p);
		mask = swar_eq(w, '"') | swar_eq(w, '\\');
		if (mask)
			return p + swar_first(mask);
		p += 8;
	}
	while (p < end && *p != '"' && *p != '\\')
		p++;
	return p;
}

/*
 * scan_string() for text whose strings are known to be valid UTF-8
 * without control characters: only quotes and escapes are looked at.
 */
static int scan_valid_string(struct lexer *lx, int *escaped)
{
	const unsigned char *start = (const unsigned char *)lx->p;
	const unsigned char *end = (const unsigned char *)lx->end;
	const unsigned char *p = start + 1;

	*escaped = 0;
	for (;;) {
		p = find_quote_or_backslash(p, end);
		if (p == end)
			return lex_fail(lx, (const char *)start,
					"unterminated string");
		if (*p == '"') {
			lx->p = (const char *)p + 1;
			return 0;
		}
		if (scan_escape(lx, start, &p))
			return -1;
		*escaped = 1;
	}
}

/*
 * Validate the string literal at lx->p (a '"') and move past its closing
 * quote. An unterminated string is reported at its opening quote. The
 * plain-ASCII run is the hot loop, with one table lookup per byte.
 */
static int scan_string(struct lexer *lx, int *escaped)
{
	const unsigned char *start = (const unsigned char *)lx->p;
	const unsigned char *end = (const unsigned char *)lx->end;
	const unsigned char *p = start + 1;
	const struct utf8_lead *lead;
	unsigned char cls, lo, hi;
	size_t i;

	if (!lx->utf8_checked)
		return scan_valid_string(lx, escaped);
	*escaped = 0;
	for (;;) {
		while (p < end && char_class[*p] == CC_PLAIN)
			p++;
		if (p == end)
			return lex_fail(lx, (const char *)start,
					"unterminated string");

		cls = char_class[*p];
		switch (cls) {
		case CC_QUOTE:
			lx->p = (const char *)p + 1;
			return 0;
		case CC_BACKSLASH:
			if (scan_escape(lx, start, &p))
				return -1;
			*escaped = 1;
			continue;
		case CC_CONTROL:
			return lex_fail(lx, (const char *)p,
					"unescaped control character 0x%02x in string",
					*p);
		case CC_INVALID:
			return lex_fail(lx, (const char *)p,
					"invalid UTF-8 in string");
		default:
			break;
		}

		lead = &utf8_leads[cls - CC_LEAD2];
		for (i = 1; i < lead->len; i++) {
			if (p + i == end)
				return lex_fail(lx, (const char *)start,
						"unterminated string");
			lo = i == 1 ? lead->lo : 0x80;
			hi = i == 1 ? lead->hi : 0xbf;
			if (p[i] < lo || p[i] > hi)
				return lex_fail(lx, (const char *)p,
						"invalid UTF-8 in string");
		}
		p += lead->len;
	}
}

/* Grammar: -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)? */
static int scan_number(struct lexer *lx)
{
	const char *p = lx->p;
	const char *end = lx->end;

	if (*p == '-')
		p++;
	if (p < end && *p == '0') {
		p++;
		if (p < end && is_digit(*p))
			return lex_fail(lx, p - 1,
					"leading zeros are not allowed in numbers");
	} else if (p < end && is_digit(*p)) {
		while (p < end && is_digit(*p))
			p++;
	} else {
		return fail_unexpected(lx, p, "a digit after '-'");
	}

	if (p < end && *p == '.') {
		p++;
		if (p == end || !is_digit(*p))
			return fail_unexpected(lx, p, "a digit after '.'");
		while (p < end && is_digit(*p))
			p++;
	}

	if (p < end && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			p++;
		if (p == end || !is_digit(*p))
			return fail_unexpected(lx, p, "a digit in the exponent");
		while (p < end && is_digit(*p))
			p++;
	}

	lx->p = p;
	return 0;
}

/* Match the literal word (true, false or null). expected quotes it. */
static int scan_literal(struct lexer *lx, const char *word, size_t len,
			const char *expected)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (lx->p + i == lx->end || lx->p[i] != word[i])
			return fail_unexpected(lx, lx->p + i, expected);
	lx->p += len;
	return 0;
}

/*
 * Skip whitespace and read one token. Scalars are scanned whole. For '['
 * and '{' only the type is set, and lx->p stays on the bracket for
 * container_open() to consume.
 */
static int next_token(struct lexer *lx, struct token *tok)
{
	int rc = 0;

	lx->p = skip_ws(lx->p, lx->end);
	tok->start = lx->p;
	tok->escaped = 0;
	if (lx->p == lx->end)
		return lex_fail(lx, lx->p, "unexpected end of input");

	switch (*lx->p) {
	case '"':
		tok->type = JSON_STRING;
		rc = scan_string(lx, &tok->escaped);
		break;
	case '-':
	case '0': case '1': case '2': case '3': case '4':
	case '5': case '6': case '7': case '8': case '9':
		tok->type = JSON_NUMBER;
		rc = scan_number(lx);
		break;
	case 't':
		tok->type = JSON_TRUE;
		rc = scan_literal(lx, "true", 4, "'true'");
		break;
	case 'f':
		tok->type = JSON_FALSE;
		rc = scan_literal(lx, "false", 5, "'false'");
		break;
	case 'n':
		tok->type = JSON_NULL;
		rc = scan_literal(lx, "null", 4, "'null'");
		break;
	case '[':
		tok->type = JSON_ARRAY;
		break;
	case '{':
		tok->type = JSON_OBJECT;
		break;
	default:
		return fail_unexpected(lx, lx->p, NULL);
	}
	tok->end = lx->p;
	return rc;
}

/*
 * Consume the bracket at lx->p that opens a container at nesting level
 * depth (the top-level container is level 1). Returns 1 if the container
 * is empty and already closed, 0 if a member follows, -1 on error.
 */
static int container_open(struct lexer *lx, char close, unsigned depth)
{
	if (depth > JSON_MAX_DEPTH)
		return lex_fail(lx, lx->p, "nesting deeper than %d levels",
				JSON_MAX_DEPTH);
	lx->p = skip_ws(lx->p + 1, lx->end);
	if (lx->p < lx->end && *lx->p == close) {
		lx->p++;
		return 1;
	}
	return 0;
}

/*
 * After a member: consume ',' (returns 0, another member follows) or the
 * closing bracket (returns 1). A comma right before the closing bracket is
 * an error reported at the comma.
 */
static int container_next(struct lexer *lx, char close)
{
	const char *comma;

	lx->p = skip_ws(lx->p, lx->end);
	if (lx->p < lx->end && *lx->p == ',') {
		comma = lx->p;
		lx->p = skip_ws(lx->p + 1, lx->end);
		if (lx->p < lx->end && *lx->p == close)
			return lex_fail(lx, comma, "trailing comma before '%c'",
					close);
		return 0;
	}
	if (lx->p < lx->end && *lx->p == close) {
		lx->p++;
		return 1;
	}
	return fail_unexpected(lx, lx->p,
			       close == ']' ? "',' or ']'" : "',' or '}'");
}

/* Read an object member's key and the ':' after it. */
static int object_key(struct lexer *lx, struct token *key)
{
	lx->p = skip_ws(lx->p, lx->end);
	if (lx->p == lx->end || *lx->p != '"')
		return fail_unexpected(lx, lx->p, "a string key");
	key->type = JSON_STRING;
	key->start = lx->p;
	if (scan_string(lx, &key->escaped))
		return -1;
	key->end = lx->p;

	lx->p = skip_ws(lx->p, lx->end);
	if (lx->p == lx->end || *lx->p != ':')
		return fail_unexpected(lx, lx->p, "':'");
	lx->p++;
	return 0;
}

/* Fail unless only whitespace is left. */
static int lexer_finish(struct lexer *lx)
{
	lx->p = skip_ws(lx->p, lx->end);
	if (lx->p != lx->end)
		return lex_fail(lx, lx->p,
				"trailing characters after the JSON value");
	return 0;
}

/* Fail if the input is empty or contains only whitespace. */
static int lexer_require_value(struct lexer *lx)
{
	if (skip_ws(lx->p, lx->end) == lx->end)
		return lex_fail(lx, lx->end, "no JSON value in input");
	return 0;
}

static char *put_utf8(char *d, unsigned long cp)
{
	if (cp < 0x80) {
		*d++ = (char)cp;
	} else if (cp < 0x800) {
		*d++ = (char)(0xc0 | cp >> 6);
		*d++ = (char)(0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		*d++ = (char)(0xe0 | cp >> 12);
		*d++ = (char)(0x80 | (cp >> 6 & 0x3f));
		*d++ = (char)(0x80 | (cp & 0x3f));
	} else {
		*d++ = (char)(0xf0 | cp >> 18);
		*d++ = (char)(0x80 | (cp >> 12 & 0x3f));
		*d++ = (char)(0x80 | (cp >> 6 & 0x3f));
		*d++ = (char)(0x80 | (cp & 0x3f));
	}
	return d;
}

/*
 * Decode the body of a string literal that scan_string() has accepted, so
 * escapes need no checks here. Returns the decoded length, which is never
 * more than end - s.
 */
static size_t decode_escapes(char *dst, const char *s, const char *end)
{
	const unsigned char *u;
	const char *backslash;
	unsigned long cp;
	char *d = dst;

	while (s < end) {
		backslash = memchr(s, '\\', (size_t)(end - s));
		if (!backslash)
			backslash = end;
		memcpy(d, s, (size_t)(backslash - s));
		d += backslash - s;
		s = backslash;
		if (s == end)
			break;

		switch (s[1]) {
		case 'b': *d++ = '\b'; break;
		case 'f': *d++ = '\f'; break;
		case 'n': *d++ = '\n'; break;
		case 'r': *d++ = '\r'; break;
		case 't': *d++ = '\t'; break;
		case 'u':
			u = (const unsigned char *)s;
			cp = (unsigned long)hex4(u + 2, u + 6);
			if (cp >= 0xd800 && cp <= 0xdbff) {
				cp = 0x10000 + ((cp - 0xd800) << 10) +
				     ((unsigned long)hex4(u + 8, u + 12) - 0xdc00);
				s += 6;
			}
			d = put_utf8(d, cp);
			s += 4;
			break;
		default:	/* '"', '\\' and '/' stand for themselves */
			*d++ = s[1];
			break;
		}
		s += 2;
	}
	return (size_t)(d - dst);
}

const char *json_stored_string_end(const char *s, const char *end,
				   int *escaped)
{
	const unsigned char *q;
	struct json_error err;
	struct lexer lx;

	if (s == end || *s != '"')
		return NULL;
	/* Most literals have no escape: their end is the next quote. */
	q = find_quote_or_backslash((const unsigned char *)s + 1,
				    (const unsigned char *)end);
	if (q < (const unsigned char *)end && *q == '"') {
		*escaped = 0;
		return (const char *)q + 1;
	}
	lexer_init(&lx, s, (size_t)(end - s), &err);
	lx.utf8_checked = 0;
	if (scan_valid_string(&lx, escaped))
		return NULL;
	return lx.p;
}

size_t json_unescape(char *dst, const char *body, size_t len)
{
	return decode_escapes(dst, body, body + len);
}

/* Tree parser: json_parse(). */

struct parser {
	struct lexer lx;
	struct arena *arena;
};

static struct json *new_node(struct parser *ps, enum json_type type)
{
	struct json *node;

	node = arena_alloc(ps->arena, sizeof(*node), alignof(struct json));
	memset(node, 0, sizeof(*node));
	node->type = type;
	return node;
}

/* Copy the string literal tok into the arena, decoded and NUL-terminated. */
static const char *string_value(struct parser *ps, const struct token *tok,
				size_t *len)
{
	const char *body = tok->start + 1;
	const char *body_end = tok->end - 1;
	size_t body_len = (size_t)(body_end - body);
	char *dst = arena_alloc(ps->arena, body_len + 1, 1);

	if (tok->escaped) {
		*len = decode_escapes(dst, body, body_end);
	} else {
		memcpy(dst, body, body_len);
		*len = body_len;
	}
	dst[*len] = '\0';
	return dst;
}

static struct json *parse_value(struct parser *ps, unsigned depth);

/*
 * Parse the members of node (an ARRAY or OBJECT whose bracket is at
 * ps->lx.p). Recursion is bounded because container_open() rejects
 * depth > JSON_MAX_DEPTH.
 */
static struct json *parse_container(struct parser *ps, struct json *node,
				    unsigned depth)
{
	char close = node->type == JSON_OBJECT ? '}' : ']';
	struct json **link = &node->child;
	struct json *member;
	struct token key;
	int rc;

	rc = container_open(&ps->lx, close, depth);
	while (rc == 0) {
		if (node->type == JSON_OBJECT && object_key(&ps->lx, &key))
			return NULL;
		member = parse_value(ps, depth);
		if (!member)
			return NULL;
		if (node->type == JSON_OBJECT) {
			member->key = string_value(ps, &key, &member->key_len);
			member->key_raw = key.start;
			member->key_raw_len = (size_t)(key.end - key.start);
		}
		*link = member;
		link = &member->next;
		node->count++;
		rc = container_next(&ps->lx, close);
	}
	return rc < 0 ? NULL : node;
}

/* Parse the value after optional whitespace. depth is the parent's level. */
static struct json *parse_value(struct parser *ps, unsigned depth)
{
	struct token tok;
	struct json *node;

	if (next_token(&ps->lx, &tok))
		return NULL;
	node = new_node(ps, tok.type);
	switch (tok.type) {
	case JSON_ARRAY:
	case JSON_OBJECT:
		return parse_container(ps, node, depth + 1);
	case JSON_STRING:
		node->str = string_value(ps, &tok, &node->len);
		node->raw = tok.start;
		node->raw_len = (size_t)(tok.end - tok.start);
		break;
	case JSON_NUMBER:
		node->str = tok.start;
		node->len = (size_t)(tok.end - tok.start);
		break;
	default:
		break;
	}
	return node;
}

struct json_doc *json_parse(const char *src, size_t len,
			    struct json_error *err)
{
	struct json_doc *doc = json_doc_new();

	if (json_parse_into(doc, src, len, err)) {
		json_doc_free(doc);
		return NULL;
	}
	return doc;
}

struct json_doc *json_doc_new(void)
{
	struct json_doc *doc = xmalloc(sizeof(*doc));

	doc->arena.head = NULL;
	doc->arena.next_cap = ARENA_FIRST_CHUNK;
	doc->root = NULL;
	return doc;
}

static int parse_into(struct json_doc *doc, const char *src, size_t len,
		      struct json_error *err, int utf8_checked)
{
	struct json_error ignored;
	struct parser ps;

	arena_reset(&doc->arena);
	doc->root = NULL;
	lexer_init(&ps.lx, src, len, err ? err : &ignored);
	ps.lx.utf8_checked = utf8_checked;
	if (lexer_require_value(&ps.lx))
		return -1;

	ps.arena = &doc->arena;
	doc->root = parse_value(&ps, 0);
	if (!doc->root || lexer_finish(&ps.lx)) {
		doc->root = NULL;
		return -1;
	}
	return 0;
}

int json_parse_into(struct json_doc *doc, const char *src, size_t len,
		    struct json_error *err)
{
	return parse_into(doc, src, len, err, 1);
}

int json_parse_valid_into(struct json_doc *doc, const char *src, size_t len,
			  struct json_error *err)
{
	return parse_into(doc, src, len, err, 0);
}

const struct json *json_root(const struct json_doc *doc)
{
	return doc ? doc->root : NULL;
}

void json_doc_free(struct json_doc *doc)
{
	if (!doc)
		return;
	arena_release(&doc->arena);
	free(doc);
}

const struct json *json_get(const struct json *obj, const char *key)
{
	const struct json *member, *found = NULL;
	size_t key_len;

	if (!obj || obj->type != JSON_OBJECT)
		return NULL;
	key_len = strlen(key);
	for (member = obj->child; member; member = member->next)
		if (member->key_len == key_len &&
		    memcmp(member->key, key, key_len) == 0)
			found = member;
	return found;
}

int json_is_string(const struct json *node, const char *s)
{
	size_t len = strlen(s);

	return node && node->type == JSON_STRING && node->len == len &&
	       memcmp(node->str, s, len) == 0;
}

const char *json_type_name(enum json_type type)
{
	switch (type) {
	case JSON_NULL:
		return "null";
	case JSON_FALSE:
	case JSON_TRUE:
		return "boolean";
	case JSON_NUMBER:
		return "number";
	case JSON_STRING:
		return "string";
	case JSON_ARRAY:
		return "array";
	case JSON_OBJECT:
		return "object";
	}
	return "unknown";
}

/* The type name with its article, as used in messages: "a number", "null". */
static const char *type_phrase(enum json_type type)
{
	switch (type) {
	case JSON_NULL:
		return "null";
	case JSON_FALSE:
	case JSON_TRUE:
		return "a boolean";
	case JSON_NUMBER:
		return "a number";
	case JSON_STRING:
		return "a string";
	case JSON_ARRAY:
		return "an array";
	case JSON_OBJECT:
		return "an object";
	}
	return "an unknown value";
}

int json_number_is_integer(const struct json *node)
{
	size_t i;

	if (!node || node->type != JSON_NUMBER)
		return 0;
	for (i = 0; i < node->len; i++)
		if (node->str[i] == '.' || node->str[i] == 'e' ||
		    node->str[i] == 'E')
			return 0;
	return 1;
}

/*
 * NOTE: strtod() follows LC_NUMERIC, so this is correct only while the
 * process keeps the "C" locale, that is, as long as nothing calls
 * setlocale() with LC_NUMERIC or LC_ALL.
 */
double json_number_value(const struct json *node)
{
	char small[64];
	char *text;
	double value;

	if (!node || node->type != JSON_NUMBER)
		return 0.0;

	/* The text points into the source and is not NUL-terminated. */
	text = node->len < sizeof(small) ? small : xmalloc(node->len + 1);
	memcpy(text, node->str, node->len);
	text[node->len] = '\0';
	value = strtod(text, NULL);
	if (text != small)
		free(text);
	return value;
}

static void write_key(struct buf *out, const struct json *member)
{
	if (member->key_raw)
		buf_append(out, member->key_raw, member->key_raw_len);
	else
		buf_put_json_string(out, member->key ? member->key : "",
				    member->key_len);
	buf_putc(out, ':');
}

void json_write(struct buf *out, const struct json *node)
{
	const struct json *member;
	char close;

	switch (node->type) {
	case JSON_NULL:
		buf_append(out, "null", 4);
		break;
	case JSON_FALSE:
		buf_append(out, "false", 5);
		break;
	case JSON_TRUE:
		buf_append(out, "true", 4);
		break;
	case JSON_NUMBER:
		buf_append(out, node->str, node->len);
		break;
	case JSON_STRING:
		/* raw is NULL only for a node built by hand, not by json_parse. */
		if (node->raw)
			buf_append(out, node->raw, node->raw_len);
		else
			buf_put_json_string(out, node->str ? node->str : "",
					    node->len);
		break;
	case JSON_ARRAY:
	case JSON_OBJECT:
		close = node->type == JSON_OBJECT ? '}' : ']';
		buf_putc(out, node->type == JSON_OBJECT ? '{' : '[');
		for (member = node->child; member; member = member->next) {
			if (member != node->child)
				buf_putc(out, ',');
			if (node->type == JSON_OBJECT)
				write_key(out, member);
			json_write(out, member);
		}
		buf_putc(out, close);
		break;
	}
}

/*
 * Items path: json_items_parse(). The compacted text of any value is never
 * longer than its source, so json_items_parse() grows items->text once by
 * the input length and the compactor writes through a bare pointer.
 */

struct compactor {
	struct lexer lx;
	char *out;
};

static int compact_container(struct compactor *cp, enum json_type type,
			     unsigned depth);

static int compact_value(struct compactor *cp, unsigned depth)
{
	struct token tok;
	size_t len;

	if (next_token(&cp->lx, &tok))
		return -1;
	if (tok.type == JSON_ARRAY || tok.type == JSON_OBJECT)
		return compact_container(cp, tok.type, depth + 1);
	len = (size_t)(tok.end - tok.start);
	memcpy(cp->out, tok.start, len);
	cp->out += len;
	return 0;
}

/* Same grammar as parse_container(), writing compact text instead. */
static int compact_container(struct compactor *cp, enum json_type type,
			     unsigned depth)
{
	char close = type == JSON_OBJECT ? '}' : ']';
	struct token key;
	size_t len;
	int rc;

	*cp->out++ = type == JSON_OBJECT ? '{' : '[';
	rc = container_open(&cp->lx, close, depth);
	while (rc == 0) {
		if (type == JSON_OBJECT) {
			if (object_key(&cp->lx, &key))
				return -1;
			len = (size_t)(key.end - key.start);
			memcpy(cp->out, key.start, len);
			cp->out += len;
			*cp->out++ = ':';
		}
		if (compact_value(cp, depth))
			return -1;
		rc = container_next(&cp->lx, close);
		if (rc == 0)
			*cp->out++ = ',';
	}
	if (rc < 0)
		return -1;
	*cp->out++ = close;
	return 0;
}

/* Record the object that ends at out as a complete item. */
static void items_push(struct json_items *items, const char *out)
{
	items->text.len = (size_t)(out - items->text.data);
	items->text.data[items->text.len] = '\0';
	if (items->count == items->cap) {
		items->cap = items->cap ? items->cap * 2 : 16;
		items->ends = xrealloc(items->ends,
				       items->cap * sizeof(*items->ends));
	}
	items->ends[items->count++] = items->text.len;
}

/* The body of json_items_parse(), writing through cp->out. */
static int items_scan(struct json_items *items, struct compactor *cp)
{
	struct token tok;
	size_t item;
	int rc;

	if (next_token(&cp->lx, &tok))
		return -1;
	if (tok.type == JSON_OBJECT) {
		if (compact_container(cp, JSON_OBJECT, 1))
			return -1;
		items_push(items, cp->out);
		return lexer_finish(&cp->lx);
	}
	if (tok.type != JSON_ARRAY)
		return lex_fail(&cp->lx, tok.start,
				"expected a JSON object or an array of objects, got %s",
				type_phrase(tok.type));

	rc = container_open(&cp->lx, ']', 1);
	for (item = 0; rc == 0; item++) {
		if (next_token(&cp->lx, &tok))
			return -1;
		if (tok.type != JSON_OBJECT)
			return lex_fail(&cp->lx, tok.start,
					"item at index %zu is %s, expected an object",
					item, type_phrase(tok.type));
		if (compact_container(cp, JSON_OBJECT, 2))
			return -1;
		items_push(items, cp->out);
		rc = container_next(&cp->lx, ']');
	}
	if (rc < 0)
		return -1;
	return lexer_finish(&cp->lx);
}

int json_items_parse(struct json_items *items, const char *src, size_t len,
		     struct json_error *err)
{
	struct json_error ignored;
	struct compactor cp;
	int rc;

	lexer_init(&cp.lx, src, len, err ? err : &ignored);
	if (lexer_require_value(&cp.lx))
		return -1;
	buf_grow(&items->text, len);
	cp.out = items->text.data + items->text.len;

	rc = items_scan(items, &cp);

	/* Drop the unfinished object an error leaves past the last item. */
	items->text.data[items->text.len] = '\0';
	return rc;
}

void json_items_release(struct json_items *items)
{
	buf_release(&items->text);
	free(items->ends);
	items->ends = NULL;
	items->count = 0;
	items->cap = 0;
}
