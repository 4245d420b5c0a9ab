// The SoX Resampler library (Debian: libsoxr-dev; pkg-config `soxr`).
#include <soxr.h>

// soxr's quality recipes are macros aliasing other macros (SOXR_HQ -> SOXR_20_BITQ); name the
// two we use here so Swift does not depend on how the importer treats macro aliases.
static inline unsigned long omnibark_soxr_hq(void) { return SOXR_HQ; }
static inline unsigned long omnibark_soxr_vhq(void) { return SOXR_VHQ; }
