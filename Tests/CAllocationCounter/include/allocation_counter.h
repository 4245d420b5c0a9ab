// A process-wide malloc-family interposer for the tests: counts allocator calls made on ONE
// watched thread (e.g. a JACK process thread) and forwards every call to glibc's own allocator.
//
// Linked into the test binary, its malloc, calloc, realloc, free, posix_memalign, aligned_alloc,
// memalign, valloc and pvalloc replace glibc's for the whole process (the executable's symbols
// win over libc.so's, also for calls from shared libraries such as libswiftCore and libjack).
// They forward to __libc_malloc & co., so memory from either side stays interchangeable.
//
// Cost for unwatched threads: one relaxed atomic load per call (no pthread_self, no counting).
// Nothing here allocates, and nothing runs before main, so calls made during libc start-up
// (before any thread is watched) go straight through.
//
// Thread safety: all functions may be called from any thread; counters are C11 atomics.
#ifndef OMNIBARK_ALLOCATION_COUNTER_H
#define OMNIBARK_ALLOCATION_COUNTER_H

#include <pthread.h>

/// Which allocator entry point a count refers to.
typedef enum {
    allocation_counter_malloc = 0,
    allocation_counter_calloc,
    allocation_counter_realloc,
    allocation_counter_free,
    allocation_counter_posix_memalign,
    allocation_counter_aligned_alloc,
    allocation_counter_memalign,
    allocation_counter_valloc,
    allocation_counter_pvalloc,
    allocation_counter_function_count
} allocation_counter_function;

/// Starts counting calls made on `thread` (replacing any previously watched thread).
void allocation_counter_watch(pthread_t thread);
/// Stops counting (no thread watched).
void allocation_counter_unwatch(void);
/// Sets all counts to zero.
void allocation_counter_reset(void);
/// Calls counted for one entry point since the last reset.
long allocation_counter_count(allocation_counter_function function);
/// Calls counted for all entry points since the last reset.
long allocation_counter_total(void);
/// 1: this file's malloc is the one the process uses (a malloc through a function pointer
/// resolved by the dynamic linker lands here); 0 otherwise.
int allocation_counter_is_interposed(void);

#endif
