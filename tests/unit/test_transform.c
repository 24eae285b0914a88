/*
 * Unit tests for src/export/transform.c: each option alone, their order,
 * whole json exports with their key order, errors, and large items.
 * Items and expected records are written with ' for " to stay readable.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "export/transform.h"
#include "util/buf.h"

/* A name_list of string literals. */
#define LIST(...) { (char *[]){ __VA_ARGS__ },				\
		    sizeof((char *[]){ __VA_ARGS__ }) / sizeof(char *) }

static struct buf input = BUF_INIT;
static struct buf output = BUF_INIT;

static void swap_quotes(char *s, size_t len, char from, char to)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (s[i] == from)
			s[i] = to;
}

/* Append rec to the buffer ctx as compact JSON, a space between records. */
static int collect(void *ctx, const struct record *rec)
{
	struct buf *out = ctx;
	size_t i;

	if (out->len)
		buf_putc(out, ' ');
	buf_putc(out, '{');
	for (i = 0; i < rec->count; i++) {
		if (i)
			buf_putc(out, ',');
		buf_put_json_string(out, rec->fields[i].key,
				    rec->fields[i].key_len);
		buf_putc(out, ':');
		json_write(out, rec->fields[i].value);
	}
	buf_putc(out, '}');
	return 0;
}

/*
 * Run t over item and return the records it emits, with ' for ", or
 * "error N" when transform_item() returns N.
 */
static const char *run_with(struct transform *t, const char *item)
{
	int rc;

	buf_reset(&input);
	buf_puts(&input, item);
	swap_quotes(input.data, input.len, '\'', '"');
	buf_reset(&output);
	buf_putc(&output, '\0');
	output.len = 0;

	rc = transform_item(t, input.data, input.len, collect, &output);
	if (rc) {
		buf_reset(&output);
		buf_printf(&output, "error %d", rc);
	}
	swap_quotes(output.data, output.len, '"', '\'');
	return output.data;
}

static const char *run(const struct transform_options *opt, const char *item)
{
	struct transform *t = transform_new(opt);
	const char *result = run_with(t, item);

	transform_free(t);
	return result;
}

static int release_buffers(void **state)
{
	(void)state;
	buf_release(&input);
	buf_release(&output);
	return 0;
}

static void test_transform_identity(void **state)
{
	struct transform_options none = { 0 };
	struct transform_options fields = { .fields = LIST("a") };
	struct transform_options omit = { .omit = LIST("a") };
	struct transform_options unwind = { .unwind = LIST("a") };
	struct transform_options flatten = { .flatten = LIST("a") };
	struct transform_options hidden = { .skip_hidden = 1 };
	struct transform_options empty = { .skip_empty = 1 };
	struct transform_options failed = { .skip_failed_pages = 1 };

	(void)state;
	assert_int_equal(transform_is_identity(&none), 1);
	assert_int_equal(transform_is_identity(&fields), 0);
	assert_int_equal(transform_is_identity(&omit), 0);
	assert_int_equal(transform_is_identity(&unwind), 0);
	assert_int_equal(transform_is_identity(&flatten), 0);
	assert_int_equal(transform_is_identity(&hidden), 0);
	assert_int_equal(transform_is_identity(&empty), 0);
	assert_int_equal(transform_is_identity(&failed), 0);
}

static void test_transform_no_options(void **state)
{
	struct transform_options none = { 0 };

	(void)state;
	assert_string_equal(run(&none, "{'a':1,'b':[1,{'c':null}],'d':{}}"),
			    "{'a':1,'b':[1,{'c':null}],'d':{}}");
	assert_string_equal(run(&none, "{}"), "{}");
	/* Numbers and escapes as stored; keys are re-encoded by the test. */
	assert_string_equal(run(&none, "{'n':1.50E+3,'s':'\\u00e9\\/'}"),
			    "{'n':1.50E+3,'s':'\\u00e9\\/'}");
	/* Duplicate keys: the first position, the last value. */
	assert_string_equal(run(&none, "{'a':1,'b':2,'a':3}"),
			    "{'a':3,'b':2}");
}

