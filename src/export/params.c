/*
 * The query parameters of an items request: format, pagination, the
 * transformations and the format options, each checked with an
 * invalid-input error that names it. See pipeline.h.
 */
#include "export/pipeline.h"

#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "export/xml_text.h"

char *export_request_own(struct export_request *x, const char *s, size_t len)
{
	struct name_list *o = &x->owned;

	o->names = xrealloc(o->names, (o->count + 1) * sizeof(*o->names));
	o->names[o->count] = xstrndup(s, len);
	return o->names[o->count++];
}

/*
 * Split a comma-separated list of field names, trimming spaces. An empty
 * name ("a,,b", a trailing comma) is an error: it is a typo, not a field.
 */
static int parse_names(struct req *r, struct export_request *x,
		       const char *param, struct name_list *out)
{
	const char *v = req_query(r, param);
	const char *p;

	if (!v || !*v)
		return 0;
	for (p = v;;) {
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		const char *s = p;

		while (n && *s == ' ')
			s++, n--;
		while (n && s[n - 1] == ' ')
			n--;
		if (!n) {
			resp_error(r, 400, "invalid-input", "Parameter '%s' must"
				   " be a comma-separated list of field names,"
				   " got '%s'.", param, v);
			return -1;
		}
		out->names = xrealloc(out->names,
				      (out->count + 1) * sizeof(*out->names));
		out->names[out->count++] = export_request_own(x, s, n);
		if (!end)
			return 0;
		p = end + 1;
	}
}

/* simplified=1 is fields=url,pageFunctionResult,errorInfo with
 * unwind=pageFunctionResult, as the legacy crawler gave. */
static void apply_simplified(struct export_request *x)
{
	static const char *const fields[] = {
		"url", "pageFunctionResult", "errorInfo",
	};
	size_t i;

	free(x->transform.fields.names);
	free(x->transform.unwind.names);
	x->transform.fields.names = xcalloc(3, sizeof(char *));
	x->transform.fields.count = 3;
	for (i = 0; i < 3; i++)
		x->transform.fields.names[i] = export_request_own(x, fields[i], strlen(fields[i]));
	x->transform.unwind.names = xcalloc(1, sizeof(char *));
	x->transform.unwind.names[0] = x->transform.fields.names[1];
	x->transform.unwind.count = 1;
}

static int parse_format(struct req *r, struct export_request *x)
{
	const char *format = req_query(r, "format");
	struct buf list = BUF_INIT;

	x->writer = writer_find(format && *format ? format : "json");
	if (x->writer)
		return 0;
	writer_format_list(&list);
	resp_error(r, 400, "invalid-input", "Parameter 'format' must be one of"
		   " %s, got '%s'.", list.data, format);
	buf_release(&list);
	return -1;
}

/* Two fields renamed to one name would drop one of them silently. The
 * lists are short (field names in a URL), so pairs are compared. */
static int check_unique(struct req *r, const struct name_list *names)
{
	size_t i, j;

	for (i = 0; i < names->count; i++)
		for (j = i + 1; j < names->count; j++)
			if (!strcmp(names->names[i], names->names[j])) {
				resp_error(r, 400, "invalid-input", "Parameter"
					   " 'outputFields' names '%s' twice;"
					   " each output field needs its own"
					   " name.", names->names[i]);
				return -1;
			}
	return 0;
}

