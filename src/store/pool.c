/*
 * pool.c: a fixed set of connections shared by worker threads. A thread
 * acquires one (blocking while all are in use), runs its transaction, and
 * releases it; release rolls back whatever the thread left open, so a
 * forgotten commit on an error path never leaks a transaction into the next
 * request.
 */
#include <assert.h>
#include <pthread.h>
#include <stdlib.h>

#include "core/alloc.h"
#include "core/err.h"
#include "core/log.h"
#include "store/store.h"

#define POOL_MAX 1024

struct store_pool {
	pthread_mutex_t mu;
	pthread_cond_t freed;     /* signalled when a connection comes back */
	struct store **conns;     /* owned: size, each owned */
	struct store **idle;      /* owned array; borrowed pointers into conns */
	unsigned size;
	unsigned n_idle;
};

int store_pool_open(struct store_pool **out, const char *url, unsigned size)
{
	assert(out && url);
	*out = NULL;
	if (size == 0 || size > POOL_MAX) {
		log_error("store pool open failed", "size=%u err=\"size out of range\"", size);
		return ERR_FAIL;
	}
	struct store_pool *pool = xcalloc(1, sizeof(*pool));
	if (!pool)
		goto nomem;
	pool->conns = xcalloc(size, sizeof(*pool->conns));
	pool->idle = xcalloc(size, sizeof(*pool->idle));
	if (!pool->conns || !pool->idle) {
		free(pool->conns);
		free(pool->idle);
		free(pool);
		goto nomem;
	}
	pthread_mutex_init(&pool->mu, NULL);
	pthread_cond_init(&pool->freed, NULL);
	for (unsigned i = 0; i < size; i++) {
		if (store_open(&pool->conns[i], url) < 0) {
			store_pool_close(pool);   /* closes the ones opened so far */
			return ERR_FAIL;
		}
		pool->size = i + 1;
		pool->idle[pool->n_idle++] = pool->conns[i];
	}
	*out = pool;
	return 0;
nomem:
	log_error("store pool open failed", "err=\"out of memory\"");
	return ERR_FAIL;
}

struct store *store_pool_acquire(struct store_pool *pool)
{
	assert(pool);
	pthread_mutex_lock(&pool->mu);
	while (pool->n_idle == 0)
		pthread_cond_wait(&pool->freed, &pool->mu);
	struct store *db = pool->idle[--pool->n_idle];
	pthread_mutex_unlock(&pool->mu);
	return db;
}

void store_pool_release(struct store_pool *pool, struct store *db)
{
	assert(pool);
	if (!db)
		return;
	store_rollback(db);
	pthread_mutex_lock(&pool->mu);
	assert(pool->n_idle < pool->size);
	pool->idle[pool->n_idle++] = db;
	pthread_cond_signal(&pool->freed);
	pthread_mutex_unlock(&pool->mu);
}

void store_pool_close(struct store_pool *pool)
{
	if (!pool)
		return;
	/* Every connection must be back: closing one in use is a caller bug. */
	assert(pool->n_idle == pool->size);
	for (unsigned i = 0; i < pool->size; i++)
		store_close(pool->conns[i]);
	pthread_cond_destroy(&pool->freed);
	pthread_mutex_destroy(&pool->mu);
	free(pool->conns);
	free(pool->idle);
	free(pool);
}