static void test_transform_skip_failed_pages(void **state)
{
	struct transform_options opt = { .skip_failed_pages = 1 };
	struct transform_options off = { 0 };
	struct transform_options with_fields = {
		.skip_failed_pages = 1, .fields = LIST("url"),
	};

	(void)state;
	assert_string_equal(run(&opt, "{'url':'u','errorInfo':'boom'}"), "");
	assert_string_equal(run(&opt, "{'errorInfo':null}"), "");
	assert_string_equal(run(&opt, "{'errorInfo':{},'url':'u'}"), "");
	assert_string_equal(run(&opt, "{'url':'u'}"), "{'url':'u'}");
	assert_string_equal(run(&opt, "{'url':'u','x':{'errorInfo':1}}"),
			    "{'url':'u','x':{'errorInfo':1}}");
	assert_string_equal(run(&opt, "{'errorinfo':1}"), "{'errorinfo':1}");
	assert_string_equal(run(&off, "{'url':'u','errorInfo':'boom'}"),
			    "{'url':'u','errorInfo':'boom'}");
	/* Checked before fields, which would drop errorInfo. */
	assert_string_equal(run(&with_fields, "{'url':'u','errorInfo':1}"), "");
}

static void test_transform_fields(void **state)
{
	struct transform_options order = { .fields = LIST("b", "a") };
	struct transform_options absent = { .fields = LIST("x", "a", "y") };
	struct transform_options twice = { .fields = LIST("a", "a") };

	(void)state;
	assert_string_equal(run(&order, "{'a':1,'b':2,'c':3}"),
			    "{'b':2,'a':1}");
	assert_string_equal(run(&order, "{'c':3}"), "{}");
	assert_string_equal(run(&absent, "{'a':1,'b':2}"), "{'a':1}");
	assert_string_equal(run(&order, "{'a':1,'b':2,'a':3}"),
			    "{'b':2,'a':3}");
	assert_string_equal(run(&twice, "{'a':1,'b':2}"), "{'a':1}");
	assert_string_equal(run(&order, "{'b':{'a':[1]},'a':null}"),
			    "{'b':{'a':[1]},'a':null}");
}

static void test_transform_output_fields(void **state)
{
	struct transform_options rename = {
		.fields = LIST("b", "a"), .output_fields = LIST("B", "A"),
	};
	struct transform_options swap = {
		.fields = LIST("a", "b"), .output_fields = LIST("b", "a"),
	};
	struct transform_options same = {
		.fields = LIST("a", "b"), .output_fields = LIST("x", "x"),
	};

	(void)state;
	assert_string_equal(run(&rename, "{'a':1,'b':2}"), "{'B':2,'A':1}");
	assert_string_equal(run(&rename, "{'a':1}"), "{'A':1}");
	assert_string_equal(run(&swap, "{'a':1,'b':2}"), "{'b':1,'a':2}");
	/* Two fields renamed alike give one key, the later field's value. */
	assert_string_equal(run(&same, "{'a':1,'b':2}"), "{'x':2}");
	assert_string_equal(run(&same, "{'a':1}"), "{'x':1}");
	assert_string_equal(run(&same, "{'b':2}"), "{'x':2}");
}

