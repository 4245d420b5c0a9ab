import Checkpoints
import Tensors

/// Something that modifies the residual stream between decoder layers (OmniBark's gated
/// cross-attention fusion). `apply` is called after block `layer` on `rows` rows of width
/// `hiddenSize` (`hidden` may be longer; only the first `rows · hiddenSize` floats are meaningful).
///
/// Thread safety: a value owned by one generation (it may keep scratch buffers, hence `mutating`).
public protocol LayerConditioning: Sendable {
    mutating func apply(afterLayer layer: Int, hidden: inout [Float], rows: Int, hiddenSize: Int)

    /// The semantic stage's rate clock (`SemanticRateClock.stride`) this conditioning asks for, read
    /// from the final-LayerNorm output `[hiddenSize]` of the infer token (the prefill's last row), or
    /// nil to keep Bark's clock (unit k at the position after the prefill plus k). Called once per
    /// utterance, after the prefill.
    func rateClockStride(inferTokenState: ArraySlice<Float>) -> Double?

    /// Where the semantic stage's clock should stand still (`SemanticRateClock.Hold`, in units after
    /// the prefill) for this conditioning's timed inputs, with `unitsPerSecond` semantic units per
    /// second of audio. Called after the prefill and again whenever the conditioning is replaced
    /// (a live control event); holds once applied stay.
    func rateClockHolds(unitsPerSecond: Double) -> [SemanticRateClock.Hold]

    /// Called by the semantic stage before each forward pass with the unit (0-based, after the
    /// prefill) that pass predicts — 0 for the prefill — and `unitsPerSecond` semantic units per second
    /// of audio, so that a conditioning can vary its work along the utterance (OmniBark's fusion runs
    /// the layers the latency router dropped again around control events).
    mutating func willPredict(unit: Int, unitsPerSecond: Double)
}

extension LayerConditioning {
    /// No rate clock: Bark's positions.
    public func rateClockStride(inferTokenState: ArraySlice<Float>) -> Double? { nil }

    /// No holds.
    public func rateClockHolds(unitsPerSecond: Double) -> [SemanticRateClock.Hold] { [] }

    /// The same work at every unit.
    public mutating func willPredict(unit: Int, unitsPerSecond: Double) {}
}

/// Bark's causal GPT, used by the semantic and coarse stages. Port of transformers'
/// `BarkCausalModel` (`models/bark/modeling_bark.py`) and Suno's `GPT` (`bark/model.py`).
///
/// Learned absolute positions start at the number of cached positions; pre-norm blocks; fused
/// `att_proj` split q|k|v; `lm_head` without bias, not tied.
///
/// Immutable and `Sendable`: one model serves any number of concurrent generations, each with its
/// own `KVCache` and `TransformerWorkspace`.
public struct BarkCausalModel: Sendable {
    public let configuration: BarkTransformerConfiguration
    let inputEmbedding: Embedding
    let positionEmbedding: Embedding
    let blocks: [TransformerBlock]
    let finalLayerNorm: LayerNorm
    let lmHead: Linear
    /// How caches made by `makeCache()` store keys and values (f32 unless set; see
    /// `KVCachePrecision`).
    public var cachePrecision: KVCachePrecision = .f32

    /// Loads the stage's weights, checking every shape against `configuration`. `weightFormat`
    /// converts every linear layer (attention, MLP, `lm_head`) at load time; embeddings and
    /// LayerNorms stay f32. `prequantized` matrices (a weight cache), when listed, are taken
    /// instead of reading and quantizing the checkpoint's f32 weights.
    public init(configuration: BarkTransformerConfiguration, tensors: StageTensors, weightFormat: WeightFormat = .f32,
                prequantized: PrequantizedWeights? = nil) throws {
        precondition(configuration.stage.isCausal, "BarkCausalModel is for the semantic and coarse stages")
        let h = configuration.hiddenSize
        self.configuration = configuration
        inputEmbedding = Embedding(table: try tensors.tensor("input_embeds_layer.weight",
                                                             shape: [configuration.inputVocabularySize, h]))
        positionEmbedding = Embedding(table: try tensors.tensor("position_embeds_layer.weight",
                                                                shape: [configuration.blockSize, h]))
        blocks = try (0..<configuration.layers).map {
            try TransformerBlock(tensors: tensors, index: $0, configuration: configuration, layerNormBias: configuration.bias,
                                 weightFormat: weightFormat, prequantized: prequantized)
        }
        finalLayerNorm = LayerNorm(weight: try tensors.tensor("layernorm_final.weight", shape: [h]),
                                   bias: configuration.bias ? try tensors.tensor("layernorm_final.bias", shape: [h]) : nil)
        lmHead = try PrequantizedWeights.linear(prequantized, tensors: tensors, local: "lm_head.weight",
                                                shape: [configuration.outputVocabularySize, h], bias: nil, weightFormat: weightFormat)
    }

