// A persistent thread pool. One 64-bit atomic, the cursor, holds the job id (24 bits), the job's
// task count (20 bits) and the next task index (20 bits); a thread takes a task with one
// fetch-add and learns from that same value whether the index is a task of that job. Workers
// spin briefly on the cursor after each job, then sleep on a condition variable. Job descriptors
// (function, context, done count) alternate between two slots: slot (j & 1) is rewritten only for
// job j + 2, which cannot start before job j + 1 (and so job j) has finished every task, so a
// thread holding a valid index of job j reads job j's descriptor. The count is in the cursor, not
// only in the slot, because a thread that took an index past the end of job j and was preempted
// before reading the slot's count could read job j + 2's count there, find its stale index in
// range, and run that job's task a second time (the caller then returned before its job was done:
// a crash seen once in about forty live runs with a core kept busy). One job at a time; a caller
// that finds the pool busy runs its job alone on its own thread.
//
// Stragglers. A worker that the kernel preempts (another process keeps its core busy) holds the
// task it took until it is scheduled again, milliseconds later, while the caller spins for it: on
// two cores with one of them taken, a decoding step slowed about four times. So the caller times
// each job — its own share of the work, then its wait for the last task — and, when waiting took
// a quarter or more of the pool's job time over a measuring window (5 ms of job time, or 100 ms),
// runs every job on its own thread for a while (10 ms, doubling while it keeps happening, up to
// 160 ms; halved by each window without stragglers), then tries the workers again. On a quiet
// machine the caller waits at most for one short task per job, far below the threshold; in the
// live engine the decoding thread's bursts can trigger it for a few milliseconds. Measured on
// bark-small shapes, 2 threads, one core kept busy: a live run at 0.94–0.98 times real time with
// it, 1.02–1.08 without (`back_off` 0 turns it off; OMNIBARK_POOL_BACKOFF=0 for the shared pool).
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
    _Atomic int done;
} ck_job;

// The cursor's fields. Jobs of more than CK_MAX_TASKS tasks run on the caller alone; a job's
// index never passes its count by more than the number of threads, far below 2^20.
#define CK_INDEX_BITS 20
#define CK_COUNT_BITS 20
#define CK_JOB_SHIFT (CK_INDEX_BITS + CK_COUNT_BITS)
#define CK_FIELD_MASK ((1u << CK_INDEX_BITS) - 1)
#define CK_JOB_MASK ((1u << (64 - CK_JOB_SHIFT)) - 1)
#define CK_MAX_TASKS ((int)CK_FIELD_MASK >> 1)

struct ck_pool {
    int threads;
    int spin_us;
    pthread_t *workers;
    _Atomic uint64_t cursor;  // job id << 40 | task count << 20 | next index
    _Atomic int sleepers;
    _Atomic int stop;
    _Atomic int busy;
    ck_job jobs[2];
    pthread_mutex_t mutex;
    pthread_cond_t wake;
    // Straggler back-off: read and written only by the caller holding `busy`.
    long long window_busy_ns;   // job time (start to all tasks done) in the current window
    long long window_wait_ns;   // of which the caller waited for other threads' tasks
    long long window_start_ns;  // 0: the next parallel job starts a window
    long long inline_until_ns;  // jobs before this time run on the caller alone
    long long backoff_ns;       // the next back-off's length
    int backoff_enabled;        // ck_pool_create's `back_off`
    // Counters for `ck_pool_contention` (relaxed atomics: read from any thread).
    _Atomic uint64_t backoffs;
    _Atomic uint64_t inline_jobs;
    _Atomic uint64_t parallel_jobs;
};

enum {
    CK_WINDOW_BUSY_NS = 5000000,       // evaluate after 5 ms of pool job time …
    CK_WINDOW_WALL_NS = 100000000,     // … or 100 ms of wall time with at least some jobs
    CK_BACKOFF_MIN_NS = 10000000,
    CK_BACKOFF_MAX_NS = 160000000,
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
        uint32_t job = (uint32_t)(v >> CK_JOB_SHIFT);
        uint32_t count = (uint32_t)(v >> CK_INDEX_BITS) & CK_FIELD_MASK, index = (uint32_t)v & CK_FIELD_MASK;
        if (index >= count) return job;
        ck_job *j = &p->jobs[job & 1];
        j->fn(j->context, (int)index);
        atomic_fetch_add_explicit(&j->done, 1, memory_order_release);
    }
}