static void test_transform_omit(void **state)
{
	struct transform_options omit = { .omit = LIST("b", "zz") };
	struct transform_options all = { .omit = LIST("a", "b") };
	struct transform_options both = {
		.fields = LIST("a", "b"), .omit = LIST("a"),
	};
	struct transform_options renamed = {
		.fields = LIST("a", "b", "c"),
		.output_fields = LIST("A", "B", "C"),
		.omit = LIST("b"),
	};

	(void)state;
	assert_string_equal(run(&omit, "{'a':1,'b':2,'c':3}"),
			    "{'a':1,'c':3}");
	assert_string_equal(run(&omit, "{'a':1}"), "{'a':1}");
	assert_string_equal(run(&omit, "{'b':1,'a':2,'b':3}"), "{'a':2}");
	assert_string_equal(run(&omit, "{'a':1,'b':2,'a':3}"), "{'a':3}");
	assert_string_equal(run(&omit, "{'a':{'b':1}}"), "{'a':{'b':1}}");
	assert_string_equal(run(&all, "{'a':1,'b':2}"), "{}");
	assert_string_equal(run(&both, "{'a':1,'b':2}"), "{'b':2}");
	/* The renames stay with their fields when omit drops one. */
	assert_string_equal(run(&renamed, "{'a':1,'b':2,'c':3}"),
			    "{'A':1,'C':3}");
}

static void test_transform_unwind_object(void **state)
{
	struct transform_options opt = { .unwind = LIST("k") };

	(void)state;
	assert_string_equal(run(&opt, "{'a':1,'k':{'b':2},'c':3}"),
			    "{'a':1,'c':3,'b':2}");
	assert_string_equal(run(&opt, "{'a':1,'k':{'c':9,'b':2},'c':3}"),
			    "{'a':1,'c':9,'b':2}");
	assert_string_equal(run(&opt, "{'a':1,'k':{},'c':3}"),
			    "{'a':1,'c':3}");
	assert_string_equal(run(&opt, "{'a':1,'k':{'k':5}}"),
			    "{'a':1,'k':5}");
	assert_string_equal(run(&opt, "{'a':1,'k':{'b':2,'b':3}}"),
			    "{'a':1,'b':3}");
	assert_string_equal(run(&opt, "{'k':{'x':{'y':1}}}"),
			    "{'x':{'y':1}}");
}

static void test_transform_unwind_array(void **state)
{
	struct transform_options opt = { .unwind = LIST("k") };

	(void)state;
	assert_string_equal(run(&opt,
				"{'s':'S','k':[{'sku':'a'},{'sku':'b'}]}"),
			    "{'s':'S','sku':'a'} {'s':'S','sku':'b'}");
	assert_string_equal(run(&opt, "{'a':1,'k':[{'a':2}],'c':3}"),
			    "{'a':2,'c':3}");
	assert_string_equal(run(&opt, "{'a':1,'k':[1,'x',null,true],'c':3}"),
			    "{'a':1,'k':1,'c':3} {'a':1,'k':'x','c':3} "
			    "{'a':1,'k':null,'c':3} {'a':1,'k':true,'c':3}");
	assert_string_equal(run(&opt, "{'k':[[1,2],[]]}"),
			    "{'k':[1,2]} {'k':[]}");
	assert_string_equal(run(&opt, "{'a':1,'k':[{'b':2},5,{}]}"),
			    "{'a':1,'b':2} {'a':1,'k':5} {'a':1}");
	assert_string_equal(run(&opt, "{'a':1,'k':[],'c':3}"),
			    "{'a':1,'c':3}");
	assert_string_equal(run(&opt, "{'k':[]}"), "{}");
}

static void test_transform_unwind_unchanged(void **state)
{
	struct transform_options opt = { .unwind = LIST("k") };

	(void)state;
	assert_string_equal(run(&opt, "{'a':1}"), "{'a':1}");
	assert_string_equal(run(&opt, "{'a':1,'k':5}"), "{'a':1,'k':5}");
	assert_string_equal(run(&opt, "{'a':1,'k':null}"), "{'a':1,'k':null}");
	assert_string_equal(run(&opt, "{'k':'str','a':1}"),
			    "{'k':'str','a':1}");
	assert_string_equal(run(&opt, "{'a':{'k':[1,2]}}"),
			    "{'a':{'k':[1,2]}}");
}

