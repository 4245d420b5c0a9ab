import Bark
import Foundation
import Tensors

/// The fusion memory of one utterance: every present modality's tokens plus its type tag,
/// concatenated in modality order, with the routing weights. Computed once per utterance.
public struct FusionMemory: Sendable {
    /// `[M, H]`.
    public let tokens: Tensor
    /// The modality of each memory row.
    public let owners: [Modality]
    /// `g_route`, one per `Modality` (0 for absent ones); sums to 1 over present ones.
    public let routeWeights: [Float]
    /// Mean adapter output per modality, `[4, H]` (zeros for absent ones): the routing MLP input.
    public let summaries: Tensor
    /// The control events whose rows are in the memory (empty when control is absent or weighted 0).
    public internal(set) var controlEvents: [ControlEvent] = []

    public var isEmpty: Bool { owners.isEmpty }
}

/// Routing MLP: `Linear(4H → R) → GELU → Linear(R → 4)` over the concatenated modality summaries
/// (absent modalities contribute zeros), plus `log(weight)` from the bundle's routing metadata;
/// a softmax over the present modalities only (absent ones get exactly 0). Softmax rather than
/// sigmoid so the mix stays on the same scale whatever the number of modalities.
public struct RoutingMLP: Sendable {
    public let first: Linear
    public let second: Linear

    public init(first: Linear, second: Linear) {
        self.first = first
        self.second = second
    }

    /// `summaries`: `[4 · H]`; `present`: 4 flags; `logBias`: 4 values added to the logits.
    public func weights(summaries: [Float], present: [Bool], logBias: [Float]) -> [Float] {
        let count = Modality.allCases.count
        var out = [Float](repeating: 0, count: count)
        guard present.contains(true) else { return out }
        let hidden = first(Tensor(shape: [1, summaries.count], scalars: summaries)).gelu()
        let logits = second(hidden).scalars
        var maximum = -Float.infinity
        for m in 0..<count where present[m] { maximum = max(maximum, logits[m] + logBias[m]) }
        var sum: Float = 0
        for m in 0..<count where present[m] {
            out[m] = expf(logits[m] + logBias[m] - maximum)
            sum += out[m]
        }
        for m in 0..<count { out[m] /= sum }
        return out
    }
}

/// One gated cross-attention layer after a semantic decoder block:
/// `x ← x + tanh(gate) · out_proj(Σ_j softmax_j(q·k_j/√d) · g_route[m(j)] · v_j)` per head, with
/// `q = q_proj(LN(x))`, `k_j = k_proj(m_j)`, `v_j = v_proj(m_j)`: the routing weight of the
/// modality that owns memory row `j` scales that row's value, so each modality's share of the
/// cross-attention output is weighted by its `g_route` (the output projection's bias is added once).
/// With an attention sink (format 2), the softmax also runs over one more row whose key and value
/// are the learned `sink` (`null_key`, `null_value` in the file; used as they are: no projection, no
/// routing weight). `project` appends that row, so `apply` sees one memory row more.
/// From format 3 the routing weight also biases the attention: row `j`'s score gets
/// `b_j = route_sharpness · ln(g_route[m(j)] / max_m g_route[m])` (0 for the heaviest modality's rows
/// and for the sink), so with a learned sharpness the heavier modality takes the attention when two
/// disagree, where scaling values alone only mixes what they say.
/// From format 4 (`valuesRelativeToHeaviest`) row `j`'s value is scaled by `g_route[m(j)] / max_m g_route[m]`
/// instead of `g_route[m(j)]`: the heaviest modality's values at full strength, as when it is alone.
/// From format 5 a `GatedFeedForward` block follows the cross-attention in the same layer.
public struct CrossAttentionLayer: Sendable {
    public let norm: LayerNorm
    public let query: Linear
    public let key: Linear
    public let value: Linear
    public let output: Linear
    /// The raw gate; the layer adds `tanh(gate) ·` its output (0 at initialisation: a no-op).
    public let gate: Float
    public let heads: Int
    /// The attention sink's key and value `[H]` (format 2), or nil.
    public let sink: (key: [Float], value: [Float])?
    /// How strongly routing weights bias the attention (format 3; 0 before: values are scaled only).
    public let routeSharpness: Float
    /// Whether values are scaled by the routing weight over the heaviest modality's (format 4) rather than
    /// by the routing weight itself.
    public let valuesRelativeToHeaviest: Bool
    /// The gated feed-forward block run after the cross-attention (format 5), or nil.
    public let feedForward: GatedFeedForward?

