// PNG and JPEG decoding to RGB with setjmp/longjmp error recovery (see shim.h).
#include "shim.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <jerror.h>
#include <png.h>

void cimage_free(uint8_t *pixels) { free(pixels); }

static void set_message(cimage_result *result, int status, const char *message) {
    result->status = status;
    snprintf(result->message, sizeof result->message, "%s", message);
}

static int dimensions_allowed(cimage_result *result, uint32_t width, uint32_t height, uint32_t max_side,
                              uint64_t max_pixels) {
    result->width = width;
    result->height = height;
    if (width == 0 || height == 0) {
        snprintf(result->message, sizeof result->message, "image is %ux%u: zero extent", width, height);
        result->status = CIMAGE_CORRUPT;
        return 0;
    }
    if (width > max_side || height > max_side || (uint64_t)width * height > max_pixels) {
        snprintf(result->message, sizeof result->message,
                 "image is %ux%u; the limits are %u pixels a side and %llu pixels in all", width, height,
                 max_side, (unsigned long long)max_pixels);
        result->status = CIMAGE_TOO_LARGE;
        return 0;
    }
    return 1;
}

// MARK: - PNG

typedef struct {
    const uint8_t *data;
    size_t size;
    size_t offset;
    cimage_result *result;
    int truncated;
} png_source;

static void png_read_memory(png_structp png, png_bytep out, size_t count) {
    png_source *source = (png_source *)png_get_io_ptr(png);
    if (count > source->size - source->offset) {
        source->truncated = 1;
        png_error(png, "file ends before the image data does");
    }
    memcpy(out, source->data + source->offset, count);
    source->offset += count;
}

static void png_fail(png_structp png, png_const_charp message) {
    png_source *source = (png_source *)png_get_error_ptr(png);
    set_message(source->result, source->truncated ? CIMAGE_TRUNCATED : CIMAGE_CORRUPT, message);
    png_longjmp(png, 1);
}

static void png_warn(png_structp png, png_const_charp message) {
    (void)png;
    (void)message;
}

void cimage_decode_png(const uint8_t *data, size_t size, uint32_t max_side, uint64_t max_pixels,
                       cimage_result *result) {
    memset(result, 0, sizeof *result);
    if (size < 8 || png_sig_cmp(data, 0, 8) != 0) {
        set_message(result, CIMAGE_NOT_THIS_FORMAT, "no PNG signature");
        return;
    }
    png_source source = {data, size, 0, result, 0};
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &source, png_fail, png_warn);
    if (!png) {
        set_message(result, CIMAGE_OUT_OF_MEMORY, "cannot create a libpng reader");
        return;
    }
    png_infop info = png_create_info_struct(png);
    // Written between setjmp and a possible longjmp, so volatile.
    uint8_t *volatile rows = NULL;
    png_bytep *volatile row_pointers = NULL;
    if (!info) {
        png_destroy_read_struct(&png, NULL, NULL);
        set_message(result, CIMAGE_OUT_OF_MEMORY, "cannot create a libpng info struct");
        return;
    }
    if (setjmp(png_jmpbuf(png))) {
        free(rows);
        free(row_pointers);
        png_destroy_read_struct(&png, &info, NULL);
        result->pixels = NULL;
        return;
    }
    png_set_read_fn(png, &source, png_read_memory);
    // Our own limits are checked below; libpng's only guard against absurd headers first.
    png_set_user_limits(png, 1u << 20, 1u << 20);
    png_read_info(png, info);

    png_uint_32 width = 0, height = 0;
    int bit_depth = 0, color_type = 0;
    png_get_IHDR(png, info, &width, &height, &bit_depth, &color_type, NULL, NULL, NULL);
    if (!dimensions_allowed(result, width, height, max_side, max_pixels)) {
        png_destroy_read_struct(&png, &info, NULL);
        return;
    }

    if (bit_depth == 16) png_set_strip_16(png);  // keep the high byte, as Pillow does for 16-bit RGB(A)
    if (color_type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (color_type == PNG_COLOR_TYPE_GRAY && bit_depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    if (color_type == PNG_COLOR_TYPE_GRAY || color_type == PNG_COLOR_TYPE_GRAY_ALPHA) png_set_gray_to_rgb(png);
    png_set_strip_alpha(png);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);

    size_t rowbytes = png_get_rowbytes(png, info);
    if (png_get_channels(png, info) != 3 || png_get_bit_depth(png, info) != 8 || rowbytes != (size_t)width * 3) {
        set_message(result, CIMAGE_UNSUPPORTED, "PNG layout did not convert to 8-bit RGB");
        png_destroy_read_struct(&png, &info, NULL);
        return;
    }
    rows = malloc(rowbytes * height);
    row_pointers = malloc(sizeof(png_bytep) * height);
    if (!rows || !row_pointers) {
        free(rows);
        free(row_pointers);
        png_destroy_read_struct(&png, &info, NULL);
        set_message(result, CIMAGE_OUT_OF_MEMORY, "cannot allocate the pixel buffer");
        return;
    }
    for (png_uint_32 y = 0; y < height; y++) row_pointers[y] = rows + (size_t)y * rowbytes;
    png_read_image(png, row_pointers);
    // The image data is complete; a damaged trailer (after IDAT) is of no consequence here.
    free(row_pointers);
    png_destroy_read_struct(&png, &info, NULL);
    result->pixels = rows;
    result->status = CIMAGE_OK;
}

