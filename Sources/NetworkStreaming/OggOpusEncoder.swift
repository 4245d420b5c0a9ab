import COpus

/// What can go wrong while encoding Ogg Opus.
public enum OpusStreamingError: Error, Sendable, Equatable, CustomStringConvertible {
    case encoder(operation: String, code: Int32, message: String)
    case invalidSetting(String)
    case finished

    public var description: String {
        switch self {
        case let .encoder(operation, code, message): "libopusenc \(operation) failed (\(code)): \(message)"
        case let .invalidSetting(message): "invalid Opus setting: \(message)"
        case .finished: "the Opus stream has already ended"
        }
    }
}

/// Encodes mono float PCM into an Ogg Opus stream with libopusenc's pull API, one page at a time.
///
/// The ID and comment header pages are kept apart (`headerPages`) so a listener that joins late
/// can be sent them first and then live pages. Pages are short (the muxing delay, 20 ms by
/// default), so a page leaves the encoder soon after its audio went in.
///
/// Not thread safe: one caller at a time (the broadcaster guards it with a lock).
public final class OggOpusEncoder {
    public enum Application: String, Sendable, CaseIterable {
        /// Best for speech intelligibility (OPUS_APPLICATION_VOIP).
        case voip
        /// Best for fidelity, music (OPUS_APPLICATION_AUDIO).
        case audio
        /// Lowest algorithmic delay, CELT only (OPUS_APPLICATION_RESTRICTED_LOWDELAY).
        case lowDelay = "lowdelay"
    }

    public struct Settings: Sendable, Equatable {
        /// Input sample rate: 8, 12, 16, 24 or 48 kHz are native to libopus (Bark: 24 kHz).
        public var sampleRate = 24_000
        /// Bits per second (6,000…510,000).
        public var bitrate = 48_000
        /// Frame duration in milliseconds: 2.5, 5, 10, 20, 40 or 60.
        public var frameMilliseconds = 20.0
        public var application = Application.audio
        /// 0 (fastest) … 10 (best).
        public var complexity = 10
        /// Largest page duration, in 48 kHz samples (960 = 20 ms pages; libopusenc's default is 1 s).
        public var muxingDelay = 960
        /// Ogg stream serial number; random when nil.
        public var serialNumber: Int32?

        public init() {}
        public init(bitrate: Int, frameMilliseconds: Double = 20, application: Application = .audio, complexity: Int = 10) {
            self.bitrate = bitrate
            self.frameMilliseconds = frameMilliseconds
            self.application = application
            self.complexity = complexity
        }

        func validate() throws {
            guard [8_000, 12_000, 16_000, 24_000, 48_000].contains(sampleRate) else {
                throw OpusStreamingError.invalidSetting("sample rate \(sampleRate) Hz is not 8, 12, 16, 24 or 48 kHz")
            }
            guard (6_000...510_000).contains(bitrate) else { throw OpusStreamingError.invalidSetting("bitrate \(bitrate) is outside 6000…510000 bit/s") }
            guard (0...10).contains(complexity) else { throw OpusStreamingError.invalidSetting("complexity \(complexity) is outside 0…10") }
            guard frameDurationConstant != nil else {
                throw OpusStreamingError.invalidSetting("frame size \(frameMilliseconds) ms is not 2.5, 5, 10, 20, 40 or 60")
            }
            guard muxingDelay >= 0 && muxingDelay <= 96_000 else { throw OpusStreamingError.invalidSetting("muxing delay \(muxingDelay) is outside 0…96000") }
        }

        var frameDurationConstant: Int32? {
            switch frameMilliseconds {
            case 2.5: 5001  // OPUS_FRAMESIZE_2_5_MS
            case 5: 5002
            case 10: 5003
            case 20: 5004
            case 40: 5005
            case 60: 5006
            default: nil
            }
        }
    }

    public let settings: Settings
    /// The ID header page and the comment header page(s).
    public private(set) var headerPages: [OggPage] = []
    /// Samples (per channel) written so far.
    public private(set) var samplesWritten = 0
    /// Encoder lookahead in 48 kHz samples (the pre-skip a decoder drops).
    public let preSkip: Int
    private var encoder: OpaquePointer?

