/*
 * Unit tests for the xml and rss writers (src/export/write_xml.c): exact
 * output for each rule, the name rule and xml_name_valid(), and xmllint
 * accepting the output of keys and values chosen to break it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "export/writer.h"
#include "export/xml_text.h"

#define PROLOG "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"

static const struct writer_options xml_defaults = {
	',', 0, "items", "item", "", "", "",
};

/* A record made from the members of a parsed JSON object. */
struct fixture {
	struct json_doc *doc;
	struct record_field *fields;
	struct record rec;
};

static void fixture_parse(struct fixture *f, const char *json)
{
	struct json_error err;
	const struct json *root, *m;
	size_t i = 0;

	f->doc = json_parse(json, strlen(json), &err);
	if (!f->doc)
		fail_msg("fixture is not valid JSON: %s at offset %zu: %s",
			 err.message, err.offset, json);
	root = json_root(f->doc);
	assert_int_equal(root->type, JSON_OBJECT);

	f->fields = calloc(root->count ? root->count : 1, sizeof(*f->fields));
	assert_non_null(f->fields);
	for (m = root->child; m; m = m->next, i++) {
		f->fields[i].key = m->key;
		f->fields[i].key_len = m->key_len;
		f->fields[i].value = m;
	}
	f->rec.fields = f->fields;
	f->rec.count = i;
}

static void fixture_release(struct fixture *f)
{
	json_doc_free(f->doc);
	free(f->fields);
}

/*
 * Run a whole export of the JSON objects in items. Returns everything the
 * writer appended, NUL-terminated, in a string the caller frees.
 */
static char *export_all(const struct writer *w,
			const struct writer_options *opt,
			const char *const *items, size_t count, size_t *len)
{
	struct buf out = BUF_INIT;
	struct fixture f;
	void *state;
	size_t i;

	state = w->begin(opt, NULL, &out);
	assert_non_null(state);
	for (i = 0; i < count; i++) {
		fixture_parse(&f, items[i]);
		assert_int_equal(w->record(state, &f.rec, &out), 0);
		fixture_release(&f);
	}
	assert_int_equal(w->end(state, &out), 0);
	return buf_detach(&out, len);
}

/* Return only what record() appends for the JSON object item. */
static char *export_record(const struct writer *w, const char *item)
{
	struct buf head = BUF_INIT, out = BUF_INIT, tail = BUF_INIT;
	struct fixture f;
	void *state;

	state = w->begin(&xml_defaults, NULL, &head);
	assert_non_null(state);
	fixture_parse(&f, item);
	assert_int_equal(w->record(state, &f.rec, &out), 0);
	fixture_release(&f);
	assert_int_equal(w->end(state, &tail), 0);
	buf_release(&head);
	buf_release(&tail);
	return buf_detach(&out, NULL);
}

/* A macro, so that a failure reports the line of the case. */
#define ASSERT_RECORD(w, item, expected)				\
	do {								\
		char *got_ = export_record((w), (item));		\
		assert_string_equal(got_, (expected));			\
		free(got_);						\
	} while (0)

#define ASSERT_XML(item, expected) ASSERT_RECORD(&writer_xml, item, expected)

static void test_write_xml_metadata(void **state)
{
	(void)state;
	assert_string_equal(writer_xml.format, "xml");
	assert_string_equal(writer_xml.content_type,
			    "application/xml; charset=utf-8");
	assert_string_equal(writer_xml.extension, "xml");
	assert_int_equal(writer_xml.tabular, 0);
	assert_int_equal(writer_xml.bom_by_default, 0);

	assert_string_equal(writer_rss.format, "rss");
	assert_string_equal(writer_rss.content_type,
			    "application/rss+xml; charset=utf-8");
	assert_string_equal(writer_rss.extension, "rss");
	assert_int_equal(writer_rss.tabular, 0);
	assert_int_equal(writer_rss.bom_by_default, 0);
}

static void test_write_xml_empty_export(void **state)
{
	struct writer_options unset = xml_defaults;
	char *got;

	(void)state;
	got = export_all(&writer_xml, &xml_defaults, NULL, 0, NULL);
	assert_string_equal(got, PROLOG "<items>\n</items>\n");
	free(got);

	/* NULL names fall back to the defaults. */
	unset.xml_root = NULL;
	unset.xml_row = NULL;
	got = export_all(&writer_xml, &unset, NULL, 0, NULL);
	assert_string_equal(got, PROLOG "<items>\n</items>\n");
	free(got);
}

