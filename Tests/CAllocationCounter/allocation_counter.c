// See include/allocation_counter.h.
#define _GNU_SOURCE
#include "allocation_counter.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

// glibc's allocator entry points (exported by libc.so.6 since GLIBC_2.2.5).
extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t count, size_t size);
extern void *__libc_realloc(void *pointer, size_t size);
extern void __libc_free(void *pointer);
extern void *__libc_memalign(size_t alignment, size_t size);
extern void *__libc_valloc(size_t size);
extern void *__libc_pvalloc(size_t size);

// pthread_t is an unsigned long on glibc; 0 means "nobody watched" (no live thread has id 0).
static _Atomic unsigned long watched_thread = 0;
static _Atomic long counts[allocation_counter_function_count];

static inline void count_call(allocation_counter_function function) {
    unsigned long watched = atomic_load_explicit(&watched_thread, memory_order_relaxed);
    if (watched == 0) return;  // the common case: one load, no pthread_self
    if ((unsigned long)pthread_self() != watched) return;
    atomic_fetch_add_explicit(&counts[function], 1, memory_order_relaxed);
}

void *malloc(size_t size) {
    count_call(allocation_counter_malloc);
    return __libc_malloc(size);
}

void *calloc(size_t count, size_t size) {
    count_call(allocation_counter_calloc);
    return __libc_calloc(count, size);
}

void *realloc(void *pointer, size_t size) {
    count_call(allocation_counter_realloc);
    return __libc_realloc(pointer, size);
}

void free(void *pointer) {
    count_call(allocation_counter_free);
    __libc_free(pointer);
}

int posix_memalign(void **result, size_t alignment, size_t size) {
    count_call(allocation_counter_posix_memalign);
    // POSIX: a power of two and a multiple of sizeof(void *).
    if (alignment == 0 || (alignment & (alignment - 1)) != 0 || alignment % sizeof(void *) != 0) return EINVAL;
    void *pointer = __libc_memalign(alignment, size);
    if (pointer == NULL && size != 0) return ENOMEM;
    *result = pointer;
    return 0;
}

void *aligned_alloc(size_t alignment, size_t size) {
    count_call(allocation_counter_aligned_alloc);
    return __libc_memalign(alignment, size);
}

void *memalign(size_t alignment, size_t size) {
    count_call(allocation_counter_memalign);
    return __libc_memalign(alignment, size);
}

void *valloc(size_t size) {
    count_call(allocation_counter_valloc);
    return __libc_valloc(size);
}

void *pvalloc(size_t size) {
    count_call(allocation_counter_pvalloc);
    return __libc_pvalloc(size);
}

void allocation_counter_watch(pthread_t thread) {
    atomic_store_explicit(&watched_thread, (unsigned long)thread, memory_order_seq_cst);
}

void allocation_counter_unwatch(void) {
    atomic_store_explicit(&watched_thread, 0, memory_order_seq_cst);
}

void allocation_counter_reset(void) {
    for (int i = 0; i < allocation_counter_function_count; i++) {
        atomic_store_explicit(&counts[i], 0, memory_order_relaxed);
    }
}

long allocation_counter_count(allocation_counter_function function) {
    if ((int)function < 0 || function >= allocation_counter_function_count) return 0;
    return atomic_load_explicit(&counts[function], memory_order_relaxed);
}

long allocation_counter_total(void) {
    long total = 0;
    for (int i = 0; i < allocation_counter_function_count; i++) {
        total += atomic_load_explicit(&counts[i], memory_order_relaxed);
    }
    return total;
}

int allocation_counter_is_interposed(void) {
    // What the dynamic linker resolves "malloc" to for the whole process (the global scope),
    // compared with this file's definition.
    void *resolved = dlsym(RTLD_DEFAULT, "malloc");
    return resolved == (void *)&malloc;
}
