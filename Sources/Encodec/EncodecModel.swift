import Checkpoints
import Foundation
import Tensors

/// The EnCodec neural audio codec (port of `EncodecModel` in
/// `transformers/models/encodec/modeling_encodec.py`), float32 on the CPU.
///
/// Audio is mono float samples at `configuration.samplingRate` (24 kHz for Bark's codec); codes are
/// `codes[codebook][frame]`, one frame per `configuration.hopLength` samples (320).
///
/// Immutable and `Sendable`: one instance may serve any number of threads at once (each call
/// allocates its own buffers; streaming state lives in `EncodecStreamingDecoder` values).
public struct EncodecModel: Sendable {
    public let configuration: EncodecConfiguration
    let encoder: SEANet
    let decoder: SEANet
    let quantizer: ResidualVectorQuantizer

    /// Reads every weight from `container` under `prefix` (`"codec_model."` inside a Bark
    /// checkpoint, `""` for a stand-alone EnCodec save). Weight norm is folded at load.
    ///
    /// - Throws: `CheckpointError.missingTensor` / `.shapeMismatch` naming the file and tensor.
    public init(configuration: EncodecConfiguration, container: any TensorContainer, prefix: String) throws {
        let reader = EncodecWeightReader(container: container, prefix: prefix)
        self.configuration = configuration
        encoder = try SEANet.encoder(configuration, reader)
        decoder = try SEANet.decoder(configuration, reader)
        quantizer = ResidualVectorQuantizer(codebooks: try (0..<configuration.numQuantizers).map { q in
            try reader.tensor("quantizer.layers.\(q).codebook.embed", shape: [configuration.codebookSize, configuration.codebookDimension])
        })
    }

    /// Loads a stand-alone Hugging Face EnCodec directory: `config.json` plus `model.safetensors`
    /// (preferred) or `pytorch_model.bin`.
    public static func load(directory: URL) throws -> EncodecModel {
        let configuration = try EncodecConfiguration(contentsOf: directory.appendingPathComponent("config.json"))
        let candidates = ["model.safetensors", "pytorch_model.bin"].map { directory.appendingPathComponent($0) }
        guard let weights = candidates.first(where: { FileManager.default.fileExists(atPath: $0.path) }) else {
            throw CheckpointError.unreadable(file: directory.path, reason: "no model.safetensors or pytorch_model.bin in the directory")
        }
        return try EncodecModel(configuration: configuration, container: try openCheckpoint(at: weights), prefix: "")
    }

    /// Number of codebooks the model has (`decode` accepts 1 ... this many).
    public var codebookCount: Int { configuration.numQuantizers }

    /// Decodes `codes[codebook][frame]` to `frames × hopLength` mono samples, as
    /// `EncodecModel.decode` with one chunk, no scale and no padding mask (Bark's `codec_decode`):
    /// the codebook vectors are summed, then run through the SEANet decoder.
    ///
    /// - Throws: `EncodecError` for no codes, too many codebooks, ragged rows or out-of-range codes.
    public func decode(codes: [[Int]]) throws -> [Float] {
        try validate(codes: codes)
        return decoder(quantizer.decode(codes)).scalars
    }

    /// Encodes mono audio at `bandwidth` kbit/s (one of `configuration.targetBandwidths`), as
    /// `EncodecModel.encode` without chunking or normalisation. Returns `codes[quantizer][frame]`
    /// with `ceil(samples / hopLength)` frames and `quantizerCount(forBandwidth:)` quantizers.
    public func encode(audio: [Float], bandwidth: Double) throws -> [[Int]] {
        guard configuration.targetBandwidths.contains(bandwidth) else {
            throw EncodecError.unsupportedBandwidth(bandwidth, supported: configuration.targetBandwidths)
        }
        let embeddings = try encoderEmbeddings(audio: audio)
        return quantizer.encode(embeddings, count: configuration.quantizerCount(forBandwidth: bandwidth))
    }

    /// The continuous encoder output before quantisation, `[frames, hiddenSize]` with
    /// `frames = ceil(samples / hopLength)`.
    public func encoderEmbeddings(audio: [Float]) throws -> Tensor {
        guard !audio.isEmpty else { throw EncodecError.emptyAudio }
        if let bad = audio.firstIndex(where: { !$0.isFinite }) { throw EncodecError.nonFiniteAudio(index: bad) }
        return encoder(Tensor(shape: [audio.count, 1], scalars: audio))
    }

    /// A fresh streaming decoder for this model (see `EncodecStreamingDecoder`).
    public func makeStreamingDecoder() -> EncodecStreamingDecoder {
        EncodecStreamingDecoder(model: self)
    }

    /// Checks shape and range of `codes`.
    func validate(codes: [[Int]], allowEmptyFrames: Bool = false) throws {
        guard let first = codes.first else { throw EncodecError.emptyCodes }
        if codes.count > codebookCount { throw EncodecError.wrongCodebookCount(given: codes.count, available: codebookCount) }
        if first.isEmpty && !allowEmptyFrames { throw EncodecError.emptyCodes }
        let size = configuration.codebookSize
        for (q, row) in codes.enumerated() {
            if row.count != first.count { throw EncodecError.raggedCodes(codebook: q, frames: row.count, expected: first.count) }
            if let t = row.firstIndex(where: { $0 < 0 || $0 >= size }) {
                throw EncodecError.codeOutOfRange(codebook: q, frame: t, value: row[t], codebookSize: size)
            }
        }
    }
}