static void test_write_xml_document(void **state)
{
	static const char *const items[] = {
		"{\"name\":\"A\",\"tags\":[\"x\",\"y\"]}",
		"{}",
		"{\"name\":\"B\"}",
	};
	struct writer_options opt = xml_defaults;
	char *got;

	(void)state;
	got = export_all(&writer_xml, &opt, items, 3, NULL);
	assert_string_equal(got, PROLOG "<items>\n"
			    "<item><name>A</name><tags>x</tags><tags>y</tags></item>\n"
			    "<item></item>\n"
			    "<item><name>B</name></item>\n"
			    "</items>\n");
	free(got);

	opt.xml_root = "r\xc3\xa9sultats";
	opt.xml_row = "row";
	got = export_all(&writer_xml, &opt, items + 2, 1, NULL);
	assert_string_equal(got, PROLOG "<r\xc3\xa9sultats>\n"
			    "<row><name>B</name></row>\n"
			    "</r\xc3\xa9sultats>\n");
	free(got);
}

/* Names that bypassed xml_name_valid() still give well-formed output. */
static void test_write_xml_invalid_option_names(void **state)
{
	struct writer_options opt = xml_defaults;
	char *got;

	(void)state;
	opt.xml_root = "1 root";
	opt.xml_row = "a:b";
	got = export_all(&writer_xml, &opt, (const char *const[]){ "{}" }, 1,
			 NULL);
	assert_string_equal(got, PROLOG "<_1_root>\n<a_b></a_b>\n</_1_root>\n");
	free(got);
}

static void test_write_xml_scalars(void **state)
{
	(void)state;
	ASSERT_XML("{\"s\":\"x\",\"t\":true,\"f\":false,\"street\":null,"
		   "\"empty\":\"\"}",
		   "<item><s>x</s><t>true</t><f>false</f><street/>"
		   "<empty></empty></item>\n");

	/* Numbers keep their source text, whatever a double would print. */
	ASSERT_XML("{\"a\":1.50,\"b\":-2E+3,\"c\":12345678901234567890123,"
		   "\"d\":-0,\"e\":0.1e-7}",
		   "<item><a>1.50</a><b>-2E+3</b>"
		   "<c>12345678901234567890123</c><d>-0</d><e>0.1e-7</e>"
		   "</item>\n");
}

static void test_write_xml_escapes_text(void **state)
{
	(void)state;
	ASSERT_XML("{\"t\":\"a<b & c\"}", "<item><t>a&lt;b &amp; c</t></item>\n");
	ASSERT_XML("{\"t\":\"x>y ]]> \\\"q\\\" 'a'\"}",
		   "<item><t>x&gt;y ]]&gt; \"q\" 'a'</t></item>\n");
	ASSERT_XML("{\"t\":\"&amp; &#1;\"}",
		   "<item><t>&amp;amp; &amp;#1;</t></item>\n");

	/* Tab and LF stay literal in text, and CR would become LF. */
	ASSERT_XML("{\"t\":\"a\\tb\\nc\\r\\nd\"}",
		   "<item><t>a\tb\nc&#13;\nd</t></item>\n");

	/* UTF-8 passes through. */
	ASSERT_XML("{\"t\":\"caf\\u00e9 \\ud83d\\ude00 \xe2\x82\xac\"}",
		   "<item><t>caf\xc3\xa9 \xf0\x9f\x98\x80 \xe2\x82\xac</t></item>\n");
}

static void test_write_xml_drops_invalid_chars(void **state)
{
	(void)state;
	/* C0 controls other than tab, LF and CR, U+FFFE and U+FFFF. */
	ASSERT_XML("{\"t\":\"a\\u0000b\\u0001c\\u0008d\\u000be\\u000cf"
		   "\\u001fg\\ufffeh\\uffffi\"}",
		   "<item><t>abcdefghi</t></item>\n");
	ASSERT_XML("{\"t\":\"\\u0001\\u0002\"}", "<item><t></t></item>\n");

	/* DEL, the C1 controls and U+FFFD are XML 1.0 characters. */
	ASSERT_XML("{\"t\":\"a\\u007fb\\u0085c\\ufffdd\"}",
		   "<item><t>a\x7f" "b\xc2\x85" "c\xef\xbf\xbd" "d</t></item>\n");

	/* The same in an attribute value. */
	ASSERT_XML("{\"@\":{\"v\":\"a\\u0000b\\u001fc\\uffffd\"}}",
		   "<item v=\"abcd\"></item>\n");
}

/* Bytes that are not UTF-8 never come from the parser, but become U+FFFD. */
/*
 * Text from outside JSON, such as a feed title, may be any bytes: each one
 * that starts no UTF-8 character becomes U+FFFD.
 */
static void test_write_xml_replaces_bad_utf8(void **state)
{
	const char *text = "a\xff" "b\xc3(\xed\xa0\x80" "c\xe2\x82";
	struct buf out = BUF_INIT;

	(void)state;
	xml_text_put(&out, text, strlen(text), 0);
	assert_string_equal(out.data, "a\xef\xbf\xbd" "b\xef\xbf\xbd("
			    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
			    "c\xef\xbf\xbd\xef\xbf\xbd");
	buf_release(&out);
}

