/*
 * Dockerfile reading for the run command. dockerfile.h has the contract.
 * Only FROM, CMD, ENTRYPOINT, SHELL and the escape directive matter here.
 * Every other instruction is skipped without being checked.
 */
#include "runner/dockerfile.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/json.h"

/* A slice of the Dockerfile text, not NUL-terminated. */
struct span {
	const char *s;
	size_t n;
};

/*
 * The command settings of one build stage. An argv is NULL while the stage
 * has not set it, and an empty array (only the NULL terminator) after an
 * empty exec form such as `CMD []`.
 */
struct stage {
	char *name;		/* from "FROM image AS name", or NULL */
	char **shell;		/* from SHELL; NULL means /bin/sh -c */
	char **cmd;		/* a shell form comes wrapped in the shell */
	char **entrypoint;	/* likewise */
	int entrypoint_is_shell;
	int cmd_set_here;	/* CMD appeared in this stage, not inherited */
};

/* Physical lines of the text, and the escape character in effect. */
struct reader {
	const char *pos;
	const char *end;
	unsigned line;		/* number of the line last read, from 1 */
	char escape;
};

struct parser {
	struct reader rd;
	struct stage *stages;	/* stages[nstages - 1] is the current one */
	size_t nstages;
	unsigned line;		/* first line of the current instruction */
	struct buf *err;
};

void argv_free(char **argv)
{
	size_t i;

	if (!argv)
		return;
	for (i = 0; argv[i]; i++)
		free(argv[i]);
	free(argv);
}

static size_t argv_count(char *const *argv)
{
	size_t n = 0;

	while (argv && argv[n])
		n++;
	return n;
}

/* Appends a copy of s to *argv, which may be NULL, keeping it terminated. */
static void argv_push(char ***argv, const char *s, size_t len)
{
	size_t n = argv_count(*argv);

	*argv = xrealloc(*argv, (n + 2) * sizeof(**argv));
	(*argv)[n] = xstrndup(s, len);
	(*argv)[n + 1] = NULL;
}

/* Appends copies of the strings of src, which may be NULL, to *argv. */
static void argv_push_all(char ***argv, char *const *src)
{
	size_t n = argv_count(*argv), extra = argv_count(src), i;

	*argv = xrealloc(*argv, (n + extra + 1) * sizeof(**argv));
	for (i = 0; i < extra; i++)
		(*argv)[n + i] = xstrdup(src[i]);
	(*argv)[n + extra] = NULL;
}

/* Returns a new argv with no elements. */
static char **argv_empty(void)
{
	return xcalloc(1, sizeof(char *));
}

