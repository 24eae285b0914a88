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
 * Appends the run's input object to out as compact JSON. It holds the
 * members of task_input in their order, each replaced by the override's
 * value when override has that key (a shallow merge), then the override's
 * other members in their order, then key:default for each schema property
 * with a "default" that neither sets. A key repeated in one object is
 * written once, at its first position, with its last value. Numbers and
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
 * "required". A null value counts as not set. A NULL input is taken as {}.
 * Other keywords are ignored.
 */
int input_schema_validate(const struct json *schema, const struct json *input,
			  struct buf *err);

/*
 * Checks an actor's input schema at build time. Returns -1 and appends a
 * message to err when the schema is not an object, its "type" is present
 * and is not "object", "properties" is missing or not an object, a property
 * (nested ones too) is not an object or has a "type" other than string,
 * integer, number, boolean, array or object, or a "required" is not an
 * array of strings.
 */
int input_schema_check(const struct json *schema, struct buf *err);

#endif
