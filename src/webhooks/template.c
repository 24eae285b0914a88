/*
 * Rendering of webhook templates; see template.h. The platform's algorithm
 * (parse, and on failure replace the next {{variable}} outside a string,
 * then parse again) is done in one pass: a {{ outside a string is never
 * valid JSON, so every such variable must be replaced before the text can
 * parse, and a variable inside a string never is. A second pass writes
 * the parsed tree compactly, filling variables inside string values when
 * interpolate_strings is set. Values are looked up as JavaScript would.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/json.h"
#include "webhooks/echo.h"
#include "webhooks/spec.h"
#include "webhooks/template.h"

const char webhook_default_template[] =
	"{\n"
	"    \"userId\": {{userId}},\n"
	"    \"createdAt\": {{createdAt}},\n"
	"    \"eventType\": {{eventType}},\n"
	"    \"eventData\": {{eventData}},\n"
	"    \"resource\": {{resource}}\n"
	"}";

const struct webhook_vars webhook_sample_vars = {
	.user_id = "\"sampleUser0000001\"",
	.created_at = "\"2026-01-01T00:00:00.000Z\"",
	.event_type = "\"ACTOR.RUN.SUCCEEDED\"",
	.event_data = "{\"actorId\":\"sampleActor000001\","
		      "\"actorTaskId\":\"sampleTask0000001\","
		      "\"actorRunId\":\"sampleRun00000001\"}",
	.resource = "{\"id\":\"sampleRun00000001\",\"actId\":\"sampleActor000001\","
		    "\"userId\":\"sampleUser0000001\","
		    "\"actorTaskId\":\"sampleTask0000001\","
		    "\"startedAt\":\"2026-01-01T00:00:00.000Z\","
		    "\"finishedAt\":\"2026-01-01T00:00:01.000Z\","
		    "\"status\":\"SUCCEEDED\",\"statusMessage\":null,"
		    "\"exitCode\":0,\"buildId\":\"sampleBuild000001\","
		    "\"buildNumber\":\"0.0.1\",\"meta\":{\"origin\":\"API\"},"
		    "\"stats\":{},\"options\":{\"build\":\"latest\","
		    "\"timeoutSecs\":0,\"memoryMbytes\":1024,"
		    "\"diskMbytes\":2048},"
		    "\"defaultDatasetId\":\"sampleDataset0001\","
		    "\"defaultKeyValueStoreId\":\"sampleStore000001\","
		    "\"defaultRequestQueueId\":\"sampleQueue000001\"}",
	.globals = "{\"dateISO\":\"2026-01-01T00:00:01.000Z\","
		   "\"dateUnix\":1767225601000}",
};

enum {
	VAR_USER_ID,
	VAR_CREATED_AT,
	VAR_EVENT_TYPE,
	VAR_EVENT_DATA,
	VAR_RESOURCE,
	VAR_GLOBALS,
	VAR_COUNT
};

static const char *const var_names[VAR_COUNT] = {
	"userId", "createdAt", "eventType", "eventData", "resource", "globals",
};

/*
 * A looked-up value in JavaScript's terms: undefined (a missing variable
 * or member), the null a dot path gives when it passes through a value
 * that is not an object, or a node of a parsed variable.
 */
enum value_kind { VALUE_UNDEFINED, VALUE_NULL, VALUE_NODE };

struct value {
	enum value_kind kind;
	const struct json *node;
};

/* The state of one webhook_render() call. */
struct render {
	const struct webhook_vars *vars;
	struct json_doc *docs[VAR_COUNT];	/* parsed on first use, owned */
	int parsed[VAR_COUNT];
	struct buf scratch;			/* a string being interpolated */
	char *err;
	size_t errlen;
};