    public init(settings: Settings = Settings()) throws {
        try settings.validate()
        self.settings = settings
        guard let comments = ope_comments_create() else { throw OpusStreamingError.encoder(operation: "ope_comments_create", code: OPE_ALLOC_FAIL, message: "out of memory") }
        defer { ope_comments_destroy(comments) }
        _ = ope_comments_add(comments, "ENCODER", "OmniBark")
        var error: Int32 = 0
        guard let encoder = ope_encoder_create_pull(comments, Int32(settings.sampleRate), 1, 0, &error) else {
            throw Self.failure("ope_encoder_create_pull", error)
        }
        func check(_ operation: String, _ code: Int32) throws {
            if code != OPE_OK {
                ope_encoder_destroy(encoder)
                throw OggOpusEncoder.failure(operation, code)
            }
        }
        let application: Int32 = switch settings.application {
        case .voip: OPUS_APPLICATION_VOIP
        case .audio: OPUS_APPLICATION_AUDIO
        case .lowDelay: OPUS_APPLICATION_RESTRICTED_LOWDELAY
        }
        try check("OPUS_SET_APPLICATION", omnibark_ope_set_application(encoder, application))
        try check("OPUS_SET_SIGNAL", omnibark_ope_set_signal(encoder, settings.application == .voip ? OPUS_SIGNAL_VOICE : OPUS_AUTO))
        try check("OPUS_SET_BITRATE", omnibark_ope_set_bitrate(encoder, Int32(settings.bitrate)))
        try check("OPUS_SET_COMPLEXITY", omnibark_ope_set_complexity(encoder, Int32(settings.complexity)))
        guard let frameDuration = settings.frameDurationConstant else {
            throw OpusStreamingError.invalidSetting("frame size \(settings.frameMilliseconds) ms is not 2.5, 5, 10, 20, 40 or 60")
        }
        try check("OPUS_SET_EXPERT_FRAME_DURATION", omnibark_ope_set_frame_duration(encoder, frameDuration))
        try check("OPE_SET_MUXING_DELAY", omnibark_ope_set_muxing_delay(encoder, Int32(settings.muxingDelay)))
        if let serial = settings.serialNumber { try check("OPE_SET_SERIALNO", omnibark_ope_set_serialno(encoder, serial)) }
        var lookahead: Int32 = 0
        _ = omnibark_ope_get_lookahead(encoder, &lookahead)
        // libopusenc reports the lookahead at the encoder's rate; the header's pre-skip is at 48 kHz.
        try check("ope_encoder_flush_header", ope_encoder_flush_header(encoder))
        preSkip = Int(lookahead) * (48_000 / settings.sampleRate)
        self.encoder = encoder
        headerPages = pullPages(flush: true)
    }

    deinit {
        if let encoder { ope_encoder_destroy(encoder) }
    }

    /// Encodes mono samples in [-1, 1]; returns the pages completed so far (possibly none).
    public func write(_ samples: [Float]) throws -> [OggPage] {
        guard let encoder else { throw OpusStreamingError.finished }
        guard !samples.isEmpty else { return [] }
        let code = samples.withUnsafeBufferPointer { ope_encoder_write_float(encoder, $0.baseAddress, Int32($0.count)) }
        if code != OPE_OK { throw Self.failure("ope_encoder_write_float", code) }
        samplesWritten += samples.count
        return pullPages(flush: false)
    }

    /// Writes `count` samples of silence.
    public func writeSilence(_ count: Int) throws -> [OggPage] {
        try write([Float](repeating: 0, count: count))
    }

    /// Ends the stream: encodes what is buffered and returns the last pages (the last one has the
    /// end-of-stream flag). Later writes throw.
    public func finish() throws -> [OggPage] {
        guard let encoder else { throw OpusStreamingError.finished }
        if samplesWritten == 0 {
            // libopusenc sets a stream's end position only in a write; draining a stream that never
            // had one reads it uninitialized and, with a reused heap block, aborts the process on an
            // assertion (`enc->streams == NULL` in ope_encoder_drain). A write of zero samples sets it.
            let empty: [Float] = [0]
            let code = empty.withUnsafeBufferPointer { ope_encoder_write_float(encoder, $0.baseAddress, 0) }
            if code != OPE_OK { throw Self.failure("ope_encoder_write_float", code) }
        }
        let code = ope_encoder_drain(encoder)
        if code != OPE_OK { throw Self.failure("ope_encoder_drain", code) }
        let pages = pullPages(flush: true)
        ope_encoder_destroy(encoder)
        self.encoder = nil
        return pages
    }

    /// Seconds of input audio a page's granule position reaches (its end time in the stream).
    public func endTime(of page: OggPage) -> Double? {
        let granule = page.granulePosition
        guard granule >= 0 else { return nil }
        return Double(max(0, Int(granule) - preSkip)) / 48_000
    }

    private func pullPages(flush: Bool) -> [OggPage] {
        guard let encoder else { return [] }
        var pages: [OggPage] = []
        while true {
            var pointer: UnsafeMutablePointer<UInt8>?
            var length: Int32 = 0
            guard ope_encoder_get_page(encoder, &pointer, &length, flush ? 1 : 0) != 0, let pointer, length > 0 else { break }
            if let page = OggPage(bytes: Array(UnsafeBufferPointer(start: pointer, count: Int(length)))) { pages.append(page) }
        }
        return pages
    }

    private static func failure(_ operation: String, _ code: Int32) -> OpusStreamingError {
        .encoder(operation: operation, code: code, message: String(cString: ope_strerror(code)))
    }
}
