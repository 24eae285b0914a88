/*
 * Creating a run of a task or an actor from a request; see run_create.c.
 */
#ifndef ACTORD_API_RUN_CREATE_H
#define ACTORD_API_RUN_CREATE_H

#include "api/api.h"

/*
 * Create a READY run of the task r->params[0] names, with the request's
 * run options and, for POST, its body as the input override. Returns 0
 * with *run filled (release it with store_run_release()), or -1 with a
 * response made. The caller starts the run with runner_start().
 */
int api_create_task_run(struct req *r, struct run *run);

/*
 * The same for the actor r->params[0] names (an id or "username~name"):
 * options from the query and the actor's defaultRunOptions, and the body
 * as the whole input, with the input schema's defaults.
 */
int api_create_actor_run(struct req *r, struct run *run);

/*
 * For a metamorph into the actor actor_d: resolve its build (the query's
 * `build`, else its defaultRunOptions.build, else latest) and make the
 * input from the body, a JSON object or empty, with the build's input
 * schema defaults, checked against the schema. Returns 0 with *b (release
 * it with store_build_release) and input, or -1 with a response made.
 */
int api_metamorph_target(struct req *r, const struct store_doc *actor_d,
			 struct build *b, struct buf *input);

#endif
