// Image decoding over libpng and libjpeg(-turbo) (Debian: libpng-dev, libjpeg62-turbo-dev).
//
// libpng and libjpeg report fatal errors by longjmp; Swift cannot host a setjmp, so all decoding
// happens in image_decode.c and Swift sees only these plain functions. They never abort the process:
// every failure comes back as a status code plus a message.
#ifndef OMNIBARK_CIMAGE_SHIM_H
#define OMNIBARK_CIMAGE_SHIM_H

#include <stddef.h>
#include <stdint.h>

enum {
    CIMAGE_OK = 0,
    /// The bytes do not start with this format's signature.
    CIMAGE_NOT_THIS_FORMAT = 1,
    /// The data ends before the image does.
    CIMAGE_TRUNCATED = 2,
    /// The library rejected the data (bad header, bad CRC, corrupt stream…).
    CIMAGE_CORRUPT = 3,
    /// Valid, but a kind this decoder does not convert (e.g. CMYK JPEG).
    CIMAGE_UNSUPPORTED = 4,
    /// Width, height or pixel count over the caller's limits; nothing was allocated.
    CIMAGE_TOO_LARGE = 5,
    /// malloc failed.
    CIMAGE_OUT_OF_MEMORY = 6,
};

/// Result of one decode. On CIMAGE_OK, `pixels` holds width·height·3 bytes of RGB (row-major, HWC)
/// allocated with malloc: release it with `cimage_free`. On failure `pixels` is NULL, `message` says
/// why, and `width`/`height` are set when the header was read.
typedef struct {
    int status;
    uint32_t width;
    uint32_t height;
    uint8_t *pixels;
    char message[200];
} cimage_result;

/// Decodes a PNG held in memory to 8-bit RGB: 16-bit samples keep their high byte, palette and grey
/// are expanded, alpha and tRNS are dropped (not composited), gamma chunks are ignored.
void cimage_decode_png(const uint8_t *data, size_t size, uint32_t max_side, uint64_t max_pixels,
                       cimage_result *result);

/// Decodes a JPEG held in memory (baseline or progressive, YCbCr, RGB or greyscale) to 8-bit RGB
/// with libjpeg's default (ISLOW) IDCT and fancy upsampling. CMYK/YCCK is CIMAGE_UNSUPPORTED.
/// A stream that ends early is CIMAGE_TRUNCATED (libjpeg would otherwise pad it with grey).
void cimage_decode_jpeg(const uint8_t *data, size_t size, uint32_t max_side, uint64_t max_pixels,
                        cimage_result *result);

/// Frees `pixels` from a result.
void cimage_free(uint8_t *pixels);

#endif
