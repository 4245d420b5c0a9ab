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

// Network streaming (NetworkStreaming target): the encoder settings `omnibark serve` exposes.
static inline int omnibark_ope_set_complexity(OggOpusEnc *enc, opus_int32 complexity) {
    return ope_encoder_ctl(enc, OPUS_SET_COMPLEXITY(complexity));
}
/// `duration` is one of the OPUS_FRAMESIZE_* constants (OPUS_FRAMESIZE_20_MS, …).
static inline int omnibark_ope_set_frame_duration(OggOpusEnc *enc, opus_int32 duration) {
    return ope_encoder_ctl(enc, OPUS_SET_EXPERT_FRAME_DURATION(duration));
}
/// OPUS_SIGNAL_VOICE, OPUS_SIGNAL_MUSIC or OPUS_AUTO.
static inline int omnibark_ope_set_signal(OggOpusEnc *enc, opus_int32 signal) {
    return ope_encoder_ctl(enc, OPUS_SET_SIGNAL(signal));
}
/// OPUS_APPLICATION_VOIP, OPUS_APPLICATION_AUDIO or OPUS_APPLICATION_RESTRICTED_LOWDELAY.
static inline int omnibark_ope_set_application(OggOpusEnc *enc, opus_int32 application) {
    return ope_encoder_ctl(enc, OPUS_SET_APPLICATION(application));
}
static inline int omnibark_ope_set_vbr(OggOpusEnc *enc, opus_int32 vbr) {
    return ope_encoder_ctl(enc, OPUS_SET_VBR(vbr));
}
static inline int omnibark_ope_set_serialno(OggOpusEnc *enc, opus_int32 serial) {
    return ope_encoder_ctl(enc, OPE_SET_SERIALNO(serial));
}
static inline int omnibark_ope_get_lookahead(OggOpusEnc *enc, opus_int32 *lookahead) {
    return ope_encoder_ctl(enc, OPUS_GET_LOOKAHEAD(lookahead));
}
