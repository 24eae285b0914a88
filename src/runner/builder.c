/*
 * The builder threads and their queue; see builder.h. One mutex guards
 * the queue, the running slots and the stopping flag. A running build
 * learns of an abort through its job's cancel flag, which build_execute()
 * checks between steps and every BUILD_NPM_CHECK_MS during npm.
 */
#include "runner/builder.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/log.h"

struct job {
	struct job *next;
	struct build_plan plan;
	atomic_int cancel;	/* non-zero: end the build ABORTED */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t queued = PTHREAD_COND_INITIALIZER;
static struct job *queue, **queue_tail = &queue;
static struct job *running[BUILDER_MAX_THREADS];
static pthread_t threads[BUILDER_MAX_THREADS];
static unsigned thread_count;
static int stopping;

static int job_cancelled(void *ctx)
{
	struct job *job = ctx;

	return atomic_load(&job->cancel);
}

static void job_free(struct job *job)
{
	build_plan_release(&job->plan);
	free(job);
}

/* Take the first queued job, or NULL once stopping. Caller holds lock. */
static struct job *next_job(void)
{
	struct job *job;

	while (!queue && !stopping)
		pthread_cond_wait(&queued, &lock);
	if (stopping)
		return NULL;
	job = queue;
	queue = job->next;
	if (!queue)
		queue_tail = &queue;
	job->next = NULL;
	return job;
}

static void *builder_main(void *arg)
{
	size_t slot = (size_t)(uintptr_t)arg;
	struct job *job;

	for (;;) {
		pthread_mutex_lock(&lock);
		job = next_job();
		running[slot] = job;
		pthread_mutex_unlock(&lock);
		if (!job)
			break;
		build_execute(store_thread(), &job->plan, job_cancelled, job);
		pthread_mutex_lock(&lock);
		running[slot] = NULL;
		pthread_mutex_unlock(&lock);
		job_free(job);
	}
	return NULL;
}

int builder_init(unsigned count)
{
	if (count < 1 || count > BUILDER_MAX_THREADS)
		count = BUILDER_DEFAULT_THREADS;
	for (thread_count = 0; thread_count < count; thread_count++) {
		if (pthread_create(&threads[thread_count], NULL, builder_main,
				   (void *)(uintptr_t)thread_count)) {
			log_error("builder", "cannot start a builder thread");
			builder_shutdown();
			return -1;
		}
	}
	return 0;
}

void builder_shutdown(void)
{
	struct job *waiting, *job;
	unsigned i;

	pthread_mutex_lock(&lock);
	stopping = 1;
	waiting = queue;
	queue = NULL;
	queue_tail = &queue;
	for (i = 0; i < BUILDER_MAX_THREADS; i++)
		if (running[i])
			atomic_store(&running[i]->cancel, 1);
	pthread_cond_broadcast(&queued);
	pthread_mutex_unlock(&lock);

	while ((job = waiting)) {
		waiting = job->next;
		build_end_unstarted(store_thread(), &job->plan, "actord stopped"
				    " before the build started.");
		job_free(job);
	}
	for (i = 0; i < thread_count; i++)
		pthread_join(threads[i], NULL);
	thread_count = 0;
}

int builder_submit(struct store *st, const struct build_request *req,
		   struct build *out, struct buf *err)
{
	struct job *job = xcalloc(1, sizeof(*job));
	int rejected;

	if (build_prepare(st, req, &job->plan, out, err)) {
		free(job);
		return -1;
	}
	pthread_mutex_lock(&lock);
	rejected = stopping;
	if (!rejected) {
		*queue_tail = job;
		queue_tail = &job->next;
		pthread_cond_signal(&queued);
	}
	pthread_mutex_unlock(&lock);
	if (rejected) {
		build_end_unstarted(st, &job->plan, "actord stopped before the"
				    " build started.");
		job_free(job);
	}
	return 0;
}

int builder_abort(const char *build_id)
{
	struct job **p, *found = NULL;
	int going = 0;
	unsigned i;

	pthread_mutex_lock(&lock);
	for (p = &queue; *p; p = &(*p)->next) {
		if (!strcmp((*p)->plan.id, build_id)) {
			found = *p;
			*p = found->next;
			if (!*p)
				queue_tail = p;
			break;
		}
	}
	for (i = 0; !found && i < BUILDER_MAX_THREADS; i++) {
		if (running[i] && !strcmp(running[i]->plan.id, build_id)) {
			atomic_store(&running[i]->cancel, 1);
			going = 1;
		}
	}
	pthread_mutex_unlock(&lock);
	if (found) {
		build_end_unstarted(store_thread(), &found->plan, "The build was"
				    " aborted before it started.");
		job_free(found);
		return 0;
	}
	return going ? 0 : 1;
}