    public init(norm: LayerNorm, query: Linear, key: Linear, value: Linear, output: Linear, gate: Float, heads: Int,
                sink: (key: [Float], value: [Float])? = nil, routeSharpness: Float = 0,
                valuesRelativeToHeaviest: Bool = false, feedForward: GatedFeedForward? = nil) {
        precondition(sink.map { $0.key.count == norm.features && $0.value.count == norm.features } ?? true,
                     "attention sink rows must have \(norm.features) values")
        self.norm = norm
        self.query = query
        self.key = key
        self.value = value
        self.output = output
        self.gate = gate
        self.heads = heads
        self.sink = sink
        self.routeSharpness = routeSharpness
        self.valuesRelativeToHeaviest = valuesRelativeToHeaviest
        self.feedForward = feedForward
    }

    /// Keys, route-scaled values and attention score biases of the memory (once per utterance):
    /// `[M, H]`, `[M, H]` and `[M]`, or one row more with the attention sink's key, value and bias 0
    /// appended as the last row (`rows` says which).
    public func project(_ memory: FusionMemory) -> (keys: [Float], values: [Float], biases: [Float], rows: Int) {
        let h = norm.features
        var keys = key(memory.tokens).scalars
        var values = value(memory.tokens).scalars
        var biases = [Float](repeating: 0, count: memory.owners.count)
        let heaviest = max(memory.routeWeights.max() ?? 0, Self.routeFloor)
        for (row, owner) in memory.owners.enumerated() {
            let g = memory.routeWeights[owner.rawValue]
            let scale = valuesRelativeToHeaviest ? g / heaviest : g
            for c in 0..<h { values[row * h + c] *= scale }
            if routeSharpness != 0 { biases[row] = routeSharpness * (logf(max(g, Self.routeFloor)) - logf(heaviest)) }
        }
        guard let sink else { return (keys, values, biases, memory.owners.count) }
        keys += sink.key
        values += sink.value
        biases.append(0)
        return (keys, values, biases, memory.owners.count + 1)
    }

    /// The logarithm of a routing weight is taken of at least this (an underflowed softmax weight).
    static let routeFloor: Float = 1e-30

