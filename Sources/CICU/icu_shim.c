// The ICU calls behind shim.h (see there for why Swift does not include ICU's headers).
#include "shim.h"

#include <unicode/uspoof.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>
#include <unicode/utypes.h>

void *omnibark_uspoof_open(int32_t *status) {
    UErrorCode code = U_ZERO_ERROR;
    USpoofChecker *checker = uspoof_open(&code);
    *status = (int32_t)code;
    return U_FAILURE(code) ? NULL : checker;
}

void omnibark_uspoof_close(void *checker) {
    if (checker) uspoof_close((USpoofChecker *)checker);
}

int32_t omnibark_uspoof_skeleton(const void *checker, const uint16_t *text, int32_t length,
                                 uint16_t *destination, int32_t capacity, int32_t *status) {
    UErrorCode code = U_ZERO_ERROR;
    int32_t result = uspoof_getSkeleton((const USpoofChecker *)checker, 0, (const UChar *)text, length,
                                        (UChar *)destination, capacity, &code);
    *status = (int32_t)code;
    return result;
}

int32_t omnibark_normalize(int compatibility, const uint16_t *text, int32_t length,
                           uint16_t *destination, int32_t capacity, int32_t *status) {
    UErrorCode code = U_ZERO_ERROR;
    const UNormalizer2 *normalizer = compatibility ? unorm2_getNFKCInstance(&code) : unorm2_getNFDInstance(&code);
    int32_t result = 0;
    if (U_SUCCESS(code)) {
        result = unorm2_normalize(normalizer, (const UChar *)text, length, (UChar *)destination, capacity, &code);
    }
    *status = (int32_t)code;
    return result;
}

int32_t omnibark_fold_case(const uint16_t *text, int32_t length, uint16_t *destination, int32_t capacity,
                           int32_t *status) {
    UErrorCode code = U_ZERO_ERROR;
    int32_t result = u_strFoldCase((UChar *)destination, capacity, (const UChar *)text, length, U_FOLD_CASE_DEFAULT, &code);
    *status = (int32_t)code;
    return result;
}

const char *omnibark_icu_error_name(int32_t status) {
    return u_errorName((UErrorCode)status);
}