static void test_transform_unwind_several(void **state)
{
	struct transform_options two = { .unwind = LIST("x", "y") };
	struct transform_options chained = { .unwind = LIST("a", "b") };
	struct transform_options repeated = { .unwind = LIST("k", "k") };
	struct transform_options gap = { .unwind = LIST("x", "none", "y") };

	(void)state;
	assert_string_equal(run(&two, "{'x':[1,2],'y':[{'a':'p'},{'a':'q'}]}"),
			    "{'x':1,'a':'p'} {'x':1,'a':'q'} "
			    "{'x':2,'a':'p'} {'x':2,'a':'q'}");
	assert_string_equal(run(&two, "{'y':[1,2],'x':[3]}"),
			    "{'y':1,'x':3} {'y':2,'x':3}");
	assert_string_equal(run(&two, "{'x':[1,2],'y':[]}"),
			    "{'x':1} {'x':2}");
	/* The second name reaches a field the first one brought up. */
	assert_string_equal(run(&chained, "{'a':{'b':[1,2]},'c':0}"),
			    "{'c':0,'b':1} {'c':0,'b':2}");
	assert_string_equal(run(&chained, "{'a':[{'b':[1]},{'b':[2,3]}]}"),
			    "{'b':1} {'b':2} {'b':3}");
	assert_string_equal(run(&repeated, "{'k':[[1,2],[3],4]}"),
			    "{'k':1} {'k':2} {'k':3} {'k':4}");
	assert_string_equal(run(&gap, "{'x':[1,2],'y':[3,4]}"),
			    "{'x':1,'y':3} {'x':1,'y':4} "
			    "{'x':2,'y':3} {'x':2,'y':4}");
}

static void test_transform_flatten(void **state)
{
	struct transform_options opt = { .flatten = LIST("foo") };
	struct transform_options two = { .flatten = LIST("foo", "bar") };

	(void)state;
	assert_string_equal(run(&opt, "{'foo':{'bar':{'q':1},'z':2}}"),
			    "{'foo.bar.q':1,'foo.z':2}");
	assert_string_equal(run(&opt, "{'a':1,'foo':{'x':1},'b':2}"),
			    "{'a':1,'foo.x':1,'b':2}");
	assert_string_equal(run(&opt, "{'foo':{'l':[{'a':1}]}}"),
			    "{'foo.l':[{'a':1}]}");
	assert_string_equal(run(&opt, "{'foo':[{'a':1}]}"),
			    "{'foo':[{'a':1}]}");
	assert_string_equal(run(&opt, "{'foo':{}}"), "{'foo':{}}");
	assert_string_equal(run(&opt, "{'foo':{'bar':{},'z':1}}"),
			    "{'foo.bar':{},'foo.z':1}");
	assert_string_equal(run(&opt, "{'foo':5}"), "{'foo':5}");
	assert_string_equal(run(&opt, "{'foo':null}"), "{'foo':null}");
	assert_string_equal(run(&opt, "{'foo':{'a':1},'bar':{'b':2}}"),
			    "{'foo.a':1,'bar':{'b':2}}");
	assert_string_equal(run(&two, "{'foo':{'a':1},'bar':{'b':2}}"),
			    "{'foo.a':1,'bar.b':2}");
	assert_string_equal(run(&opt, "{'foo':{'a\\nb':1,'':2}}"),
			    "{'foo.a\\nb':1,'foo.':2}");
}

static void test_transform_flatten_collisions(void **state)
{
	struct transform_options opt = { .flatten = LIST("foo") };

	(void)state;
	/* A dotted key that exists already keeps its place. */
	assert_string_equal(run(&opt, "{'foo.a':0,'foo':{'a':1},'b':2}"),
			    "{'foo.a':1,'b':2}");
	assert_string_equal(run(&opt, "{'foo':{'a':1},'foo.a':0}"),
			    "{'foo.a':0}");
	assert_string_equal(run(&opt, "{'foo':{'a':{'b':1},'a.b':2}}"),
			    "{'foo.a.b':2}");
}