/*
 * Valid text takes the table-driven path: the same escapes and drops,
 * in text and in attribute values.
 */
static void test_write_xml_valid_text(void **state)
{
	static const char text[] = "x<y>&\"\t\n\r\x01\x1f"
				   "\xef\xbf\xbe\xef\xbf\xbf\xef\xbf\xbd\xef\xbc\x81"
				   "\xf0\x9f\x98\x80\xef\xbf";
	struct buf checked = BUF_INIT, valid = BUF_INIT;
	int attribute;

	(void)state;
	for (attribute = 0; attribute < 2; attribute++) {
		buf_reset(&checked);
		buf_reset(&valid);
		xml_text_put(&checked, text, sizeof(text) - 1, attribute);
		xml_valid_text_put(&valid, text, sizeof(text) - 3, attribute);
		buf_append(&valid, "\xef\xbf\xbd\xef\xbf\xbd", 6);
		assert_string_equal(valid.data, checked.data);
	}
	assert_string_equal(checked.data,
			    "x&lt;y&gt;&amp;&quot;&#9;&#10;&#13;"
			    "\xef\xbf\xbd\xef\xbc\x81\xf0\x9f\x98\x80"
			    "\xef\xbf\xbd\xef\xbf\xbd");
	buf_release(&checked);
	buf_release(&valid);
}

static void test_write_xml_arrays(void **state)
{
	(void)state;
	ASSERT_XML("{\"tags\":[\"a\",\"b\"]}",
		   "<item><tags>a</tags><tags>b</tags></item>\n");
	ASSERT_XML("{\"tags\":[]}", "<item></item>\n");
	ASSERT_XML("{\"v\":[1,null,true,\"\"]}",
		   "<item><v>1</v><v/><v>true</v><v></v></item>\n");
	ASSERT_XML("{\"people\":[{\"name\":\"a\"},{\"name\":\"b\",\"age\":3}]}",
		   "<item><people><name>a</name></people>"
		   "<people><name>b</name><age>3</age></people></item>\n");

	/* A nested array is one element holding its values. */
	ASSERT_XML("{\"a\":[[1,2],3]}",
		   "<item><a><a>1</a><a>2</a></a><a>3</a></item>\n");
	ASSERT_XML("{\"a\":[[]]}", "<item><a></a></item>\n");
	ASSERT_XML("{\"a\":[[[\"x\"]],[{\"b\":1}]]}",
		   "<item><a><a><a>x</a></a></a><a><a><b>1</b></a></a></item>\n");
}

static void test_write_xml_objects(void **state)
{
	(void)state;
	ASSERT_XML("{\"address\":{\"street\":null,\"city\":\"X\","
		   "\"geo\":{\"lat\":1.5}}}",
		   "<item><address><street/><city>X</city>"
		   "<geo><lat>1.5</lat></geo></address></item>\n");
	ASSERT_XML("{\"o\":{}}", "<item><o></o></item>\n");

	/* Repeated keys are kept, in order. */
	ASSERT_XML("{\"a\":1,\"b\":2,\"a\":3}",
		   "<item><a>1</a><b>2</b><a>3</a></item>\n");
}

static void test_write_xml_attributes(void **state)
{
	(void)state;
	ASSERT_XML("{\"@\":{\"id\":\"1\"},\"name\":\"x\"}",
		   "<item id=\"1\"><name>x</name></item>\n");

	/* On a nested object, the attributes belong to its element. */
	ASSERT_XML("{\"link\":{\"@\":{\"href\":\"/a\",\"rel\":\"next\"},"
		   "\"title\":\"A\"}}",
		   "<item><link href=\"/a\" rel=\"next\"><title>A</title></link>"
		   "</item>\n");
	ASSERT_XML("{\"p\":[{\"@\":{\"n\":1}},{\"@\":{\"n\":2},\"x\":0}]}",
		   "<item><p n=\"1\"></p><p n=\"2\"><x>0</x></p></item>\n");

	/* The "@" property may come anywhere among the others. */
	ASSERT_XML("{\"a\":1,\"@\":{\"id\":2}}",
		   "<item id=\"2\"><a>1</a></item>\n");

	/* Every value type. An object or array is written as compact JSON. */
	ASSERT_XML("{\"@\":{\"n\":-1.0e2,\"t\":true,\"f\":false,\"z\":null,"
		   "\"o\":{\"k\": [1, \"v\"]}}}",
		   "<item n=\"-1.0e2\" t=\"true\" f=\"false\" z=\"\" "
		   "o=\"{&quot;k&quot;:[1,&quot;v&quot;]}\"></item>\n");

	/* Escapes: quotes, markup, and the whitespace that would be normalized. */
	ASSERT_XML("{\"@\":{\"q\":\"<a href=\\\"x\\\">'&'</a>\","
		   "\"w\":\"a\\tb\\nc\\rd\"}}",
		   "<item q=\"&lt;a href=&quot;x&quot;&gt;'&amp;'&lt;/a&gt;\" "
		   "w=\"a&#9;b&#10;c&#13;d\"></item>\n");

	/* An empty "@" object gives no attributes. */
	ASSERT_XML("{\"@\":{},\"a\":1}", "<item><a>1</a></item>\n");
}

