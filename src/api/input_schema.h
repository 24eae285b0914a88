/*
 * Apify actor input schemas: building a run's input from the task input,
 * the request's override and the schema defaults, and checking an input
 * against the schema's per-property rules. Trees come from util/json.h.
 */
#ifndef ACTORD_API_INPUT_SCHEMA_H
#define ACTORD_API_INPUT_SCHEMA_H

#include "util/buf.h"
#include "util/json.h"

/*
 * Appends the run's input object to out as compact JSON. It starts with
 * the members of task_input in their order, and override replaces the
 * value of each key it has (a shallow merge). The override's other members
 * follow in their order. Last comes key:default for each schema property
 * with a "default" that neither object sets. A key repeated in one object
 * is written once, at its first position, with its last value. Numbers and
 * strings are written as in their source.
 *
 * Any of the three may be NULL. Returns -1 without touching out when
 * task_input or override is not an object, and appends a message to err.
 */
int input_merge(struct buf *out, const struct json *schema,
		const struct json *task_input, const struct json *override,
		struct buf *err);

/*
 * Checks input against the schema's properties. Returns 0 when it is valid,
 * and also when the schema or its "properties" is not an object, which
 * means no validation. Otherwise returns -1 and appends to err one message
 * for the first rule broken, naming the field path and the rule, e.g.
 * "Input is not valid: field 'proxy.country' must be a string, got number".
 *
 * Rules per property: type, enum, minimum, maximum, minLength and maxLength
 * (in Unicode code points), minItems, maxItems, and nested "properties" and
 * "required". A null value counts as not set. A NULL input is taken as {},
 * and an input that is not an object is invalid. Other keywords, such as
 * title, editor or prefill, are ignored.
 */
int input_schema_validate(const struct json *schema, const struct json *input,
			  struct buf *err);

/*
 * Checks an actor's input schema at build time. Returns 0 if it is usable.
 * Returns -1 and appends a message to err when the schema is not an object
 * or "properties" is missing or not an object. Also when a "type" at top
 * level is not "object", and when a property, nested ones too, is not an
 * object, or its "type" is not string, integer, number, boolean, array or
 * object. Also when a "required" is not an array of strings.
 */
int input_schema_check(const struct json *schema, struct buf *err);

#endif