static int parse_transform(struct req *r, struct export_request *x)
{
	struct transform_options *t = &x->transform;
	int clean, simplified;

	if (parse_names(r, x, "fields", &t->fields) ||
	    parse_names(r, x, "outputFields", &t->output_fields) ||
	    parse_names(r, x, "omit", &t->omit) ||
	    parse_names(r, x, "unwind", &t->unwind) ||
	    parse_names(r, x, "flatten", &t->flatten) ||
	    api_query_bool(r, "skipHidden", 0, &t->skip_hidden) ||
	    api_query_bool(r, "skipEmpty", 0, &t->skip_empty) ||
	    api_query_bool(r, "skipFailedPages", 0, &t->skip_failed_pages) ||
	    api_query_bool(r, "clean", 0, &clean) ||
	    api_query_bool(r, "simplified", 0, &simplified))
		return -1;
	if (clean)
		t->skip_hidden = t->skip_empty = 1;
	if (simplified)
		apply_simplified(x);
	if (t->output_fields.count && t->output_fields.count != t->fields.count) {
		resp_error(r, 400, "invalid-input", "Parameter 'outputFields'"
			   " must name as many fields as 'fields' (%zu), got"
			   " %zu.", t->fields.count, t->output_fields.count);
		return -1;
	}
	return check_unique(r, &t->output_fields);
}

/* A text parameter kept as given; NULL when absent or empty. */
static const char *text_param(struct req *r, struct export_request *x,
			      const char *name)
{
	const char *v = req_query(r, name);

	return v && *v ? export_request_own(x, v, strlen(v)) : NULL;
}

static int parse_delimiter(struct req *r, struct export_request *x)
{
	const char *v = req_query(r, "delimiter");

	x->format.delimiter = ',';
	if (!v || !*v)
		return 0;
	/* One ASCII character, and not one that CSV quoting itself uses. */
	if (strlen(v) != 1 || (unsigned char)v[0] >= 0x80 || v[0] == '"' ||
	    v[0] == '\r' || v[0] == '\n') {
		resp_error(r, 400, "invalid-input", "Parameter 'delimiter' must"
			   " be one ASCII character other than a double quote,"
			   " CR or LF (URL-encoded if needed, such as %%09 for"
			   " a tab), got '%s'.", v);
		return -1;
	}
	x->format.delimiter = v[0];
	return 0;
}

static int parse_xml_name(struct req *r, struct export_request *x,
			  const char *param, const char *def, const char **out)
{
	const char *v = text_param(r, x, param);

	*out = v ? v : def;
	if (xml_name_valid(*out))
		return 0;
	resp_error(r, 400, "invalid-input", "Parameter '%s' must be a valid XML"
		   " element name without ':' (a letter or '_' first, then"
		   " letters, digits, '.', '-' or '_'), got '%s'.", param, v);
	return -1;
}

static int parse_format_options(struct req *r, struct export_request *x)
{
	struct writer_options *f = &x->format;

	if (parse_delimiter(r, x) ||
	    api_query_bool(r, "skipHeaderRow", 0, &f->skip_header_row) ||
	    parse_xml_name(r, x, "xmlRoot", "items", &f->xml_root) ||
	    parse_xml_name(r, x, "xmlRow", "item", &f->xml_row) ||
	    api_query_bool(r, "bom", x->writer->bom_by_default, &x->bom) ||
	    api_query_bool(r, "attachment", 0, &x->attachment))
		return -1;
	/* A BOM would corrupt the binary xlsx file: bom applies to text. */
	if (x->writer == &writer_xlsx)
		x->bom = 0;
	f->feed_title = text_param(r, x, "feedTitle");
	f->feed_description = text_param(r, x, "feedDescription");
	return 0;
}

int export_parse(struct req *r, struct export_request *x)
{
	memset(x, 0, sizeof(*x));
	if (parse_format(r, x) ||
	    api_query_int(r, "offset", 0, &x->offset) ||
	    api_query_int(r, "limit", 0, &x->limit) ||
	    api_query_bool(r, "desc", 0, &x->desc) ||
	    parse_transform(r, x) || parse_format_options(r, x))
		return -1;
	return 0;
}

void export_request_release(struct export_request *x)
{
	size_t i;

	for (i = 0; i < x->owned.count; i++)
		free(x->owned.names[i]);
	free(x->owned.names);
	free(x->transform.fields.names);
	free(x->transform.output_fields.names);
	free(x->transform.omit.names);
	free(x->transform.unwind.names);
	free(x->transform.flatten.names);
	memset(x, 0, sizeof(*x));
}
