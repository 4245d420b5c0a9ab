#include "fuzz_driver.h"

#include <stddef.h>
#include <stdint.h>

// Provided by the fuzz target (a Swift `@_cdecl` function) and by libFuzzer's runtime.
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*test)(const uint8_t *data, size_t size));

int omnibark_fuzz_main(int argc, char **argv) {
    return LLVMFuzzerRunDriver(&argc, &argv, LLVMFuzzerTestOneInput);
}