__attribute__((format(printf, 2, 3)))
static int fail(struct render *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->err, r->errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static const char *var_text(const struct webhook_vars *v, int var)
{
	switch (var) {
	case VAR_USER_ID:
		return v->user_id;
	case VAR_CREATED_AT:
		return v->created_at;
	case VAR_EVENT_TYPE:
		return v->event_type;
	case VAR_EVENT_DATA:
		return v->event_data;
	case VAR_RESOURCE:
		return v->resource;
	default:
		return v->globals;
	}
}

static int var_index(const char *name, size_t len)
{
	int i;

	for (i = 0; i < VAR_COUNT; i++) {
		if (strlen(var_names[i]) == len && !memcmp(var_names[i], name, len))
			return i;
	}
	return -1;
}

/* Set *root to the parsed value of variable var, NULL when it is missing. */
static int var_root(struct render *r, int var, const struct json **root)
{
	const char *text = var_text(r->vars, var);
	struct json_error jerr;

	*root = NULL;
	if (!text || !*text)
		return 0;
	if (!r->parsed[var]) {
		r->parsed[var] = 1;
		r->docs[var] = json_parse(text, strlen(text), &jerr);
		if (!r->docs[var])
			return fail(r, "The value of template variable '%s' is not"
				    " valid JSON: %s at byte %zu.",
				    var_names[var], jerr.message, jerr.offset);
	}
	if (!r->docs[var])
		return fail(r, "The value of template variable '%s' is not"
			    " valid JSON.", var_names[var]);
	*root = json_root(r->docs[var]);
	return 0;
}

/*
 * The member prop of an object (the last one when the key repeats, as in
 * JSON.parse), or the element of an array at a decimal index written
 * without leading zeros; NULL when there is none.
 */
static const struct json *child_of(const struct json *node, const char *prop,
				   size_t len)
{
	const struct json *m, *found = NULL;
	size_t index = 0, i;

	if (node->type == JSON_OBJECT) {
		for (m = node->child; m; m = m->next) {
			if (m->key_len == len && !memcmp(m->key, prop, len))
				found = m;
		}
		return found;
	}

	/* TODO: JavaScript also reads `length` of an array here. */
	if (!len || len > 9 || (len > 1 && prop[0] == '0'))
		return NULL;
	for (i = 0; i < len; i++) {
		if (prop[i] < '0' || prop[i] > '9')
			return NULL;
		index = index * 10 + (size_t)(prop[i] - '0');
	}
	for (m = node->child; m && index; m = m->next)
		index--;
	return m;
}

/*
 * Look up a variable name with an optional dot path ("resource.stats.x").
 * Each step works like `ctx && typeof ctx === 'object' ? ctx[prop] : null`
 * in JavaScript. An unknown first segment is an error.
 */
static int lookup(struct render *r, const char *name, size_t len,
		  struct value *out)
{
	const char *end = name + len;
	const char *dot = memchr(name, '.', len);
	size_t head = dot ? (size_t)(dot - name) : len;
	char echo[WEBHOOK_ECHO_SIZE];
	const struct json *node;
	int var = var_index(name, head);

	if (var < 0)
		return fail(r, "Template variable '{{%s}}' is not allowed. A"
			    " variable is userId, createdAt, eventType,"
			    " eventData, resource or globals, optionally with"
			    " a dot path such as resource.id.",
			    webhook_echo(echo, sizeof(echo), name, len));
	if (var_root(r, var, &node))
		return -1;
	out->kind = node ? VALUE_NODE : VALUE_UNDEFINED;
	out->node = node;

	while (dot) {
		const char *prop = dot + 1;
		const char *next = memchr(prop, '.', (size_t)(end - prop));
		size_t prop_len = (size_t)((next ? next : end) - prop);

		if (out->kind != VALUE_NODE ||
		    (out->node->type != JSON_OBJECT &&
		     out->node->type != JSON_ARRAY)) {
			out->kind = VALUE_NULL;
		} else {
			out->node = child_of(out->node, prop, prop_len);
			if (!out->node)
				out->kind = VALUE_UNDEFINED;
		}
		dot = next;
	}
	return 0;
}

/* JavaScript truthiness: false, 0, "", null and undefined are falsy. */
static int is_truthy(const struct value *v)
{
	if (v->kind != VALUE_NODE)
		return 0;
	switch (v->node->type) {
	case JSON_NULL:
	case JSON_FALSE:
		return 0;
	case JSON_NUMBER:
		return json_number_value(v->node) != 0.0;
	case JSON_STRING:
		return v->node->len > 0;
	default:
		return 1;
	}
}

static void write_typed(struct buf *out, const struct value *v)
{
	if (v->kind == VALUE_NODE)
		json_write(out, v->node);
	else
		buf_puts(out, "null");
}

/*
 * The string form of a value inside a string: a string's own text, a
 * number as written, true, false, null, "undefined" for a missing value
 * (as JavaScript prints them), and objects and arrays as compact JSON.
 */
static void write_string_form(struct buf *out, const struct value *v)
{
	if (v->kind == VALUE_UNDEFINED)
		buf_puts(out, "undefined");
	else if (v->kind == VALUE_NULL)
		buf_puts(out, "null");
	else if (v->node->type == JSON_STRING)
		buf_append(out, v->node->str, v->node->len);
	/* NOTE: numbers keep their spelling, where JavaScript prints 1.50 as 1.5. */
	else
		json_write(out, v->node);
}

static int too_large(struct render *r, size_t len)
{
	if (len <= WEBHOOK_RENDER_MAX)
		return 0;
	return fail(r, "The rendered template is larger than %u bytes.",
		    WEBHOOK_RENDER_MAX);
}

/*
 * First pass: copy t to text, replacing each {{name}} outside a JSON
 * string with the JSON of its value, or null for a falsy value. A {{
 * without a later }} ends the replacing, as no variable follows.
 */
static int replace_outside_strings(struct render *r, const char *t,
				   size_t len, struct buf *text)
{
	size_t i = 0, copied = 0;
	int in_string = 0;

	while (i < len) {
		const char *name, *close;
		struct value v;

		if (in_string) {
			if (t[i] == '\\')
				i++;
			else if (t[i] == '"')
				in_string = 0;
			i++;
			continue;
		}
		if (t[i] == '"')
			in_string = 1;
		if (t[i] != '{' || i + 1 >= len || t[i + 1] != '{') {
			i++;
			continue;
		}

		name = t + i + 2;
		close = memmem(name, len - i - 2, "}}", 2);
		if (!close)
			break;
		if (lookup(r, name, (size_t)(close - name), &v))
			return -1;
		buf_append(text, t + copied, i - copied);
		if (is_truthy(&v))
			json_write(text, v.node);
		else
			buf_puts(text, "null");
		i = (size_t)(close + 2 - t);
		copied = i;
		if (too_large(r, text->len))
			return -1;
	}
	buf_append(text, t + copied, len - copied);
	return too_large(r, text->len);
}

/* If s is exactly "{{name}}" with name of [A-Za-z0-9.]+, set name. */
static int exact_variable(const struct json *s, const char **name,
			  size_t *len)
{
	size_t i;

	if (s->len < 5 || memcmp(s->str, "{{", 2) ||
	    memcmp(s->str + s->len - 2, "}}", 2))
		return 0;
	for (i = 2; i < s->len - 2; i++) {
		char c = s->str[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.'))
			return 0;
	}
	*name = s->str + 2;
	*len = s->len - 4;
	return 1;
}

/* Length of a [A-Za-z0-9.]+ run starting at s, at most len bytes. */
static size_t name_span(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.'))
			break;
	}
	return i;
}

/*
 * Write a string value with each {{name}} replaced by the string form of
 * its value, scanning like the global regular expression
 * /\{\{([a-zA-Z0-9.]+)\}\}/g. A string without "{{" keeps its escapes.
 */
static int write_interpolated_string(struct render *r, const struct json *s,
				     struct buf *out)
{
	const char *str = s->str;
	size_t len = s->len, i = 0, copied = 0;

	if (!memmem(str, len, "{{", 2)) {
		buf_append(out, s->raw, s->raw_len);
		return 0;
	}

	buf_reset(&r->scratch);
	while (i + 1 < len) {
		size_t n;
		struct value v;

		if (str[i] != '{' || str[i + 1] != '{') {
			i++;
			continue;
		}
		n = name_span(str + i + 2, len - i - 2);
		if (!n || i + 2 + n + 2 > len || str[i + 2 + n] != '}' ||
		    str[i + 3 + n] != '}') {
			i++;
			continue;
		}
		if (lookup(r, str + i + 2, n, &v))
			return -1;
		buf_append(&r->scratch, str + copied, i - copied);
		write_string_form(&r->scratch, &v);
		i += n + 4;
		copied = i;
		if (too_large(r, r->scratch.len))
			return -1;
	}
	buf_append(&r->scratch, str + copied, len - copied);
	buf_put_json_string(out, r->scratch.data, r->scratch.len);
	return 0;
}

static int write_interpolated(struct render *r, const struct json *node,
			      struct buf *out, size_t out_start);

/*
 * Write one member or element. A string that is exactly "{{name}}" takes
 * the value's type, and a missing value is left out of an object (as
 * JSON.stringify leaves out undefined) and is null in an array.
 */
static int write_child(struct render *r, const struct json *child,
		       int in_object, int *first, struct buf *out,
		       size_t out_start)
{
	const char *name;
	size_t len;
	struct value v;
	int exact = child->type == JSON_STRING &&
		    exact_variable(child, &name, &len);

	if (exact && lookup(r, name, len, &v))
		return -1;
	if (exact && in_object && v.kind == VALUE_UNDEFINED)
		return 0;

	if (!*first)
		buf_putc(out, ',');
	*first = 0;
	if (in_object && child->key_raw)
		buf_append(out, child->key_raw, child->key_raw_len);
	else if (in_object)
		buf_put_json_string(out, child->key, child->key_len);
	if (in_object)
		buf_putc(out, ':');

	if (!exact)
		return write_interpolated(r, child, out, out_start);
	write_typed(out, &v);
	return too_large(r, out->len - out_start);
}

/* Second pass with interpolate_strings: write node, filling strings. */
static int write_interpolated(struct render *r, const struct json *node,
			      struct buf *out, size_t out_start)
{
	const struct json *child;
	int in_object = node->type == JSON_OBJECT, first = 1;

	if (node->type == JSON_STRING) {
		if (write_interpolated_string(r, node, out))
			return -1;
		return too_large(r, out->len - out_start);
	}
	if (node->type != JSON_OBJECT && node->type != JSON_ARRAY) {
		json_write(out, node);
		return 0;
	}

	buf_putc(out, in_object ? '{' : '[');
	for (child = node->child; child; child = child->next) {
		if (write_child(r, child, in_object, &first, out, out_start))
			return -1;
	}
	buf_putc(out, in_object ? '}' : ']');
	return 0;
}

/* The top-level value with interpolation: "{{name}}" alone takes its type. */
static int write_root(struct render *r, const struct json *root,
		      struct buf *out, size_t out_start)
{
	const char *name;
	size_t len;
	struct value v;

	if (root->type != JSON_STRING || !exact_variable(root, &name, &len))
		return write_interpolated(r, root, out, out_start);
	if (lookup(r, name, len, &v))
		return -1;
	write_typed(out, &v);
	return too_large(r, out->len - out_start);
}

int webhook_render(const char *template, int interpolate_strings,
		   const struct webhook_vars *v, struct buf *out,
		   char *err, size_t errlen)
{
	struct render r = { .vars = v, .scratch = BUF_INIT,
			    .err = err, .errlen = errlen };
	struct buf text = BUF_INIT;
	struct json_doc *doc = NULL;
	struct json_error jerr;
	size_t out_start = out->len, len;
	int rc = -1, i;

	if (!template)
		template = webhook_default_template;
	len = strlen(template);
	if (len > WEBHOOK_TEMPLATE_MAX) {
		fail(&r, "The template is %zu bytes long, more than the %u"
		     " allowed.", len, (unsigned)WEBHOOK_TEMPLATE_MAX);
		goto out;
	}

	if (replace_outside_strings(&r, template, len, &text))
		goto out;
	doc = json_parse(text.data, text.len, &jerr);
	if (!doc) {
		fail(&r, "The template is not valid JSON after its variables"
		     " are replaced: %s at byte %zu of the result.",
		     jerr.message, jerr.offset);
		goto out;
	}

	if (!interpolate_strings) {
		json_write(out, json_root(doc));
		rc = too_large(&r, out->len - out_start);
	} else {
		rc = write_root(&r, json_root(doc), out, out_start);
	}

out:
	if (rc) {
		out->len = out_start;
		if (out->data)
			out->data[out_start] = '\0';
	}
	json_doc_free(doc);
	buf_release(&text);
	buf_release(&r.scratch);
	for (i = 0; i < VAR_COUNT; i++)
		json_doc_free(r.docs[i]);
	return rc;
}