static void test_write_xml_attribute_names(void **state)
{
	(void)state;
	ASSERT_XML("{\"@\":{\"1a\":1,\"a b\":2,\"\":3,\"@\":4,\"#\":5,"
		   "\"d\\u00e9j\\u00e0\":6}}",
		   "<item _1a=\"1\" a_b=\"2\" _=\"5\" "
		   "d\xc3\xa9j\xc3\xa0=\"6\"></item>\n");

	/* "xmlns" would declare a namespace, and "xmlns:p" loses its colon. */
	ASSERT_XML("{\"@\":{\"xmlns\":\"http://x\",\"xmlns:p\":\"y\","
		   "\"xml:lang\":\"en\"}}",
		   "<item _xmlns=\"http://x\" xmlns_p=\"y\" xml_lang=\"en\">"
		   "</item>\n");
}

static void test_write_xml_attribute_duplicates(void **state)
{
	(void)state;
	/* The last attribute of a name wins and keeps its position. */
	ASSERT_XML("{\"@\":{\"a\":\"1\",\"a\":\"2\"}}",
		   "<item a=\"2\"></item>\n");
	ASSERT_XML("{\"@\":{\"a b\":\"1\",\"c\":\"3\",\"a:b\":\"2\"}}",
		   "<item c=\"3\" a_b=\"2\"></item>\n");
	ASSERT_XML("{\"@\":{\"_xmlns\":\"1\",\"xmlns\":\"2\"}}",
		   "<item _xmlns=\"2\"></item>\n");

	/* Two "@" properties are merged. */
	ASSERT_XML("{\"@\":{\"a\":\"1\",\"b\":\"2\"},\"x\":1,\"@\":{\"a\":\"3\"}}",
		   "<item b=\"2\" a=\"3\"><x>1</x></item>\n");
}

static void test_write_xml_at_not_object(void **state)
{
	(void)state;
	ASSERT_XML("{\"@\":\"x\",\"@\":[1,2],\"@\":null,\"@\":7}",
		   "<item><_>x</_><_>1</_><_>2</_><_/><_>7</_></item>\n");
	ASSERT_XML("{\"o\":{\"@\":true}}",
		   "<item><o><_>true</_></o></item>\n");
}

static void test_write_xml_text_property(void **state)
{
	(void)state;
	ASSERT_XML("{\"title\":{\"@\":{\"lang\":\"en\"},\"#\":\"Hi & bye\"}}",
		   "<item><title lang=\"en\">Hi &amp; bye</title></item>\n");
	ASSERT_XML("{\"#\":\"text\"}", "<item>text</item>\n");
	ASSERT_XML("{\"n\":{\"#\":1.0},\"b\":{\"#\":false},\"z\":{\"#\":null}}",
		   "<item><n>1.0</n><b>false</b><z></z></item>\n");

	/* Text goes where the "#" property is among the children. */
	ASSERT_XML("{\"p\":{\"#\":\"a\",\"b\":\"c\",\"#\":\"d\"}}",
		   "<item><p>a<b>c</b>d</p></item>\n");

	/* A "#" holding structure is an ordinary property. */
	ASSERT_XML("{\"#\":{\"x\":1},\"y\":{\"#\":[\"a\"]}}",
		   "<item><_><x>1</x></_><y><_>a</_></y></item>\n");

	/* Keys that only start with '#' are ordinary properties too. */
	ASSERT_XML("{\"o\":{\"#x\":{\"#\":\"t\"},\"##\":1}}",
		   "<item><o><_x>t</_x><__>1</__></o></item>\n");
}

static void test_write_xml_key_names(void **state)
{
	(void)state;
	ASSERT_XML("{\"1abc\":1,\"a b\":2,\"a:b\":3,\"\":4,\"-x\":5,\".y\":6}",
		   "<item><_1abc>1</_1abc><a_b>2</a_b><a_b>3</a_b><_>4</_>"
		   "<_-x>5</_-x><_.y>6</_.y></item>\n");
	ASSERT_XML("{\"ok_name-1.2\":1,\"caf\\u00e9\":2,\"\\ud83d\\ude00\":3}",
		   "<item><ok_name-1.2>1</ok_name-1.2><caf\xc3\xa9>2</caf\xc3\xa9>"
		   "<_>3</_></item>\n");
	ASSERT_XML("{\"a\\u0000b\":1,\"\\u0001\":2,\"a\\u2014b\":3,"
		   "\"\\u00a0\":4,\"\\u00b7\":5}",
		   "<item><a_b>1</a_b><_>2</_><a_b>3</a_b><_>4</_>"
		   "<_\xc2\xb7>5</_\xc2\xb7></item>\n");
}

