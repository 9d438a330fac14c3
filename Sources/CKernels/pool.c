// A persistent thread pool: DispatchQueue.concurrentPerform costs ~10 µs per call to wake its workers
// (shared/notes/swift-linux.md §10.12), which would be ~2 ms per token over a forward pass's ~200
// matrix products. Workers here spin on a generation counter for a short while, then sleep.
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include "ckernels.h"

#if defined(__x86_64__)
#include <immintrin.h>
#define CPU_RELAX() _mm_pause()
#else
#define CPU_RELAX() ((void)0)
#endif

enum { SPIN_ITERATIONS = 20000 };  // about 20–100 µs of pause instructions before sleeping

typedef struct {
    float *data;
    int64_t capacity;  // floats
} scratch_t;

struct ck_pool {
    int n;
    pthread_t *threads;
    scratch_t *scratch;  // one per thread (index 0 = the caller)
    pthread_mutex_t run_lock;  // one job at a time: callers on different threads take turns
    pthread_mutex_t mutex;
    pthread_cond_t wake;
    atomic_uint generation;  // bumped for every run
    atomic_int pending;      // workers still running the current task
    atomic_int quit;
    atomic_int sleepers;
    ck_task_fn fn;
    void *ctx;
};

typedef struct { ck_pool *pool; int ith; } worker_arg;

static void *worker_main(void *p) {
    worker_arg arg = *(worker_arg *)p;
    free(p);
    ck_pool *pool = arg.pool;
    // Start from the generation at creation (0), not from whatever it is when this thread gets to run:
    // a job posted before that moment must still be picked up.
    unsigned seen = 0;
    for (;;) {
        int spins = 0;
        while (atomic_load_explicit(&pool->generation, memory_order_acquire) == seen && !atomic_load(&pool->quit)) {
            if (++spins < SPIN_ITERATIONS) { CPU_RELAX(); continue; }
            pthread_mutex_lock(&pool->mutex);
            atomic_fetch_add(&pool->sleepers, 1);
            while (atomic_load(&pool->generation) == seen && !atomic_load(&pool->quit))
                pthread_cond_wait(&pool->wake, &pool->mutex);
            atomic_fetch_sub(&pool->sleepers, 1);
            pthread_mutex_unlock(&pool->mutex);
        }
        if (atomic_load(&pool->quit)) return NULL;
        seen = atomic_load(&pool->generation);
        pool->fn(pool->ctx, arg.ith, pool->n);
        atomic_fetch_sub_explicit(&pool->pending, 1, memory_order_release);
    }
}

ck_pool *ck_pool_create(int nthreads) {
    if (nthreads < 1) nthreads = 1;
    if (nthreads > CK_MAX_THREADS) nthreads = CK_MAX_THREADS;
    ck_pool *pool = calloc(1, sizeof(ck_pool));
    pool->n = nthreads;
    pool->scratch = calloc((size_t)nthreads, sizeof(scratch_t));
    pthread_mutex_init(&pool->run_lock, NULL);
    pthread_mutex_init(&pool->mutex, NULL);
    pthread_cond_init(&pool->wake, NULL);
    pool->threads = calloc((size_t)nthreads, sizeof(pthread_t));
    for (int i = 1; i < nthreads; i++) {
        worker_arg *arg = malloc(sizeof(worker_arg));
        arg->pool = pool;
        arg->ith = i;
        pthread_create(&pool->threads[i], NULL, worker_main, arg);
    }
    return pool;
}

void ck_pool_destroy(ck_pool *pool) {
    if (!pool) return;
    pthread_mutex_lock(&pool->mutex);
    atomic_store(&pool->quit, 1);
    pthread_cond_broadcast(&pool->wake);
    pthread_mutex_unlock(&pool->mutex);
    for (int i = 1; i < pool->n; i++) pthread_join(pool->threads[i], NULL);
    for (int i = 0; i < pool->n; i++) free(pool->scratch[i].data);
    pthread_mutex_destroy(&pool->run_lock);
    pthread_mutex_destroy(&pool->mutex);
    pthread_cond_destroy(&pool->wake);
    free(pool->threads);
    free(pool->scratch);
    free(pool);
}

int ck_pool_size(const ck_pool *pool) { return pool ? pool->n : 1; }

void ck_pool_run(ck_pool *pool, ck_task_fn fn, void *ctx) {
    if (!pool) {
        fn(ctx, 0, 1);
        return;
    }
    // Two callers (two inference contexts on different threads) must not interleave: the job slot,
    // the pending count and the per-thread scratch all belong to one job at a time.
    pthread_mutex_lock(&pool->run_lock);
    if (pool->n == 1) {
        fn(ctx, 0, 1);
        pthread_mutex_unlock(&pool->run_lock);
        return;
    }
    pool->fn = fn;
    pool->ctx = ctx;
    atomic_store(&pool->pending, pool->n - 1);
    // `sleepers` only changes under the mutex, so reading it there cannot miss a worker that is
    // about to sleep: either it already counts itself, or it will see the new generation first.
    pthread_mutex_lock(&pool->mutex);
    atomic_fetch_add_explicit(&pool->generation, 1, memory_order_release);
    if (atomic_load(&pool->sleepers) > 0) pthread_cond_broadcast(&pool->wake);
    pthread_mutex_unlock(&pool->mutex);
    fn(ctx, 0, pool->n);
    while (atomic_load_explicit(&pool->pending, memory_order_acquire) > 0) CPU_RELAX();
    pthread_mutex_unlock(&pool->run_lock);
}

float *ck_pool_scratch(ck_pool *pool, int ith, int64_t floats) {
    static _Thread_local scratch_t solo;  // a pool-less caller gets a thread-local buffer
    scratch_t *s = pool ? &pool->scratch[ith] : &solo;
    if (s->capacity < floats) {  // grow geometrically, so a growing context reallocates O(log n) times
        int64_t cap = s->capacity * 2 > floats ? s->capacity * 2 : floats;
        if (cap < 4096) cap = 4096;
        free(s->data);
        s->data = aligned_alloc(64, (size_t)((cap * 4 + 63) / 64 * 64));
        s->capacity = cap;
    }
    return s->data;
}