static void test_transform_unwind_then_flatten(void **state)
{
	struct transform_options opt = {
		.unwind = LIST("k"), .flatten = LIST("o"),
	};

	(void)state;
	assert_string_equal(run(&opt,
				"{'k':[{'o':{'p':1}},{'o':{'p':2,'q':3}}]}"),
			    "{'o.p':1} {'o.p':2,'o.q':3}");
	assert_string_equal(run(&opt, "{'o':{'p':0},'k':[1,2]}"),
			    "{'o.p':0,'k':1} {'o.p':0,'k':2}");
}

static void test_transform_skip_hidden(void **state)
{
	struct transform_options opt = { .skip_hidden = 1 };
	struct transform_options flat = {
		.skip_hidden = 1, .flatten = LIST("#h", "o"),
	};
	struct transform_options unwound = {
		.skip_hidden = 1, .unwind = LIST("k"),
	};

	(void)state;
	assert_string_equal(run(&opt, "{'#a':1,'b':2,'#c':3}"), "{'b':2}");
	assert_string_equal(run(&opt, "{'b':{'#c':1,'d':[{'#e':2}]}}"),
			    "{'b':{'#c':1,'d':[{'#e':2}]}}");
	assert_string_equal(run(&opt, "{'a#':1}"), "{'a#':1}");
	assert_string_equal(run(&opt, "{'#a':1}"), "{}");
	assert_string_equal(run(&flat, "{'#h':{'x':1},'o':{'#y':2}}"),
			    "{'o.#y':2}");
	assert_string_equal(run(&unwound, "{'a':1,'k':{'#x':1,'y':2}}"),
			    "{'a':1,'y':2}");
	assert_string_equal(run(&unwound, "{'#k':1,'k':[{'#x':1},{'z':2}]}"),
			    "{} {'z':2}");
}

static void test_transform_skip_empty(void **state)
{
	struct transform_options opt = { .skip_empty = 1 };
	struct transform_options omit = { .skip_empty = 1, .omit = LIST("a") };
	struct transform_options unwind = {
		.skip_empty = 1, .unwind = LIST("k"),
	};
	struct transform_options hidden = { .skip_empty = 1, .skip_hidden = 1 };

	(void)state;
	assert_string_equal(run(&opt, "{}"), "");
	assert_string_equal(run(&opt, "{'a':null}"), "{'a':null}");
	assert_string_equal(run(&omit, "{'a':1}"), "");
	assert_string_equal(run(&omit, "{'a':1,'b':{}}"), "{'b':{}}");
	assert_string_equal(run(&unwind, "{'k':[]}"), "");
	assert_string_equal(run(&unwind, "{'k':[{},{'a':1},{}]}"), "{'a':1}");
	assert_string_equal(run(&hidden, "{'#a':1}"), "");
}

/* Each stored item of a case in turn through one transform. */
static const char *run_items(const struct transform_options *opt,
			     const char *const *items, size_t count)
{
	struct transform *t = transform_new(opt);
	struct buf all = BUF_INIT;
	size_t i;

	buf_reset(&all);
	buf_putc(&all, '\0');
	all.len = 0;
	for (i = 0; i < count; i++) {
		run_with(t, items[i]);
		if (all.len && output.len)
			buf_putc(&all, ' ');
		buf_append(&all, output.data, output.len);
	}
	transform_free(t);

	/* The result lives in output, which release_buffers() frees. */
	buf_reset(&output);
	buf_append(&output, all.data, all.len);
	buf_release(&all);
	return output.data;
}

#define ITEMS(...) (const char *const[]){ __VA_ARGS__ },		\
	sizeof((const char *const[]){ __VA_ARGS__ }) / sizeof(char *)