static void name_put(const char *key, size_t len, const char *expected)
{
	struct buf out = BUF_INIT;

	xml_name_put(&out, key, len);
	assert_string_equal(out.data, expected);
	assert_true(xml_name_valid(out.data));
	buf_release(&out);
}

static void test_write_xml_name_put(void **state)
{
	(void)state;
	name_put("item", 4, "item");
	name_put("", 0, "_");
	name_put("9", 1, "_9");
	name_put("a b c", 5, "a_b_c");
	name_put("a::b", 4, "a__b");
	name_put("@", 1, "_");
	name_put("#x", 2, "_x");
	name_put("x#", 2, "x_");
	name_put("a\0b", 3, "a_b");
	name_put("\xcc\x81x", 3, "_\xcc\x81x");	/* combining acute */
	/* Names only the fifth edition allows: expat rejects them. */
	name_put("\xe2\x80\xbf", 3, "_");		/* undertie */
	name_put("\xf0\x9f\x98\x80", 4, "_");		/* emoji */
	name_put("x\xe2\x81\xb0", 4, "x_");		/* superscript 0 */
	name_put("\xc7\x85", 2, "_");			/* U+01C5 */
	name_put("\xc2\xb7", 2, "_\xc2\xb7");		/* middle dot */
	name_put("\xe5\x90\x8d\xe5\x89\x8d", 6,
		 "\xe5\x90\x8d\xe5\x89\x8d");		/* CJK */
	name_put("a\xc3\x97" "b", 4, "a_b");		/* multiplication sign */
	name_put("\xef\xbf\xbe", 3, "_");		/* U+FFFE */
	name_put("\xff\xfe" "a", 3, "__a");		/* not UTF-8 */
	name_put("\xe2\x82", 2, "__");			/* cut short */
	name_put("\xc0\xaf", 2, "__");			/* overlong '/' */
}

static void test_write_xml_name_valid(void **state)
{
	static const char *const valid[] = {
		"items", "item", "_", "_x", "a-b.c1", "A", "r\xc3\xa9sum\xc3\xa9",
		"x\xc2\xb7y", "xml", "xmlns", "\xe5\x90\x8d",
	};
	static const char *const invalid[] = {
		"", "1a", "-a", ".a", "a b", "a:b", ":a", "a@", "a\x01",
		"\xc2\xb7x", "a\xe2\x80\x94" "b", "\xff", "a\xc3", "\xed\xa0\x80",
		"a>", "a\"", "\xf0\x9f\x98\x80", "x\xe2\x81\xb0", "\xc7\x85",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(valid) / sizeof(valid[0]); i++)
		if (!xml_name_valid(valid[i]))
			fail_msg("'%s' should be valid", valid[i]);
	for (i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++)
		if (xml_name_valid(invalid[i]))
			fail_msg("'%s' should be invalid", invalid[i]);
	assert_int_equal(xml_name_valid(NULL), 0);
}

static char *repeat(const char *s, size_t n)
{
	struct buf out = BUF_INIT;

	while (n--)
		buf_puts(&out, s);
	buf_putc(&out, '\0');
	return buf_detach(&out, NULL);
}

/*
 * Assert that w writes item as levels nested key elements inside the
 * record element, with inner as the text of the deepest one.
 */
static void assert_nested(const struct writer *w, const char *item,
			  const char *key, size_t levels, const char *inner)
{
	struct buf expected = BUF_INIT;
	char *got;
	size_t i;

	buf_puts(&expected, "<item>");
	for (i = 0; i < levels; i++)
		buf_printf(&expected, "<%s>", key);
	buf_puts(&expected, inner);
	for (i = 0; i < levels; i++)
		buf_printf(&expected, "</%s>", key);
	buf_puts(&expected, "</item>\n");

	got = export_record(w, item);
	assert_string_equal(got, expected.data);
	free(got);
	buf_release(&expected);
}

/*
 * Elements nest at most 256 deep, the root being 1, so an xml record
 * element (depth 2) contains at most 254 levels and an rss one (depth 3)
 * 253.
 */