    /// A KV cache sized to the block size, in `cachePrecision` (allocates it once).
    public func makeCache() -> KVCache {
        KVCache(layers: configuration.layers, capacity: configuration.blockSize, hidden: configuration.hiddenSize,
                precision: cachePrecision)
    }

    /// Token embeddings `[tokens.count, hidden]` (the `input_embeds_layer` lookup), e.g. for Bark's
    /// semantic prefill that sums text and history embeddings.
    public func embed(_ tokens: [Int]) throws -> Tensor {
        try validate(tokens)
        var out = [Float](repeating: 0, count: tokens.count * configuration.hiddenSize)
        inputEmbedding.lookup(tokens, into: &out)
        return Tensor(shape: [tokens.count, configuration.hiddenSize], scalars: out)
    }

    /// The `input_embeds_layer` table `[inputVocabularySize, hidden]` (read-only; e.g. for
    /// embedding instruction prefixes with the model's own embeddings).
    public var inputEmbeddingTable: Tensor { inputEmbedding.table }

    /// Full-sequence forward pass without a cache: logits `[tokens.count, outputVocabularySize]`.
    public func logits(tokens: [Int]) throws -> Tensor {
        try logits(embeddings: try embed(tokens))
    }

    /// Full-sequence forward pass from input embeddings `[rows, hidden]` (positions 0 ..< rows).
    public func logits(embeddings: Tensor) throws -> Tensor {
        let rows = try validate(embeddings: embeddings, past: 0)
        var workspace = TransformerWorkspace()
        prepare(&workspace, rows: rows, keys: rows, past: 0, embeddings: embeddings.scalars, logitRows: rows)
        for block in blocks { block.apply(rows: rows, workspace: &workspace, causal: true) }
        finish(&workspace, rows: rows, lastPositionOnly: false)
        return Tensor(shape: [rows, workspace.logitWidth], scalars: Array(workspace.logits.prefix(rows * workspace.logitWidth)))
    }

    /// Incremental forward pass: appends `tokens` at positions `cache.count …` (or `position …`: see
    /// the conditioned call) and writes their logits to `workspace.logits` (every new position, or only
    /// the last with `lastPositionOnly`).
    /// With `logitRange` (one output row: `lastPositionOnly` or a single token) only those
    /// vocabulary entries are computed — the same values as the full `lm_head` for quantized
    /// weights — and every other entry of the row is −∞: for a sampler that may only pick from that
    /// range (the coarse stage's codebook of the step: 1,024 or 1,072 of 12,096 rows). It is
    /// ignored when several rows of logits are asked for.
    /// Once the workspace has grown to this size, a call allocates nothing.
    public func forward(tokens: [Int], cache: inout KVCache, workspace: inout TransformerWorkspace,
                        lastPositionOnly: Bool = false, logitRange: Range<Int>? = nil) throws {
        var none: (any LayerConditioning)? = nil
        try forward(tokens: tokens, cache: &cache, workspace: &workspace, lastPositionOnly: lastPositionOnly,
                    logitRange: logitRange, conditioning: &none)
    }