/* Exports in json format as a client receives them, key order included. */
static void test_transform_export_cases(void **state)
{
	struct transform_options omit = { .omit = LIST("b") };
	struct transform_options empty = { .skip_empty = 1 };
	struct transform_options unwind = { .unwind = LIST("items") };
	struct transform_options rename = {
		.fields = LIST("b", "a"), .output_fields = LIST("B", "A"),
	};
	struct transform_options failed = { .skip_failed_pages = 1 };
	struct transform_options simplified = {
		.fields = LIST("url", "pageFunctionResult", "errorInfo"),
		.unwind = LIST("pageFunctionResult"),
	};

	(void)state;
	assert_string_equal(run_items(&omit, ITEMS("{'a':1,'b':2,'c':3}")),
			    "{'a':1,'c':3}");
	assert_string_equal(run_items(&empty,
				      ITEMS("{'a':1}", "{}", "{'b':2}")),
			    "{'a':1} {'b':2}");
	assert_string_equal(run_items(&unwind,
				      ITEMS("{'shop':'S','items':[{'sku':'a'},"
					    "{'sku':'b'}]}")),
			    "{'shop':'S','sku':'a'} {'shop':'S','sku':'b'}");
	assert_string_equal(run_items(&rename, ITEMS("{'a':1,'b':2}")),
			    "{'B':2,'A':1}");
	assert_string_equal(run_items(&failed,
				      ITEMS("{'url':'u1'}",
					    "{'url':'u2','errorInfo':'boom'}")),
			    "{'url':'u1'}");
	assert_string_equal(run_items(&simplified,
				      ITEMS("{'url':'u','pageFunctionResult':"
					    "[{'x':1},{'x':2}],'other':5}")),
			    "{'url':'u','x':1} {'url':'u','x':2}");
}

static void test_transform_not_an_object(void **state)
{
	struct transform_options opt = { .skip_empty = 1 };
	struct transform *t = transform_new(&opt);

	(void)state;
	assert_string_equal(run_with(t, "[{'a':1}]"), "error -1");
	assert_string_equal(run_with(t, "1"), "error -1");
	assert_string_equal(run_with(t, "'s'"), "error -1");
	assert_string_equal(run_with(t, "null"), "error -1");
	assert_string_equal(run_with(t, ""), "error -1");
	assert_string_equal(run_with(t, "{'a':"), "error -1");
	assert_string_equal(run_with(t, "{'a':1}x"), "error -1");
	/* The transform still works after a failure. */
	assert_string_equal(run_with(t, "{'a':1}"), "{'a':1}");
	transform_free(t);
}

struct stop_after {
	int calls;
	int stop_at;
};

static int stop_emit(void *ctx, const struct record *rec)
{
	struct stop_after *s = ctx;

	(void)rec;
	return ++s->calls == s->stop_at ? 7 : 0;
}

static void test_transform_emit_stops(void **state)
{
	static const char item[] = "{\"k\":[1,2,3]}";
	struct transform_options opt = { .unwind = LIST("k") };
	struct transform *t = transform_new(&opt);
	struct stop_after first = { 0, 1 }, second = { 0, 2 }, never = { 0, 9 };

	(void)state;
	assert_int_equal(transform_item(t, item, strlen(item), stop_emit,
					&first), 7);
	assert_int_equal(first.calls, 1);
	assert_int_equal(transform_item(t, item, strlen(item), stop_emit,
					&second), 7);
	assert_int_equal(second.calls, 2);
	assert_int_equal(transform_item(t, item, strlen(item), stop_emit,
					&never), 0);
	assert_int_equal(never.calls, 3);
	transform_free(t);
}

/* The options may be freed once the transform exists. */
static void test_transform_copies_options(void **state)
{
	char name[] = "b", out[] = "B", omitted[] = "c";
	char *fields[] = { name }, *outputs[] = { out }, *omit[] = { omitted };
	struct transform_options opt = {
		.fields = { fields, 1 }, .output_fields = { outputs, 1 },
		.omit = { omit, 1 },
	};
	struct transform *t = transform_new(&opt);

	(void)state;
	name[0] = 'x';
	out[0] = 'X';
	omitted[0] = 'b';
	assert_string_equal(run_with(t, "{'a':1,'b':2,'c':3}"), "{'B':2}");
	transform_free(t);
}