static void test_write_xml_depth_limit(void **state)
{
	struct buf item = BUF_INIT;
	char *open, *close;

	(void)state;
	open = repeat("{\"k\":", 255);
	close = repeat("}", 255);

	/* 254 objects inside the record: all elements. */
	buf_printf(&item, "%s\"x\"%s", open + 5, close + 1);
	assert_nested(&writer_xml, item.data, "k", 254, "x");

	/* One more, and the deepest object becomes JSON text. */
	buf_reset(&item);
	buf_printf(&item, "%s\"x\"%s", open, close);
	assert_nested(&writer_xml, item.data, "k", 254, "{\"k\":\"x\"}");
	assert_nested(&writer_rss, item.data, "k", 253,
		      "{\"k\":{\"k\":\"x\"}}");
	free(open);
	free(close);

	/* Nested arrays count one level each. */
	open = repeat("[", 255);
	close = repeat("]", 255);
	buf_reset(&item);
	buf_printf(&item, "{\"a\":%s\"x\"%s}", open + 1, close + 1);
	assert_nested(&writer_xml, item.data, "a", 254, "x");
	buf_reset(&item);
	buf_printf(&item, "{\"a\":%s\"x\"%s}", open, close);
	assert_nested(&writer_xml, item.data, "a", 254, "[\"x\"]");
	free(open);
	free(close);

	buf_release(&item);
}

static void test_write_xml_rss_document(void **state)
{
	static const char *const items[] = {
		"{\"title\":\"first\",\"link\":\"http://127.0.0.1/1?a=1&b=2\"}",
		"{\"@\":{\"id\":\"2\"},\"category\":[\"a\",\"b\"],\"n\":null}",
	};
	struct writer_options opt = xml_defaults;
	char *got;

	(void)state;
	opt.feed_title = "News";
	opt.feed_link = "http://127.0.0.1:8080/v2/datasets/abc/items";
	opt.feed_description = "Items of dataset abc";
	/* The xml names do not apply to rss. */
	opt.xml_root = "other";
	opt.xml_row = "row";
	got = export_all(&writer_rss, &opt, items, 2, NULL);
	assert_string_equal(got, PROLOG
			    "<rss version=\"2.0\">\n<channel>\n"
			    "<title>News</title>\n"
			    "<link>http://127.0.0.1:8080/v2/datasets/abc/items</link>\n"
			    "<description>Items of dataset abc</description>\n"
			    "<item><title>first</title>"
			    "<link>http://127.0.0.1/1?a=1&amp;b=2</link></item>\n"
			    "<item id=\"2\"><category>a</category>"
			    "<category>b</category><n/></item>\n"
			    "</channel>\n</rss>\n");
	free(got);
}

static void test_write_xml_rss_channel_escapes(void **state)
{
	struct writer_options opt = xml_defaults;
	char *got;

	(void)state;
	opt.feed_title = "<b>A & B</b>\x01";
	opt.feed_link = "http://127.0.0.1/?a=1&b=\"2\"";
	opt.feed_description = "bad \xff byte";
	got = export_all(&writer_rss, &opt, NULL, 0, NULL);
	assert_string_equal(got, PROLOG
			    "<rss version=\"2.0\">\n<channel>\n"
			    "<title>&lt;b&gt;A &amp; B&lt;/b&gt;</title>\n"
			    "<link>http://127.0.0.1/?a=1&amp;b=\"2\"</link>\n"
			    "<description>bad \xef\xbf\xbd byte</description>\n"
			    "</channel>\n</rss>\n");
	free(got);

	/* An empty channel still has its three elements. */
	opt.feed_title = "";
	opt.feed_link = "";
	opt.feed_description = "";
	got = export_all(&writer_rss, &opt, NULL, 0, NULL);
	assert_string_equal(got, PROLOG
			    "<rss version=\"2.0\">\n<channel>\n"
			    "<title></title>\n<link></link>\n"
			    "<description></description>\n"
			    "</channel>\n</rss>\n");
	free(got);
}

/* Each call appends only its own part, as the pipeline empties out between. */
static void test_write_xml_streams_records(void **state)
{
	struct buf out = BUF_INIT;
	struct fixture a, b;
	void *s;

	(void)state;
	fixture_parse(&a, "{\"n\":1}");
	fixture_parse(&b, "{\"n\":2}");

	s = writer_xml.begin(&xml_defaults, NULL, &out);
	assert_string_equal(out.data, PROLOG "<items>\n");
	buf_reset(&out);
	assert_int_equal(writer_xml.record(s, &a.rec, &out), 0);
	assert_string_equal(out.data, "<item><n>1</n></item>\n");
	buf_reset(&out);
	assert_int_equal(writer_xml.record(s, &b.rec, &out), 0);
	assert_string_equal(out.data, "<item><n>2</n></item>\n");
	buf_reset(&out);
	assert_int_equal(writer_xml.end(s, &out), 0);
	assert_string_equal(out.data, "</items>\n");

	buf_reset(&out);
	s = writer_rss.begin(&xml_defaults, NULL, &out);
	buf_reset(&out);
	assert_int_equal(writer_rss.record(s, &a.rec, &out), 0);
	assert_string_equal(out.data, "<item><n>1</n></item>\n");
	buf_reset(&out);
	assert_int_equal(writer_rss.end(s, &out), 0);
	assert_string_equal(out.data, "</channel>\n</rss>\n");

	fixture_release(&a);
	fixture_release(&b);
	buf_release(&out);
}

