/*
 * The rate limiter; see rate_limit.h. Buckets live in a hash table split
 * into shards, each with its own lock, so requests on different keys
 * rarely wait for each other. A bucket idle for IDLE_MS is full again, so
 * it carries no information and is dropped when its shard grows.
 */
#include "http/rate_limit.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/hash.h"

#define SHARDS 64
#define SLOTS_PER_SHARD 256
/* A shard with more buckets than this drops its idle ones. */
#define SWEEP_ABOVE 1024
#define IDLE_MS 5000

struct bucket {
	char *key;
	size_t len;
	double tokens;
	int64_t updated_ms;
	struct bucket *next;
};

struct shard {
	pthread_mutex_t lock;
	struct bucket *slots[SLOTS_PER_SHARD];
	size_t count;
};

static struct shard shards[SHARDS];

void rate_limit_init(void)
{
	size_t i;

	for (i = 0; i < SHARDS; i++)
		pthread_mutex_init(&shards[i].lock, NULL);
}

static void free_bucket(struct bucket *b)
{
	free(b->key);
	free(b);
}

void rate_limit_free(void)
{
	struct bucket *b;
	size_t i, j;

	for (i = 0; i < SHARDS; i++) {
		for (j = 0; j < SLOTS_PER_SHARD; j++) {
			while ((b = shards[i].slots[j])) {
				shards[i].slots[j] = b->next;
				free_bucket(b);
			}
		}
		shards[i].count = 0;
		pthread_mutex_destroy(&shards[i].lock);
	}
}

/* Drop the buckets of s idle for IDLE_MS. Caller holds s->lock. */
static void sweep(struct shard *s, int64_t now_ms)
{
	struct bucket **p, *b;
	size_t j;

	for (j = 0; j < SLOTS_PER_SHARD; j++) {
		p = &s->slots[j];
		while ((b = *p)) {
			if (now_ms - b->updated_ms < IDLE_MS) {
				p = &b->next;
				continue;
			}
			*p = b->next;
			free_bucket(b);
			s->count--;
		}
	}
}

int rate_limit_take(const char *key, size_t len, unsigned limit,
		    int64_t now_ms)
{
	uint32_t h = hash_fnv1a(key, len);
	struct shard *s = &shards[h % SHARDS];
	struct bucket **slot, *b;
	int allowed;

	pthread_mutex_lock(&s->lock);
	slot = &s->slots[(h / SHARDS) % SLOTS_PER_SHARD];
	for (b = *slot; b; b = b->next)
		if (b->len == len && !memcmp(b->key, key, len))
			break;
	if (!b) {
		if (s->count >= SWEEP_ABOVE)
			sweep(s, now_ms);
		b = xcalloc(1, sizeof(*b));
		b->key = xstrndup(key, len);
		b->len = len;
		b->tokens = limit;
		b->updated_ms = now_ms;
		b->next = *slot;
		*slot = b;
		s->count++;
	}
	b->tokens += (double)(now_ms - b->updated_ms) * limit / 1000.0;
	if (b->tokens > limit)
		b->tokens = limit;
	b->updated_ms = now_ms;
	allowed = b->tokens >= 1.0;
	if (allowed)
		b->tokens -= 1.0;
	pthread_mutex_unlock(&s->lock);
	return allowed;
}