/* One transform over items that grow and shrink, so memory is reused. */
static void test_transform_reused(void **state)
{
	struct transform_options opt = {
		.unwind = LIST("k"), .flatten = LIST("o"), .skip_hidden = 1,
	};
	struct transform *t = transform_new(&opt);
	struct buf item = BUF_INIT, expected = BUF_INIT;
	int round, i;

	(void)state;
	for (round = 0; round < 6; round++) {
		int n = round % 2 ? 2 : 300;

		buf_reset(&item);
		buf_reset(&expected);
		buf_puts(&item, "{'#h':0,'o':{");
		for (i = 0; i < n; i++)
			buf_printf(&item, "%s'f%d':{'g':%d}", i ? "," : "",
				   i, i);
		buf_puts(&item, "},'k':[1,2]}");
		for (i = 0; i < 2; i++) {
			int j;

			buf_puts(&expected, i ? " {" : "{");
			for (j = 0; j < n; j++)
				buf_printf(&expected, "'o.f%d.g':%d,", j, j);
			buf_printf(&expected, "'k':%d}", i + 1);
		}
		assert_string_equal(run_with(t, item.data), expected.data);
	}
	transform_free(t);
	buf_release(&item);
	buf_release(&expected);
}

/*
 * 10,000 keys with 1,000 field and 1,000 omit names: the lists are hashed,
 * so this is linear work. The check is the output, not the time.
 */
static void test_transform_large_fields(void **state)
{
	char *fields[1000], *outputs[1000], *omit[1000];
	struct transform_options opt = {
		.fields = { fields, 1000 }, .output_fields = { outputs, 1000 },
		.omit = { omit, 1000 },
	};
	struct buf item = BUF_INIT, expected = BUF_INIT;
	char names[3000][16];
	int i, expected_fields = 0;

	(void)state;
	for (i = 0; i < 1000; i++) {
		/* Every 10th key, backwards; every other one is omitted. */
		snprintf(names[i], sizeof(names[i]), "k%d", 9999 - 10 * i);
		snprintf(names[1000 + i], sizeof(names[i]), "out%d", i);
		if (i % 2)
			snprintf(names[2000 + i], sizeof(names[i]), "k%d",
				 9999 - 10 * i);
		else
			snprintf(names[2000 + i], sizeof(names[i]),
				 "absent%d", i);
		fields[i] = names[i];
		outputs[i] = names[1000 + i];
		omit[i] = names[2000 + i];
	}
	buf_putc(&item, '{');
	for (i = 0; i < 10000; i++)
		buf_printf(&item, "%s'k%d':%d", i ? "," : "", i, i);
	buf_puts(&item, ",'k9999':'last'}");

	buf_putc(&expected, '{');
	for (i = 0; i < 1000; i += 2) {
		if (i == 0)
			buf_printf(&expected, "'out0':'last'");
		else
			buf_printf(&expected, ",'out%d':%d", i, 9999 - 10 * i);
		expected_fields++;
	}
	buf_putc(&expected, '}');

	assert_int_equal(expected_fields, 500);
	assert_string_equal(run(&opt, item.data), expected.data);
	buf_release(&item);
	buf_release(&expected);
}