    /// `forward(tokens:…)` with `conditioning` applied after every decoder block (nil: identical
    /// to the plain call). `position`, when given, is the learned position embedding the first new row
    /// takes (the next rows take the ones after it) instead of `cache.count`: the semantic stage's rate
    /// clock (`SemanticRateClock`). The rows still go to the cache's next slots, so attention sees them
    /// in the order they came.
    public func forward(tokens: [Int], cache: inout KVCache, workspace: inout TransformerWorkspace,
                        lastPositionOnly: Bool = false, logitRange: Range<Int>? = nil, position: Int? = nil,
                        conditioning: inout (any LayerConditioning)?) throws {
        try validate(tokens)
        try checkCapacity(rows: tokens.count, cache: cache)
        let rows = tokens.count
        let first = position ?? cache.count
        if first < 0 || first + rows > configuration.blockSize {
            throw BarkError.invalidInput(stage: configuration.stage,
                                         reason: "positions \(first) ..< \(first + rows) are outside the model's 0 ..< \(configuration.blockSize)")
        }
        prepare(&workspace, rows: rows, keys: max(cache.count + rows, cache.capacity), past: cache.count, embeddings: nil,
                logitRows: lastPositionOnly ? 1 : rows)
        inputEmbedding.lookup(tokens, into: &workspace.hidden)
        addPositions(&workspace, rows: rows, past: first)
        run(&workspace, rows: rows, cache: &cache, lastPositionOnly: lastPositionOnly, logitRange: logitRange,
            conditioning: &conditioning)
    }

    /// Incremental forward pass from input embeddings `[rows, hidden]` (see `forward(tokens:…)`).
    public func forward(embeddings: Tensor, cache: inout KVCache, workspace: inout TransformerWorkspace,
                        lastPositionOnly: Bool = false) throws {
        var none: (any LayerConditioning)? = nil
        try forward(embeddings: embeddings, cache: &cache, workspace: &workspace, lastPositionOnly: lastPositionOnly, conditioning: &none)
    }

    /// `forward(embeddings:…)` with `conditioning` applied after every decoder block (nil: identical
    /// to the plain call).
    /// With `positions` (one per row, each in `0 ..< blockSize`), row r takes the learned position
    /// embedding `positions[r]` instead of `cache.count + r` (a teacher-forced pass on the semantic
    /// stage's rate clock).
    public func forward(embeddings: Tensor, cache: inout KVCache, workspace: inout TransformerWorkspace,
                        lastPositionOnly: Bool = false, positions: [Int]? = nil,
                        conditioning: inout (any LayerConditioning)?) throws {
        let rows = try validate(embeddings: embeddings, past: cache.count)
        try checkCapacity(rows: rows, cache: cache)
        if let positions {
            if positions.count != rows {
                throw BarkError.invalidInput(stage: configuration.stage, reason: "\(positions.count) positions for \(rows) rows")
            }
            if let bad = positions.firstIndex(where: { $0 < 0 || $0 >= configuration.blockSize }) {
                throw BarkError.invalidInput(stage: configuration.stage,
                                             reason: "position \(positions[bad]) of row \(bad) is outside the model's 0 ..< \(configuration.blockSize)")
            }
        }
        prepare(&workspace, rows: rows, keys: max(cache.count + rows, cache.capacity), past: cache.count, embeddings: embeddings.scalars,
                positions: positions, logitRows: lastPositionOnly ? 1 : rows)
        run(&workspace, rows: rows, cache: &cache, lastPositionOnly: lastPositionOnly, conditioning: &conditioning)
    }

    // MARK: - Internals

    private func run(_ workspace: inout TransformerWorkspace, rows: Int, cache: inout KVCache, lastPositionOnly: Bool,
                     logitRange: Range<Int>? = nil, conditioning: inout (any LayerConditioning)?) {
        for (index, block) in blocks.enumerated() {
            block.apply(rows: rows, workspace: &workspace, cache: &cache, layer: index)
            conditioning?.apply(afterLayer: index, hidden: &workspace.hidden, rows: rows, hiddenSize: configuration.hiddenSize)
        }
        cache.advance(by: rows)
        finish(&workspace, rows: rows, lastPositionOnly: lastPositionOnly, logitRange: logitRange)
    }

