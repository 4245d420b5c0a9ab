// glibc allocator tuning for the hot path (see LargeAllocationPolicy in the omnibark target).
#include "ckernels.h"
#if defined(__GLIBC__)
#include <malloc.h>
#endif

int ck_keep_large_allocations(int mmap_threshold, int trim_threshold) {
#if defined(__GLIBC__)
    return mallopt(M_MMAP_THRESHOLD, mmap_threshold) == 1 && mallopt(M_TRIM_THRESHOLD, trim_threshold) == 1;
#else
    (void)mmap_threshold;
    (void)trim_threshold;
    return 0;
#endif
}