static char **argv_copy(char *const *src)
{
	char **argv;

	if (!src)
		return NULL;
	argv = argv_empty();
	argv_push_all(&argv, src);
	return argv;
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static struct span trim(struct span sp)
{
	while (sp.n && is_blank(sp.s[0])) {
		sp.s++;
		sp.n--;
	}
	while (sp.n && is_blank(sp.s[sp.n - 1]))
		sp.n--;
	return sp;
}

/* Removes the first blank-separated word from *rest and returns it. */
static struct span next_word(struct span *rest)
{
	struct span word;

	*rest = trim(*rest);
	word.s = rest->s;
	word.n = 0;
	while (word.n < rest->n && !is_blank(word.s[word.n]))
		word.n++;
	rest->s += word.n;
	rest->n -= word.n;
	return word;
}

/* Returns 1 if sp equals word, ignoring ASCII case. */
static int span_is(struct span sp, const char *word)
{
	return sp.n == strlen(word) && !strncasecmp(sp.s, word, sp.n);
}

static int fail(struct parser *ps, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Appends "Dockerfile line N: " and the message to err. Returns -1. */
static int fail(struct parser *ps, const char *fmt, ...)
{
	va_list ap;

	buf_printf(ps->err, "Dockerfile line %u: ", ps->line);
	va_start(ap, fmt);
	buf_vprintf(ps->err, fmt, ap);
	va_end(ap);
	return -1;
}

/* Reads the next physical line, without its line ending; 0 at the end. */
static int read_line(struct reader *rd, struct span *line)
{
	const char *nl;

	if (rd->pos >= rd->end)
		return 0;
	nl = memchr(rd->pos, '\n', (size_t)(rd->end - rd->pos));
	line->s = rd->pos;
	line->n = (size_t)((nl ? nl : rd->end) - rd->pos);
	rd->pos = nl ? nl + 1 : rd->end;
	if (line->n && line->s[line->n - 1] == '\r')
		line->n--;
	rd->line++;
	return 1;
}

/* Returns 1 for a blank line, or a comment after optional blanks. */
static int is_blank_or_comment(struct span line)
{
	line = trim(line);
	return line.n == 0 || line.s[0] == '#';
}

/*
 * Removes a trailing escape character, and any blanks after it, from the
 * line. Returns 1 if there was one, which means the instruction goes on.
 */
static int strip_continuation(struct span *line, char escape)
{
	size_t n = line->n;

	while (n && is_blank(line->s[n - 1]))
		n--;
	if (n == 0 || line->s[n - 1] != escape)
		return 0;
	line->n = n - 1;
	return 1;
}

/*
 * Joins the physical lines of the next instruction into out and stores the
 * number of its first line. As in Docker, blank and comment lines inside a
 * continuation are dropped, and the pieces are joined with nothing between
 * them. Returns 0 at the end of the text.
 * NOTE: heredoc bodies (RUN <<EOF) are not recognized, so a body line that
 * starts with FROM, CMD, ENTRYPOINT or SHELL would be read as one.
 */
static int next_instruction(struct reader *rd, struct buf *out,
			    unsigned *first_line)
{
	struct span line;

	buf_reset(out);
	do {
		if (!read_line(rd, &line))
			return 0;
	} while (is_blank_or_comment(line));
	*first_line = rd->line;

	for (;;) {
		int more = strip_continuation(&line, rd->escape);

		buf_append(out, line.s, line.n);
		if (!more)
			return 1;
		do {
			if (!read_line(rd, &line))
				return 1;
		} while (is_blank_or_comment(line));
	}
}

/* Splits "# key = value" into its parts. Returns 0 for other lines. */
static int parse_directive(struct span line, struct span *key,
			   struct span *value)
{
	struct span rest;

	if (line.n == 0 || line.s[0] != '#')
		return 0;
	rest = trim((struct span){ line.s + 1, line.n - 1 });
	key->s = rest.s;
	key->n = 0;
	while (key->n < rest.n && isalnum((unsigned char)key->s[key->n]))
		key->n++;
	if (key->n == 0 || !isalpha((unsigned char)key->s[0]))
		return 0;

	rest = trim((struct span){ rest.s + key->n, rest.n - key->n });
	if (rest.n == 0 || rest.s[0] != '=')
		return 0;
	*value = trim((struct span){ rest.s + 1, rest.n - 1 });
	return value->n != 0;
}

/*
 * Applies the parser directives, the "# key=value" lines at the top of the
 * file, of which only escape matters here. They end at the first line that
 * is not one. The instruction reader later skips them as comments.
 */
static int read_directives(struct parser *ps)
{
	struct reader rd = ps->rd;
	struct span line, key, value;

	while (read_line(&rd, &line) && parse_directive(line, &key, &value)) {
		if (!span_is(key, "escape"))
			continue;
		ps->line = rd.line;
		if (value.n != 1 || (value.s[0] != '\\' && value.s[0] != '`'))
			return fail(ps, "escape directive must be \\ or `, got '%.*s'",
				    (int)value.n, value.s);
		ps->rd.escape = value.s[0];
	}
	return 0;
}

static struct stage *current(struct parser *ps)
{
	return &ps->stages[ps->nstages - 1];
}

static void push_stage(struct parser *ps, const struct stage *st)
{
	ps->stages = xrealloc(ps->stages,
			      (ps->nstages + 1) * sizeof(*ps->stages));
	ps->stages[ps->nstages++] = *st;
}

static const struct stage *find_stage(const struct parser *ps,
				      struct span name)
{
	size_t i;

	for (i = ps->nstages; i > 0; i--) {
		const struct stage *st = &ps->stages[i - 1];

		if (st->name && span_is(name, st->name))
			return st;
	}
	return NULL;
}

/*
 * Starts a stage. A FROM that names an earlier stage inherits its settings,
 * as Docker does. Any other base image starts with none, because its
 * settings are not known here.
 */
static int do_from(struct parser *ps, struct span args)
{
	struct stage st = { 0 };
	const struct stage *base;
	struct span rest = args, image, word, name;

	do
		image = next_word(&rest);
	while (image.n > 2 && !strncmp(image.s, "--", 2));
	if (image.n == 0)
		return fail(ps, "FROM requires an image name");

	word = next_word(&rest);
	name = next_word(&rest);
	if (word.n && (!span_is(word, "AS") || name.n == 0 || trim(rest).n))
		return fail(ps, "FROM expects 'image [AS name]', got '%.*s'",
			    (int)args.n, args.s);

	base = find_stage(ps, image);
	if (base) {
		st.shell = argv_copy(base->shell);
		st.cmd = argv_copy(base->cmd);
		st.entrypoint = argv_copy(base->entrypoint);
		st.entrypoint_is_shell = base->entrypoint_is_shell;
	}
	if (name.n)
		st.name = xstrndup(name.s, name.n);
	push_stage(ps, &st);
	return 0;
}

/* Parses an exec form, a JSON array of strings, into a new *argv. */
static int parse_exec(struct parser *ps, const char *instr, struct span args,
		      char ***argv)
{
	struct json_error jerr;
	struct json_doc *doc;
	const struct json *root, *item;
	size_t n = 0;
	int rc = -1;

	*argv = NULL;
	doc = json_parse(args.s, args.n, &jerr);
	if (!doc)
		return fail(ps, "%s exec form is not valid JSON: %s",
			    instr, jerr.message);

	root = json_root(doc);
	if (root->type != JSON_ARRAY) {
		fail(ps, "%s exec form is not a JSON array of strings", instr);
		goto out;
	}
	for (item = root->child; item; item = item->next)
		n++;
	*argv = xcalloc(n + 1, sizeof(**argv));

	for (item = root->child, n = 0; item; item = item->next, n++) {
		if (item->type != JSON_STRING) {
			fail(ps, "%s exec form is not a JSON array of strings",
			     instr);
			goto out;
		}
		if (memchr(item->str, '\0', item->len)) {
			fail(ps, "%s exec form contains a NUL character",
			     instr);
			goto out;
		}
		(*argv)[n] = xstrndup(item->str, item->len);
	}
	rc = 0;

out:
	if (rc) {
		argv_free(*argv);
		*argv = NULL;
	}
	json_doc_free(doc);
	return rc;
}

/*
 * Parses the arguments of CMD or ENTRYPOINT into a new *argv: an exec form
 * as written, a shell form wrapped in the stage's shell.
 * NOTE: Docker takes text that starts with '[' but is not valid JSON as a
 * shell form. Here it is an error, because such text is nearly always a
 * mistyped exec form (single quotes, a missing comma) that would fail only
 * when the actor runs.
 */
static int parse_command(struct parser *ps, const char *instr,
			 struct span args, char ***argv, int *is_shell)
{
	char *const *shell = current(ps)->shell;

	*argv = NULL;
	*is_shell = 0;
	if (args.n == 0)
		return fail(ps, "%s requires a command", instr);
	if (args.s[0] == '[')
		return parse_exec(ps, instr, args, argv);
	if (memchr(args.s, '\0', args.n))
		return fail(ps, "%s contains a NUL character", instr);

	*is_shell = 1;
	*argv = argv_empty();
	if (shell) {
		argv_push_all(argv, shell);
	} else {
		argv_push(argv, "/bin/sh", strlen("/bin/sh"));
		argv_push(argv, "-c", strlen("-c"));
	}
	argv_push(argv, args.s, args.n);
	return 0;
}

static int do_cmd(struct parser *ps, struct span args)
{
	struct stage *st = current(ps);
	char **argv;
	int is_shell;

	if (parse_command(ps, "CMD", args, &argv, &is_shell))
		return -1;
	argv_free(st->cmd);
	st->cmd = argv;
	st->cmd_set_here = 1;
	return 0;
}

static int do_entrypoint(struct parser *ps, struct span args)
{
	struct stage *st = current(ps);
	char **argv;
	int is_shell;

	if (parse_command(ps, "ENTRYPOINT", args, &argv, &is_shell))
		return -1;
	argv_free(st->entrypoint);
	st->entrypoint = argv;
	st->entrypoint_is_shell = is_shell;

	/* Docker drops a CMD inherited from the base on a new ENTRYPOINT. */
	if (!st->cmd_set_here) {
		argv_free(st->cmd);
		st->cmd = NULL;
	}
	return 0;
}

static int do_shell(struct parser *ps, struct span args)
{
	struct stage *st = current(ps);
	char **argv;

	if (args.n == 0 || args.s[0] != '[')
		return fail(ps, "SHELL must be a JSON array of strings");
	if (parse_exec(ps, "SHELL", args, &argv))
		return -1;
	if (!argv[0]) {
		argv_free(argv);
		return fail(ps, "SHELL requires at least one argument");
	}
	argv_free(st->shell);
	st->shell = argv;
	return 0;
}

static int dispatch(struct parser *ps, struct span text)
{
	struct span word = next_word(&text);

	text = trim(text);
	if (span_is(word, "FROM"))
		return do_from(ps, text);
	if (span_is(word, "CMD"))
		return do_cmd(ps, text);
	if (span_is(word, "ENTRYPOINT"))
		return do_entrypoint(ps, text);
	if (span_is(word, "SHELL"))
		return do_shell(ps, text);
	return 0;
}

/* Combines ENTRYPOINT and CMD as Docker does when a container starts. */
static char **stage_command(const struct stage *st)
{
	char **argv = argv_empty();

	if (st->entrypoint) {
		argv_push_all(&argv, st->entrypoint);
		if (st->entrypoint_is_shell)
			return argv;	/* a shell form ignores CMD */
	}
	argv_push_all(&argv, st->cmd);
	return argv;
}

/*
 * Instructions before the first FROM go to an unnamed stage. Docker allows
 * only ARG there, but reading them costs nothing and keeps a file that
 * contains just a CMD usable.
 */
static void parser_init(struct parser *ps, const char *text, size_t len,
			struct buf *err)
{
	static const struct stage none = { 0 };

	memset(ps, 0, sizeof(*ps));
	if (len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3)) {
		text += 3;	/* a UTF-8 byte order mark */
		len -= 3;
	}
	ps->rd.pos = text;
	ps->rd.end = text + len;
	ps->rd.escape = '\\';
	ps->err = err;
	push_stage(ps, &none);
}

static void parser_release(struct parser *ps)
{
	size_t i;

	for (i = 0; i < ps->nstages; i++) {
		free(ps->stages[i].name);
		argv_free(ps->stages[i].shell);
		argv_free(ps->stages[i].cmd);
		argv_free(ps->stages[i].entrypoint);
	}
	free(ps->stages);
}

int dockerfile_command(const char *text, size_t len, char ***argv_out,
		       struct buf *err)
{
	struct parser ps;
	struct buf line = BUF_INIT;
	char **argv;
	int rc = -1;

	*argv_out = NULL;
	parser_init(&ps, text, len, err);
	if (read_directives(&ps))
		goto out;

	while (next_instruction(&ps.rd, &line, &ps.line)) {
		if (dispatch(&ps, (struct span){ line.data, line.len }))
			goto out;
	}

	argv = stage_command(current(&ps));
	if (!argv[0]) {
		argv_free(argv);
		rc = 1;
		goto out;
	}
	*argv_out = argv;
	rc = 0;

out:
	parser_release(&ps);
	buf_release(&line);
	return rc;
}