/* The sanitizer build reports a leak if abort() misses something. */
static void test_write_xml_abort(void **state)
{
	struct buf out = BUF_INIT;
	struct fixture f;
	void *s;

	(void)state;
	fixture_parse(&f, "{\"@\":{\"a\":1,\"a\":2},\"x\":[1]}");
	s = writer_xml.begin(&xml_defaults, NULL, &out);
	assert_int_equal(writer_xml.record(s, &f.rec, &out), 0);
	writer_xml.abort(s);
	s = writer_rss.begin(&xml_defaults, NULL, &out);
	writer_rss.abort(s);
	fixture_release(&f);
	buf_release(&out);
}

static void write_file(const char *path, const char *data, size_t len)
{
	FILE *fp = fopen(path, "wb");

	assert_non_null(fp);
	assert_int_equal(fwrite(data, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
}

static char *read_file(const char *path)
{
	struct buf text = BUF_INIT;
	char chunk[4096];
	size_t n;
	FILE *fp = fopen(path, "rb");

	assert_non_null(fp);
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		buf_append(&text, chunk, n);
	fclose(fp);
	/* buf_detach() of a buffer never written to leaves it unterminated. */
	buf_putc(&text, '\0');
	return buf_detach(&text, NULL);
}

/*
 * Run xmllint --noout on doc. Returns its exit status and stores what it
 * printed in *messages, which the caller frees.
 */
static int xmllint_run(const char *doc, size_t len, char **messages)
{
	char doc_path[] = "/tmp/actord-test-xml-XXXXXX";
	char err_path[] = "/tmp/actord-test-xmllint-XXXXXX";
	char command[256];
	int fd, status;

	if (system("command -v xmllint >/dev/null 2>&1") != 0)
		fail_msg("xmllint not found: install the Debian package "
			 "libxml2-utils (apt-get install libxml2-utils)");

	fd = mkstemp(doc_path);
	assert_true(fd >= 0);
	close(fd);
	fd = mkstemp(err_path);
	assert_true(fd >= 0);
	close(fd);
	write_file(doc_path, doc, len);

	snprintf(command, sizeof(command), "xmllint --noout '%s' >'%s' 2>&1",
		 doc_path, err_path);
	status = system(command);
	*messages = read_file(err_path);
	unlink(doc_path);
	unlink(err_path);

	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

/* Assert that xmllint reads doc without an error or a warning. */
static void assert_xmllint_accepts(const char *doc, size_t len)
{
	char *messages;
	int status = xmllint_run(doc, len, &messages);

	if (status != 0 || messages[0] != '\0')
		fail_msg("xmllint exited with %d: %s", status, messages);
	free(messages);
}

/* The check above can fail: a repeated attribute is rejected. */
static void test_write_xml_xmllint_rejects(void **state)
{
	static const char bad[] = "<a b=\"1\" b=\"2\"/>\n";
	char *messages;

	(void)state;
	assert_int_not_equal(xmllint_run(bad, strlen(bad), &messages), 0);
	assert_non_null(strstr(messages, "redefined"));
	free(messages);
}

/*
 * Return an item that nests objects levels of objects, then arrays levels
 * of arrays. The sum must stay below JSON_MAX_DEPTH.
 */
static char *deep_item(size_t objects, size_t arrays)
{
	struct buf json = BUF_INIT;
	size_t i;

	buf_puts(&json, "{\"deep\":");
	for (i = 0; i < objects; i++)
		buf_printf(&json, "{\"@\":{\"d\":%zu},\"#\":\"\\u0001\",\"k%zu\":",
			   i, i);
	for (i = 0; i < arrays; i++)
		buf_putc(&json, '[');
	buf_puts(&json, "\"bottom <&>\"");
	for (i = 0; i < arrays; i++)
		buf_putc(&json, ']');
	for (i = 0; i < objects; i++)
		buf_putc(&json, '}');
	buf_putc(&json, '}');
	return buf_detach(&json, NULL);
}

static void test_write_xml_xmllint_nasty(void **state)
{
	static const char *const nasty[] = {
		/* Keys that are not names. */
		"{\"1abc\":1,\"a b\":2,\"a:b\":3,\"\":4,\"-x\":5,\".y\":6,"
		"\"\\u00b7z\":7,\"a\\u2014b\":8,\"\\u00a0\":9,\"x\\u0000y\":10,"
		"\"\\u0001\\u001f\":11,\"\\ud83d\\ude00\":\"\\ud83d\\ude00 \","
		"\"caf\\u00e9\":\"ok\",\"xmlns\":\"e\",\"xmlns:p\":\"e\","
		"\"xml:lang\":\"e\",\"<a>\":\"&\",\"\\\"\":\"'\",\"=\":\"/\"}",

		/* "@" and "#" of every type, nested. */
		"{\"@\":\"not an object\",\"#\":{\"in\":\"object\"},"
		"\"nested\":{\"#x\":{\"#\":\"text\",\"@\":{\"#y\":\"1\","
		"\"1a\":\"2\",\"a b\":\"3\",\"a:b\":\"4\",\"\":\"5\","
		"\"xmlns\":\"http://www.w3.org/XML/1998/namespace\","
		"\"xmlns:xml\":\"u\",\"xmlns:p\":\"\",\"_xmlns\":\"x\","
		"\"q\":\"<&>\\\"'\\t\\n\\r\\u0001\\ufffe\\ud83d\\ude00\","
		"\"@\":{\"@\":[]},\"#\":null}},\"@\":[1,{\"a\":2}],"
		"\"#\":[[1]]}}",

		/* Record attributes, repeated, and text with every kind of
		 * character XML forbids. */
		"{\"@\":{\"id\":\"1\",\"id\":\"2\",\"x\":{\"o\":[1,null]},"
		"\"n\":null},\"#\":\"text ]]> \\u0000\\u0008\\u000b\\u000c"
		"\\ufffe\\uffff\\u007f\\u0085\\r\\n end\",\"@\":7,"
		"\"@\":{\"id\":\"3\",\"a\\u0000b\":\"\\u0000\"},"
		"\"arr\":[[1,[2,[]]],[],{\"@\":[1],\"#\":[2]},null,\"\","
		"[{\"@\":{\"k\":\"v\"}}]],\"xml\":\"reserved\","
		"\"xmlns\":\"element\",\"cdata\":\"<![CDATA[x]]>\","
		"\"pi\":\"<?xml version='1.0'?>\",\"comment\":\"<!-- -- -->\"}",

		"{}",
	};
	const char *items[sizeof(nasty) / sizeof(nasty[0]) + 1];
	struct writer_options opt = xml_defaults;
	char *deep, *doc;
	size_t i, len;

	(void)state;
	for (i = 0; i < sizeof(nasty) / sizeof(nasty[0]); i++)
		items[i] = nasty[i];
	deep = deep_item(300, 200);
	items[i++] = deep;

	doc = export_all(&writer_xml, &opt, items, i, &len);
	assert_xmllint_accepts(doc, len);
	free(doc);

	opt.xml_root = "\xf0\x9f\x98\x80-root";
	opt.xml_row = "r\xc3\xa9sultat";
	doc = export_all(&writer_xml, &opt, items, i, &len);
	assert_xmllint_accepts(doc, len);
	free(doc);

	opt.feed_title = "<title> & \"\x01\x7f\xef\xbf\xbf";
	opt.feed_link = "http://127.0.0.1/?a=1&b=<2>";
	opt.feed_description = "]]> \xff\xc3";
	doc = export_all(&writer_rss, &opt, items, i, &len);
	assert_xmllint_accepts(doc, len);
	free(doc);

	free(deep);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_write_xml_metadata),
		cmocka_unit_test(test_write_xml_empty_export),
		cmocka_unit_test(test_write_xml_document),
		cmocka_unit_test(test_write_xml_invalid_option_names),
		cmocka_unit_test(test_write_xml_scalars),
		cmocka_unit_test(test_write_xml_escapes_text),
		cmocka_unit_test(test_write_xml_drops_invalid_chars),
		cmocka_unit_test(test_write_xml_replaces_bad_utf8),
		cmocka_unit_test(test_write_xml_valid_text),
		cmocka_unit_test(test_write_xml_arrays),
		cmocka_unit_test(test_write_xml_objects),
		cmocka_unit_test(test_write_xml_attributes),
		cmocka_unit_test(test_write_xml_attribute_names),
		cmocka_unit_test(test_write_xml_attribute_duplicates),
		cmocka_unit_test(test_write_xml_at_not_object),
		cmocka_unit_test(test_write_xml_text_property),
		cmocka_unit_test(test_write_xml_key_names),
		cmocka_unit_test(test_write_xml_name_put),
		cmocka_unit_test(test_write_xml_name_valid),
		cmocka_unit_test(test_write_xml_depth_limit),
		cmocka_unit_test(test_write_xml_rss_document),
		cmocka_unit_test(test_write_xml_rss_channel_escapes),
		cmocka_unit_test(test_write_xml_streams_records),
		cmocka_unit_test(test_write_xml_abort),
		cmocka_unit_test(test_write_xml_xmllint_rejects),
		cmocka_unit_test(test_write_xml_xmllint_nasty),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