/* 10,000 keys, 1,000 omitted, and duplicates across the whole item. */
static void test_transform_large_omit(void **state)
{
	char *omit[1000];
	struct transform_options opt = { .omit = { omit, 1000 } };
	struct buf item = BUF_INIT, expected = BUF_INIT;
	char names[1000][16];
	int i;

	(void)state;
	for (i = 0; i < 1000; i++) {
		snprintf(names[i], sizeof(names[i]), "k%d", 10 * i);
		omit[i] = names[i];
	}
	buf_putc(&item, '{');
	for (i = 0; i < 10000; i++)
		buf_printf(&item, "%s'k%d':%d", i ? "," : "", i, i);
	for (i = 0; i < 10000; i += 3)
		buf_printf(&item, ",'k%d':'again'", i);
	buf_putc(&item, '}');

	buf_putc(&expected, '{');
	for (i = 0; i < 10000; i++) {
		if (i % 10 == 0)
			continue;
		if (expected.len > 1)
			buf_putc(&expected, ',');
		if (i % 3 == 0)
			buf_printf(&expected, "'k%d':'again'", i);
		else
			buf_printf(&expected, "'k%d':%d", i, i);
	}
	buf_putc(&expected, '}');

	assert_string_equal(run(&opt, item.data), expected.data);
	buf_release(&item);
	buf_release(&expected);
}

/*
 * A wide record read by many unwind names, most of them absent, and a
 * flattened object with 5,000 leaves, whose dotted keys must all stay
 * valid while the record is emitted.
 */
static void test_transform_large_unwind_flatten(void **state)
{
	char *unwind[200];
	struct transform_options opt = {
		.unwind = { unwind, 200 }, .flatten = LIST("o"),
	};
	struct buf item = BUF_INIT, expected = BUF_INIT;
	char names[200][16];
	int i, r;

	(void)state;
	for (i = 0; i < 200; i++) {
		snprintf(names[i], sizeof(names[i]), "u%d", i);
		unwind[i] = names[i];
	}
	buf_putc(&item, '{');
	for (i = 0; i < 100; i++)
		buf_printf(&item, "'a%d':%d,", i, i);
	buf_puts(&item, "'u150':[1,2],'u7':{'b':0,'a5':'x'},'o':{");
	for (i = 0; i < 5000; i++)
		buf_printf(&item, "%s'p%d':{'q':%d}", i ? "," : "", i, i);
	buf_puts(&item, "}}");

	for (r = 1; r <= 2; r++) {
		buf_puts(&expected, r == 1 ? "{" : " {");
		for (i = 0; i < 100; i++)
			if (i == 5)
				buf_puts(&expected, "'a5':'x',");
			else
				buf_printf(&expected, "'a%d':%d,", i, i);
		buf_printf(&expected, "'u150':%d", r);
		for (i = 0; i < 5000; i++)
			buf_printf(&expected, ",'o.p%d.q':%d", i, i);
		buf_puts(&expected, ",'b':0}");
	}

	assert_string_equal(run(&opt, item.data), expected.data);
	buf_release(&item);
	buf_release(&expected);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_transform_identity),
		cmocka_unit_test(test_transform_no_options),
		cmocka_unit_test(test_transform_skip_failed_pages),
		cmocka_unit_test(test_transform_fields),
		cmocka_unit_test(test_transform_output_fields),
		cmocka_unit_test(test_transform_omit),
		cmocka_unit_test(test_transform_unwind_object),
		cmocka_unit_test(test_transform_unwind_array),
		cmocka_unit_test(test_transform_unwind_unchanged),
		cmocka_unit_test(test_transform_unwind_several),
		cmocka_unit_test(test_transform_flatten),
		cmocka_unit_test(test_transform_flatten_collisions),
		cmocka_unit_test(test_transform_unwind_then_flatten),
		cmocka_unit_test(test_transform_skip_hidden),
		cmocka_unit_test(test_transform_skip_empty),
		cmocka_unit_test(test_transform_export_cases),
		cmocka_unit_test(test_transform_not_an_object),
		cmocka_unit_test(test_transform_emit_stops),
		cmocka_unit_test(test_transform_copies_options),
		cmocka_unit_test(test_transform_reused),
		cmocka_unit_test(test_transform_large_fields),
		cmocka_unit_test(test_transform_large_omit),
		cmocka_unit_test(test_transform_large_unwind_flatten),
	};

	return cmocka_run_group_tests(tests, NULL, release_buffers);
}
