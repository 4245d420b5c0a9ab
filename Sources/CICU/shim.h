// ICU's C API (Debian: libicu-dev; pkg-config `icu-i18n`, `icu-uc`) for the guardrails: TR39
// confusable skeletons (uspoof), normalization (unorm2) and case folding (ustring).
//
// Two things keep ICU's own headers out of what Swift sees: Foundation on Linux carries its own
// copy of ICU (module _FoundationICU) whose UErrorCode and UChar definitions clash with Debian's
// when both are imported; and Debian's ICU versions its symbols (uspoof_open is really
// uspoof_open_72, mapped by macros Swift does not import). So icu_shim.c includes ICU and Swift
// sees only these plain functions: UTF-16 as uint16_t, the checker as an opaque pointer, status
// as an int32_t ICU error code (> 0 is a failure).
#ifndef OMNIBARK_CICU_SHIM_H
#define OMNIBARK_CICU_SHIM_H

#include <stdint.h>

/// ICU's U_BUFFER_OVERFLOW_ERROR: the destination was too small; the return value is the length needed.
#define OMNIBARK_ICU_BUFFER_OVERFLOW 15

/// A new spoof checker with ICU's default TR39 confusable data; NULL with `*status` set on failure.
void *omnibark_uspoof_open(int32_t *status);

/// Releases a checker from `omnibark_uspoof_open`.
void omnibark_uspoof_close(void *checker);

/// The TR39 skeleton of `text` (type 0). Safe to call concurrently on one checker.
int32_t omnibark_uspoof_skeleton(const void *checker, const uint16_t *text, int32_t length,
                                 uint16_t *destination, int32_t capacity, int32_t *status);

/// NFKC (`compatibility != 0`) or NFD (`compatibility == 0`) of `text`.
int32_t omnibark_normalize(int compatibility, const uint16_t *text, int32_t length,
                           uint16_t *destination, int32_t capacity, int32_t *status);

/// Full Unicode case folding ("ß" becomes "ss", "Σ" and "ς" become "σ").
int32_t omnibark_fold_case(const uint16_t *text, int32_t length, uint16_t *destination, int32_t capacity,
                           int32_t *status);

/// ICU's name for an error code ("U_MEMORY_ALLOCATION_ERROR").
const char *omnibark_icu_error_name(int32_t status);

#endif
