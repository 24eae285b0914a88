/*
 * The process command an actor's Dockerfile gives: the final stage's
 * ENTRYPOINT and CMD, combined as Docker combines them. actord runs that
 * command itself, without a container engine.
 */
#ifndef ACTORD_RUNNER_DOCKERFILE_H
#define ACTORD_RUNNER_DOCKERFILE_H

#include <stddef.h>

#include "util/buf.h"

/*
 * Finds the command of the final build stage in the len bytes of text.
 *
 * Returns 0 and stores in *argv_out a NULL-terminated argv with at least
 * one element, which the caller frees with argv_free().
 * Returns 1 and stores NULL when the final stage sets no command (no CMD
 * and no ENTRYPOINT, or only empty exec forms such as `CMD []`), so the
 * caller can apply its own rules. A CMD inherited from the base image is
 * not visible here and also gives 1.
 * Returns -1 and stores NULL when a FROM, CMD, ENTRYPOINT or SHELL
 * instruction or the escape directive is malformed, and appends one message
 * naming the line to err, e.g. "Dockerfile line 7: CMD exec form is not a
 * JSON array of strings".
 */
int dockerfile_command(const char *text, size_t len, char ***argv_out,
		       struct buf *err);

/* Frees a NULL-terminated argv and its strings. argv may be NULL. */
void argv_free(char **argv);

#endif
