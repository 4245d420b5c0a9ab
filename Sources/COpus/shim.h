// libopus and libopusenc (Debian: libopus-dev, libopusenc-dev). pkg-config `libopusenc` adds
// -I/usr/include/opus, which opusenc.h needs for <opus.h>.
#include <opus.h>
#include <opusenc.h>

// Swift cannot call C variadic functions: the ctl calls the engine uses are wrapped here.
static inline int omnibark_opus_encoder_set_bitrate(OpusEncoder *enc, opus_int32 bitrate) {
    return opus_encoder_ctl(enc, OPUS_SET_BITRATE(bitrate));
}
static inline int omnibark_ope_set_muxing_delay(OggOpusEnc *enc, opus_int32 samples48k) {
    return ope_encoder_ctl(enc, OPE_SET_MUXING_DELAY(samples48k));
}
static inline int omnibark_ope_set_bitrate(OggOpusEnc *enc, opus_int32 bitrate) {
    return ope_encoder_ctl(enc, OPUS_SET_BITRATE(bitrate));
}
