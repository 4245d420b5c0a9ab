// A persistent thread pool. One 64-bit atomic holds (job id << 32 | next task index); workers spin
// briefly on it after each job, then sleep on a condition variable. Job descriptors alternate
// between two slots, so a worker that wakes late can never run a task with a half-written
// descriptor: slot (j & 1) is rewritten only for job j + 2, which cannot start before job j + 1
// (and so job j) has finished every task. One job at a time; a caller that finds the pool busy
// runs its job alone on its own thread.
#define _GNU_SOURCE
#include "ckernels.h"
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define CK_PAUSE() _mm_pause()
#else
#define CK_PAUSE() ((void)0)
#endif

typedef struct {
    ck_task_fn fn;
    void *context;
    _Atomic int count;
    _Atomic int done;
} ck_job;

struct ck_pool {
    int threads;
    int spin_us;
    pthread_t *workers;
    _Atomic uint64_t cursor;  // job id << 32 | next index
    _Atomic int sleepers;
    _Atomic int stop;
    _Atomic int busy;
    ck_job jobs[2];
    pthread_mutex_t mutex;
    pthread_cond_t wake;
};

static long long now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

/// Runs tasks of the current job until none is left; returns the job id seen last.
static uint32_t drain(ck_pool *p) {
    for (;;) {
        uint64_t v = atomic_fetch_add_explicit(&p->cursor, 1, memory_order_acq_rel);
        uint32_t job = (uint32_t)(v >> 32), index = (uint32_t)v;
        ck_job *j = &p->jobs[job & 1];
        if (index >= (uint32_t)atomic_load_explicit(&j->count, memory_order_relaxed)) return job;
        j->fn(j->context, (int)index);
        atomic_fetch_add_explicit(&j->done, 1, memory_order_release);
    }
}

static uint32_t current_job(ck_pool *p) {
    return (uint32_t)(atomic_load_explicit(&p->cursor, memory_order_acquire) >> 32);
}

static void *worker_main(void *arg) {
    ck_pool *p = arg;
    uint32_t seen = current_job(p);
    for (;;) {
        long long deadline = 0;
        unsigned spins = 0;
        while (current_job(p) == seen) {
            if (atomic_load_explicit(&p->stop, memory_order_relaxed)) return NULL;
            CK_PAUSE();
            if ((++spins & 255) == 0) {
                long long t = now_ns();
                if (deadline == 0) deadline = t + (long long)p->spin_us * 1000;
                else if (t >= deadline) {
                    pthread_mutex_lock(&p->mutex);
                    atomic_fetch_add(&p->sleepers, 1);  // seq_cst: pairs with ck_pool_run's load
                    while (current_job(p) == seen && !atomic_load(&p->stop))
                        pthread_cond_wait(&p->wake, &p->mutex);
                    atomic_fetch_sub(&p->sleepers, 1);
                    pthread_mutex_unlock(&p->mutex);
                    deadline = 0;
                }
            }
        }
        if (atomic_load(&p->stop)) return NULL;
        seen = drain(p);
    }
}

ck_pool *ck_pool_create(int threads, int spin_us) {
    if (threads < 1) threads = 1;
    ck_pool *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    p->threads = threads;
    p->spin_us = spin_us < 0 ? 0 : spin_us;
    // Job 0 has no tasks (count 0), so a fresh worker's drain returns at once.
    pthread_mutex_init(&p->mutex, NULL);
    pthread_cond_init(&p->wake, NULL);
    p->workers = calloc((size_t)threads, sizeof(pthread_t));
    if (!p->workers) { free(p); return NULL; }
    for (int i = 0; i < threads - 1; i++) {
        if (pthread_create(&p->workers[i], NULL, worker_main, p) != 0) {
            p->threads = i + 1;
            ck_pool_destroy(p);
            return NULL;
        }
    }
    return p;
}

void ck_pool_destroy(ck_pool *p) {
    if (!p) return;
    pthread_mutex_lock(&p->mutex);
    atomic_store(&p->stop, 1);
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->mutex);
    for (int i = 0; i < p->threads - 1; i++) pthread_join(p->workers[i], NULL);
    pthread_cond_destroy(&p->wake);
    pthread_mutex_destroy(&p->mutex);
    free(p->workers);
    free(p);
}

int ck_pool_threads(const ck_pool *p) { return p ? p->threads : 1; }

void ck_pool_run(ck_pool *p, ck_task_fn fn, void *context, int count) {
    if (count <= 0) return;
    int expected = 0;
    if (!p || p->threads == 1 || count == 1 ||
        !atomic_compare_exchange_strong(&p->busy, &expected, 1)) {
        for (int i = 0; i < count; i++) fn(context, i);
        return;
    }
    uint32_t job = current_job(p) + 1;
    ck_job *j = &p->jobs[job & 1];
    j->fn = fn;
    j->context = context;
    atomic_store_explicit(&j->count, count, memory_order_relaxed);
    atomic_store_explicit(&j->done, 0, memory_order_relaxed);
    atomic_store(&p->cursor, (uint64_t)job << 32);  // seq_cst: publishes the job
    if (atomic_load(&p->sleepers) > 0) {
        pthread_mutex_lock(&p->mutex);
        pthread_cond_broadcast(&p->wake);
        pthread_mutex_unlock(&p->mutex);
    }
    drain(p);
    while (atomic_load_explicit(&j->done, memory_order_acquire) < count) CK_PAUSE();
    atomic_store_explicit(&p->busy, 0, memory_order_release);
}