// MARK: - JPEG

typedef struct {
    struct jpeg_error_mgr base;
    jmp_buf jump;
    cimage_result *result;
} jpeg_failure;

static void jpeg_fail(j_common_ptr cinfo) {
    jpeg_failure *failure = (jpeg_failure *)cinfo->err;
    char message[JMSG_LENGTH_MAX];
    (*cinfo->err->format_message)(cinfo, message);
    set_message(failure->result, CIMAGE_CORRUPT, message);
    longjmp(failure->jump, 1);
}

static void jpeg_message(j_common_ptr cinfo, int level) {
    // Level -1 is a warning about corrupt data. Premature end of data is a truncated file: libjpeg
    // would pad it with grey and carry on, Pillow refuses it, and so do we.
    if (level == -1 && cinfo->err->msg_code == JWRN_JPEG_EOF) {
        jpeg_failure *failure = (jpeg_failure *)cinfo->err;
        set_message(failure->result, CIMAGE_TRUNCATED, "file ends before the image data does");
        longjmp(failure->jump, 1);
    }
}

void cimage_decode_jpeg(const uint8_t *data, size_t size, uint32_t max_side, uint64_t max_pixels,
                        cimage_result *result) {
    memset(result, 0, sizeof *result);
    if (size < 3 || data[0] != 0xFF || data[1] != 0xD8 || data[2] != 0xFF) {
        set_message(result, CIMAGE_NOT_THIS_FORMAT, "no JPEG SOI marker");
        return;
    }
    struct jpeg_decompress_struct cinfo;
    jpeg_failure failure;
    uint8_t *volatile pixels = NULL;
    cinfo.err = jpeg_std_error(&failure.base);
    failure.base.error_exit = jpeg_fail;
    failure.base.emit_message = jpeg_message;
    failure.result = result;
    if (setjmp(failure.jump)) {
        jpeg_destroy_decompress(&cinfo);
        free(pixels);
        result->pixels = NULL;
        return;
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, data, (unsigned long)size);
    jpeg_read_header(&cinfo, TRUE);
    if (!dimensions_allowed(result, cinfo.image_width, cinfo.image_height, max_side, max_pixels)) {
        jpeg_destroy_decompress(&cinfo);
        return;
    }
    switch (cinfo.jpeg_color_space) {
    case JCS_GRAYSCALE:
    case JCS_YCbCr:
    case JCS_RGB:
        cinfo.out_color_space = JCS_RGB;
        break;
    default:
        set_message(result, CIMAGE_UNSUPPORTED,
                    cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK
                        ? "CMYK/YCCK JPEG is not supported; convert it to RGB first"
                        : "JPEG colour space is not supported");
        jpeg_destroy_decompress(&cinfo);
        return;
    }
    jpeg_start_decompress(&cinfo);
    if (cinfo.output_components != 3 || cinfo.output_width != cinfo.image_width ||
        cinfo.output_height != cinfo.image_height) {
        set_message(result, CIMAGE_UNSUPPORTED, "JPEG did not convert to RGB");
        jpeg_destroy_decompress(&cinfo);
        return;
    }
    size_t stride = (size_t)cinfo.output_width * 3;
    pixels = malloc(stride * cinfo.output_height);
    if (!pixels) {
        set_message(result, CIMAGE_OUT_OF_MEMORY, "cannot allocate the pixel buffer");
        jpeg_destroy_decompress(&cinfo);
        return;
    }
    while (cinfo.output_scanline < cinfo.output_height) {
        JSAMPROW row = pixels + (size_t)cinfo.output_scanline * stride;
        jpeg_read_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_decompress(&cinfo);
    jpeg_destroy_decompress(&cinfo);
    result->pixels = pixels;
    result->status = CIMAGE_OK;
}