    /// Applies the layer to `rows` rows of `hidden` in place, given the projected memory (keys, values and
    /// score biases from `project`; `memoryRows` rows each).
    /// Allocates nothing once `scratch` has grown to this size.
    public func apply(hidden: inout [Float], rows: Int, keys: [Float], values: [Float], biases: [Float],
                      memoryRows: Int, scratch: inout FusionScratch) {
        let h = norm.features
        guard memoryRows > 0, rows > 0 else { return }
        scratch.reserve(rows: rows, hidden: h, memoryRows: memoryRows)
        norm.apply(hidden, rows: rows, into: &scratch.normed)
        query.apply(scratch.normed, rows: rows, into: &scratch.queries)
        let d = h / heads
        let scale = 1 / Float(d).squareRoot()
        scratch.queries.withUnsafeBufferPointer { q in
            keys.withUnsafeBufferPointer { k in
                values.withUnsafeBufferPointer { v in
                    biases.withUnsafeBufferPointer { b in
                        scratch.scores.withUnsafeMutableBufferPointer { s in
                            scratch.attended.withUnsafeMutableBufferPointer { a in
                                for r in 0..<rows {
                                    for head in 0..<heads {
                                        let qo = r * h + head * d
                                        var maximum = -Float.infinity
                                        for j in 0..<memoryRows {
                                            let ko = j * h + head * d
                                            var dot: Float = 0
                                            for c in 0..<d { dot += q[qo + c] * k[ko + c] }
                                            dot = dot * scale + b[j]
                                            s[j] = dot
                                            if dot > maximum { maximum = dot }
                                        }
                                        var sum: Float = 0
                                        for j in 0..<memoryRows {
                                            let e = expf(s[j] - maximum)
                                            s[j] = e
                                            sum += e
                                        }
                                        let inverse = 1 / sum
                                        for c in 0..<d { a[qo + c] = 0 }
                                        for j in 0..<memoryRows {
                                            let p = s[j] * inverse
                                            let vo = j * h + head * d
                                            for c in 0..<d { a[qo + c] += p * v[vo + c] }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        output.apply(scratch.attended, rows: rows, into: &scratch.projected)
        Elementwise.add(scratch.projected, scaledBy: tanhf(gate), to: &hidden, count: rows * h)
        feedForward?.apply(hidden: &hidden, rows: rows, scratch: &scratch)
    }
}

/// Scratch buffers of the cross-attention layers (grow only).
///
/// Thread safety: a value type owned by one generation.
public struct FusionScratch: Sendable {
    var normed: [Float] = []
    var queries: [Float] = []
    var attended: [Float] = []
    var projected: [Float] = []
    var scores: [Float] = []
    /// The feed-forward block's inner activations `[rows, 4H]` (format 5).
    var inner: [Float] = []
    public init() {}

    mutating func reserve(rows: Int, hidden: Int, memoryRows: Int, innerWidth: Int = 0) {
        for path in [\FusionScratch.normed, \.queries, \.attended, \.projected] where self[keyPath: path].count < rows * hidden {
            self[keyPath: path] = [Float](repeating: 0, count: rows * hidden)
        }
        if scores.count < memoryRows { scores = [Float](repeating: 0, count: memoryRows) }
        if inner.count < rows * innerWidth { inner = [Float](repeating: 0, count: rows * innerWidth) }
    }
}

/// The fusion block bound to one utterance's memory: a `LayerConditioning` for the semantic
/// model. Keys/values are projected once at construction; each forward call only runs the
/// query side.
///
/// Thread safety: a value type owned by one generation (holds scratch).
public struct FusionConditioning: LayerConditioning {
    struct Bound: Sendable {
        let layer: CrossAttentionLayer
        let keys: [Float]
        let values: [Float]
        let biases: [Float]
        /// Memory rows plus the attention sink's, when the layer has one.
        let rows: Int
    }

    public let memory: FusionMemory
    private let bound: [Int: Bound]
    /// The layers `keepingLayers` dropped, bound too when the memory has control events: they run
    /// again inside the events' windows (`ControlEventWindows`).
    private let dropped: [Int: Bound]
    private let clockHoldRules: [ControlClockHold]
    private let windowMargin: Double
    /// The windows at the units per second last asked for, and whether the unit being predicted lies
    /// in one (`willPredict`; false before the first call).
    private var windows: (unitsPerSecond: Double, windows: ControlEventWindows)?
    private var inWindow = false
    private let rateClock: RateClockHead?
    /// With `AdapterConfiguration.rateClockLayer`: that layer, and the infer token's residual state after
    /// it, kept from the prefill (the first call for that layer; its last row).
    private let rateClockLayer: Int?
    /// The adapters' clock holds (`AdapterConfiguration.clockHolds`).
    private let clockHolds: [ControlClockHold]
    private var clockState: [Float]
    private var clockStateKept = false
    private var scratch = FusionScratch()

    /// - Parameters:
    ///   - keepingLayers: run only this many fusion layers, the lowest-numbered ones (the latency
    ///     router drops the others to save time); nil runs them all.
    ///   - controlWindowMargin: with `keepingLayers` and control events in the memory, the dropped
    ///     layers still run while the semantic stage predicts a unit inside an event's window
    ///     (`ControlEventWindows`, this many seconds of margin); nil drops them everywhere.
    public init(adapters: OmniAdapters, memory: FusionMemory, keepingLayers: Int? = nil,
                controlWindowMargin: Double? = ControlEventWindows.defaultMargin) {
        self.memory = memory
        var bound: [Int: Bound] = [:], dropped: [Int: Bound] = [:]
        let kept = Set(adapters.layers.keys.sorted().prefix(keepingLayers ?? adapters.layers.count))
        let windowed = controlWindowMargin != nil && !memory.controlEvents.isEmpty
        if !memory.isEmpty {
            for (index, layer) in adapters.layers where kept.contains(index) || windowed {
                let kv = layer.project(memory)
                let b = Bound(layer: layer, keys: kv.keys, values: kv.values, biases: kv.biases, rows: kv.rows)
                if kept.contains(index) { bound[index] = b } else { dropped[index] = b }
            }
        }
        self.bound = bound
        self.dropped = dropped
        clockHoldRules = adapters.configuration.clockHolds ?? []
        windowMargin = controlWindowMargin ?? 0
        rateClock = memory.isEmpty ? nil : adapters.rateClock
        rateClockLayer = adapters.configuration.rateClockLayer
        clockHolds = adapters.configuration.clockHolds ?? []
        clockState = [Float](repeating: 0, count: rateClockLayer == nil ? 0 : adapters.hiddenSize)
    }

    /// The adapters' rate clock (format 6) when a memory is present; nil otherwise (Bark's clock, as
    /// the training code leaves an example without memory). With a `rateClockLayer` the head reads the
    /// state kept after that layer in the prefill (nil before it ran), not `inferTokenState`.
    public func rateClockStride(inferTokenState: ArraySlice<Float>) -> Double? {
        guard let rateClock else { return nil }
        guard rateClockLayer != nil else { return rateClock.stride(inferTokenState: inferTokenState) }
        return clockStateKept ? rateClock.stride(residualState: clockState[...]) : nil
    }

    /// Where the clock stands still for the memory's control events (`ControlClockHold`); none
    /// without a memory, as the training code holds only conditioned examples' clocks.
    public func rateClockHolds(unitsPerSecond: Double) -> [SemanticRateClock.Hold] {
        guard !memory.isEmpty, !clockHolds.isEmpty else { return [] }
        return ControlClockHold.holds(clockHolds, for: memory.controlEvents, unitsPerSecond: unitsPerSecond)
    }

    /// Whether some dropped layers run again around control events (`willPredict` decides where).
    public var runsDroppedLayersNearControlEvents: Bool { !dropped.isEmpty }

    /// The windows in which the dropped layers run, at `unitsPerSecond` (empty when none run).
    public func controlEventWindows(unitsPerSecond: Double) -> ControlEventWindows {
        ControlEventWindows(events: dropped.isEmpty ? [] : memory.controlEvents, rules: clockHoldRules,
                            unitsPerSecond: unitsPerSecond, margin: windowMargin)
    }

    /// Fusion layers run per semantic step on average over the first `units` units: the kept ones,
    /// plus the dropped ones inside the control events' windows.
    public func layersRun(overFirst units: Int, unitsPerSecond: Double) -> Double {
        guard !dropped.isEmpty else { return Double(bound.count) }
        return Double(bound.count) + Double(dropped.count) * controlEventWindows(unitsPerSecond: unitsPerSecond).share(ofFirst: units)
    }

    public mutating func willPredict(unit: Int, unitsPerSecond: Double) {
        guard !dropped.isEmpty else { return }
        if windows?.unitsPerSecond != unitsPerSecond {
            windows = (unitsPerSecond, controlEventWindows(unitsPerSecond: unitsPerSecond))
        }
        inWindow = windows?.windows.contains(unit) ?? false
    }

    public mutating func apply(afterLayer layer: Int, hidden: inout [Float], rows: Int, hiddenSize: Int) {
        if let b = bound[layer] ?? (inWindow ? dropped[layer] : nil) {
            b.layer.apply(hidden: &hidden, rows: rows, keys: b.keys, values: b.values, biases: b.biases, memoryRows: b.rows,
                          scratch: &scratch)
        }
        if layer == rateClockLayer, !clockStateKept, rateClock != nil, rows > 0 {
            let last = (rows - 1) * hiddenSize
            for c in 0..<hiddenSize { clockState[c] = hidden[last + c] }
            clockStateKept = true
        }
    }
}
