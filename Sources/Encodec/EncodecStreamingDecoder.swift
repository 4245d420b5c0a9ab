import Tensors

/// Decodes EnCodec codes arriving in chunks of any number of frames, keeping each layer's state
/// between chunks (convolution history, LSTM `(h, c)`, transposed-convolution overlap), so that
/// the concatenation of every `decode(_:)` output and the final `finish()` equals
/// `EncodecModel.decode(codes:)` of the whole sequence.
///
/// Latency: the decoder's first convolution reflects its input at the start, so it holds the
/// first chunks back until more than `kernel_size − 1` frames (7 frames = 2240 samples ≈ 93 ms for
/// the 24 kHz model) have arrived; after that every frame yields its `hopLength` samples at once
/// (causal model, `trim_right_ratio` 1: nothing is held back in steady state). A stream shorter
/// than that start comes out entirely at `finish()`. Non-causal models also hold back each
/// convolution's right padding until `finish()`. `startupFrames` gives the exact figure.
///
/// A value type: copy it to fork a stream. Not for concurrent use of one value; distinct values
/// may run on different threads. Allocates per chunk (not realtime-safe).
public struct EncodecStreamingDecoder: Sendable {
    let model: EncodecModel
    private var chain: StreamingChain
    private var codebooks: Int?
    private var finished = false
    /// Frames accepted so far.
    public private(set) var framesReceived = 0
    /// Samples returned so far.
    public private(set) var samplesEmitted = 0

    init(model: EncodecModel) {
        self.model = model
        chain = StreamingChain(nodes: model.decoder.layers.map(StreamingNode.init))
    }

    /// Frames that must arrive before the first sample comes out (a stream that ends earlier is
    /// released by `finish()`): `max(padLeft, padRight) + 1` of the first decoder convolution,
    /// `kernel_size` (7, i.e. 2240 samples) for causal models such as Bark's codec.
    public var startupFrames: Int {
        guard case let .conv(first)? = model.decoder.layers.first else { return 1 }
        return max(first.padding.left, first.padding.right) + 1
    }

    /// Decodes the next `codes[codebook][frame]` chunk (any number of frames, 0 included) and
    /// returns the samples that are now final (mono, `samplingRate`).
    ///
    /// - Throws: `EncodecError` for invalid codes, a codebook count differing from the first
    ///   chunk's, or a call after `finish()`.
    public mutating func decode(_ codes: [[Int]]) throws -> [Float] {
        if finished { throw EncodecError.streamFinished }
        try model.validate(codes: codes, allowEmptyFrames: true)
        if let codebooks, codebooks != codes.count {
            throw EncodecError.codebookCountChanged(given: codes.count, expected: codebooks)
        }
        codebooks = codes.count
        guard !codes[0].isEmpty else { return [] }
        framesReceived += codes[0].count
        let samples = chain.step(model.quantizer.decode(codes)).scalars
        samplesEmitted += samples.count
        return samples
    }

    /// Ends the stream and returns the samples still held back. Later calls return `[]`.
    public mutating func finish() -> [Float] {
        guard !finished else { return [] }
        finished = true
        let samples = chain.finish().scalars
        samplesEmitted += samples.count
        return samples
    }
}
