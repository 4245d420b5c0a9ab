// Hands control to libFuzzer's driver. SwiftPM links every executable with `main` aliased to the
// module's `@main` entry point, which shadows libFuzzer's own `main`; each fuzz target's `@main`
// therefore calls `omnibark_fuzz_main`, which does exactly what libFuzzer's `main` would.
#ifndef OMNIBARK_FUZZ_DRIVER_H
#define OMNIBARK_FUZZ_DRIVER_H

/// Runs libFuzzer (parsing its command-line flags) over the executable's `LLVMFuzzerTestOneInput`
/// and returns its exit status. Only links when built with `-sanitize=fuzzer`.
int omnibark_fuzz_main(int argc, char **argv);

#endif