    /// Sizes the workspace and, when given, copies `embeddings` plus positions (`positions`, else
    /// `past …`) into `hidden`.
    private func prepare(_ w: inout TransformerWorkspace, rows: Int, keys: Int, past: Int,
                         embeddings: [Float]?, positions: [Int]? = nil, logitRows: Int) {
        let h = configuration.hiddenSize
        w.reserve(rows: rows, keys: keys, heads: configuration.heads, hidden: h, logitRows: logitRows, vocabulary: configuration.outputVocabularySize)
        if let embeddings {
            w.hidden.withUnsafeMutableBufferPointer { dst in
                embeddings.withUnsafeBufferPointer { src in
                    for i in 0..<(rows * h) { dst[i] = src[i] }
                }
            }
            if let positions {
                for (r, position) in positions.enumerated() { addPosition(&w, row: r, position: position) }
            } else {
                addPositions(&w, rows: rows, past: past)
            }
        }
    }

    private func addPositions(_ w: inout TransformerWorkspace, rows: Int, past: Int) {
        for r in 0..<rows { addPosition(&w, row: r, position: past + r) }
    }

    private func addPosition(_ w: inout TransformerWorkspace, row: Int, position: Int) {
        let h = configuration.hiddenSize
        positionEmbedding.table.scalars.withUnsafeBufferPointer { table in
            w.hidden.withUnsafeMutableBufferPointer { hidden in
                let src = position * h, dst = row * h
                for c in 0..<h { hidden[dst + c] += table[src + c] }
            }
        }
    }

    /// Final LayerNorm and `lm_head` on all rows or only the last; with `logitRange` (one output
    /// row) only that part of the vocabulary, the rest −∞.
    private func finish(_ w: inout TransformerWorkspace, rows: Int, lastPositionOnly: Bool, logitRange: Range<Int>? = nil) {
        let h = configuration.hiddenSize
        if lastPositionOnly && rows > 1 {
            w.hidden.withUnsafeMutableBufferPointer { hidden in
                for c in 0..<h { hidden[c] = hidden[(rows - 1) * h + c] }
            }
        }
        let outRows = lastPositionOnly ? 1 : rows
        finalLayerNorm.apply(w.hidden, rows: outRows, into: &w.normed)
        let vocabulary = configuration.outputVocabularySize
        if let logitRange, outRows == 1 {
            let range = logitRange.clamped(to: 0..<vocabulary)
            w.logits.withUnsafeMutableBufferPointer { logits in
                for i in 0..<range.lowerBound { logits[i] = -.infinity }
                for i in range.upperBound..<vocabulary { logits[i] = -.infinity }
            }
            lmHead.apply(w.normed, outputs: range, into: &w.logits)
        } else {
            lmHead.apply(w.normed, rows: outRows, into: &w.logits)
        }
        w.logitRows = outRows
        w.logitWidth = vocabulary
    }

    private func validate(_ tokens: [Int]) throws {
        if tokens.isEmpty { throw BarkError.invalidInput(stage: configuration.stage, reason: "no input tokens") }
        let size = configuration.inputVocabularySize
        if let position = tokens.firstIndex(where: { $0 < 0 || $0 >= size }) {
            throw BarkError.tokenOutOfRange(stage: configuration.stage, position: position, codebook: nil,
                                            token: tokens[position], vocabularySize: size)
        }
    }

    private func validate(embeddings: Tensor, past: Int) throws -> Int {
        guard embeddings.rank == 2, embeddings.shape[1] == configuration.hiddenSize, embeddings.shape[0] > 0 else {
            throw BarkError.invalidInput(stage: configuration.stage,
                                         reason: "input embeddings must be [rows > 0, \(configuration.hiddenSize)], got \(embeddings.shape)")
        }
        if past + embeddings.shape[0] > configuration.blockSize {
            throw BarkError.sequenceTooLong(stage: configuration.stage, length: past + embeddings.shape[0], limit: configuration.blockSize)
        }
        return embeddings.shape[0]
    }

    private func checkCapacity(rows: Int, cache: KVCache) throws {
        if cache.count + rows > min(cache.capacity, configuration.blockSize) {
            throw BarkError.sequenceTooLong(stage: configuration.stage, length: cache.count + rows,
                                            limit: min(cache.capacity, configuration.blockSize))
        }
    }
}