static uint32_t current_job(ck_pool *p) {
    return (uint32_t)(atomic_load_explicit(&p->cursor, memory_order_acquire) >> CK_JOB_SHIFT);
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

ck_pool *ck_pool_create(int threads, int spin_us, int back_off) {
    if (threads < 1) threads = 1;
    ck_pool *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    p->threads = threads;
    p->spin_us = spin_us < 0 ? 0 : spin_us;
    p->backoff_ns = CK_BACKOFF_MIN_NS;
    p->backoff_enabled = back_off != 0;
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

/// The straggler policy (see the top of this file), after a parallel job that started at `start`,
/// whose caller ran out of tasks at `drained` and saw every task done at `end`.
static void note_job(ck_pool *p, long long start, long long drained, long long end) {
    if (p->window_start_ns == 0) p->window_start_ns = start;
    p->window_busy_ns += end - start;
    p->window_wait_ns += end - drained;
    if (p->window_busy_ns < CK_WINDOW_BUSY_NS && end - p->window_start_ns < CK_WINDOW_WALL_NS) return;
    if (p->backoff_enabled && 4 * p->window_wait_ns >= p->window_busy_ns) {
        p->inline_until_ns = end + p->backoff_ns;
        p->backoff_ns = p->backoff_ns * 2 > CK_BACKOFF_MAX_NS ? CK_BACKOFF_MAX_NS : p->backoff_ns * 2;
        atomic_fetch_add_explicit(&p->backoffs, 1, memory_order_relaxed);
    } else if (20 * p->window_wait_ns < p->window_busy_ns) {
        p->backoff_ns = p->backoff_ns / 2 < CK_BACKOFF_MIN_NS ? CK_BACKOFF_MIN_NS : p->backoff_ns / 2;
    }
    p->window_start_ns = 0;
    p->window_busy_ns = 0;
    p->window_wait_ns = 0;
}

void ck_pool_run(ck_pool *p, ck_task_fn fn, void *context, int count) {
    if (count <= 0) return;
    int expected = 0;
    if (!p || p->threads == 1 || count == 1 || count > CK_MAX_TASKS ||
        !atomic_compare_exchange_strong(&p->busy, &expected, 1)) {
        for (int i = 0; i < count; i++) fn(context, i);
        return;
    }
    long long start = now_ns();
    if (start < p->inline_until_ns) {
        for (int i = 0; i < count; i++) fn(context, i);
        atomic_fetch_add_explicit(&p->inline_jobs, 1, memory_order_relaxed);
        atomic_store_explicit(&p->busy, 0, memory_order_release);
        return;
    }
    uint32_t job = (current_job(p) + 1) & CK_JOB_MASK;  // 2^24 is even: the slot parity survives the wrap
    ck_job *j = &p->jobs[job & 1];
    j->fn = fn;
    j->context = context;
    atomic_store_explicit(&j->done, 0, memory_order_relaxed);
    // seq_cst: publishes the job (and the descriptor written above)
    atomic_store(&p->cursor, (uint64_t)job << CK_JOB_SHIFT | (uint64_t)count << CK_INDEX_BITS);
    if (atomic_load(&p->sleepers) > 0) {
        pthread_mutex_lock(&p->mutex);
        pthread_cond_broadcast(&p->wake);
        pthread_mutex_unlock(&p->mutex);
    }
    drain(p);
    long long drained = now_ns();
    while (atomic_load_explicit(&j->done, memory_order_acquire) < count) CK_PAUSE();
    long long end = now_ns();
    atomic_fetch_add_explicit(&p->parallel_jobs, 1, memory_order_relaxed);
    note_job(p, start, drained, end);
    atomic_store_explicit(&p->busy, 0, memory_order_release);
}

void ck_pool_contention(const ck_pool *p, uint64_t *backoffs, uint64_t *inline_jobs, uint64_t *parallel_jobs) {
    *backoffs = p ? atomic_load_explicit(&p->backoffs, memory_order_relaxed) : 0;
    *inline_jobs = p ? atomic_load_explicit(&p->inline_jobs, memory_order_relaxed) : 0;
    *parallel_jobs = p ? atomic_load_explicit(&p->parallel_jobs, memory_order_relaxed) : 0;
}
