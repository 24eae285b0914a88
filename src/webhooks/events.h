/*
 * Run and build events to webhook dispatches. When a run is created or
 * ends, each webhook that listens to the event and whose condition is the
 * run (ad hoc), its actor or its task gets an ACTIVE dispatch row, with
 * the payload and headers rendered now. A build's events go to the
 * webhooks of its actor. The dispatcher (dispatcher.h) sends
 * them, so nothing here touches the network.
 */
#ifndef ACTORD_WEBHOOKS_EVENTS_H
#define ACTORD_WEBHOOKS_EVENTS_H

#include "store/store.h"

/*
 * Insert the dispatches of event (one WEBHOOK_EVENT_* bit) of run, as the
 * run is now, inside the caller's transaction. *count gets how many were
 * inserted. Returns 0 or -1 (a store error, logged). The caller wakes the
 * dispatcher after its commit.
 */
int webhook_events_record(struct store *st, const struct run *run,
			  unsigned event, int *count);

/*
 * The same in a transaction of its own on this thread's store, for the
 * run run_id as the store has it, then wake the dispatcher. Failures are
 * logged. For the runner, once a run has reached a terminal status.
 */
void webhook_events_fire(const char *run_id, unsigned event);

/*
 * webhook_events_record() for a build: event is one of the
 * WEBHOOK_EVENT_BUILD_* bits, the resource is b->doc, and eventData is
 * {actorId, actorBuildId}. Webhooks whose condition is the build's actor
 * get it.
 */
int webhook_events_record_build(struct store *st, const struct build *b,
				unsigned event, int *count);

/* The ACTOR.BUILD.* bit of a terminal build status; 0 for others. */
unsigned webhook_build_event_for_status(const char *status);

#endif
