import Bark
import Benchmark
import Foundation
import OmniBark
import Tensors

// Per-step figures with ordo-one/benchmark on bark-small shapes (random weights: speed does not
// depend on their values): one decoding step of the semantic and coarse GPTs in each weight
// format, with the malloc counter proving a step allocates nothing; one coarse prefill window; one
// fine pass; and the thread pool's dispatch overhead.
//
// Run: cd Benchmarks && swift package benchmark                       (everything)
//      swift package benchmark --filter "decode step.*int8"           (one group)
// OMNIBARK_BENCH_FORMATS=f32,int8 limits the formats (each model holds 0.5–1.9 GB).

/// Models are built once per format and shared by every benchmark of that format.
final class ModelCache: @unchecked Sendable {
    static let shared = ModelCache()
    private let lock = NSLock()
    private var models: [WeightFormat: BarkModels] = [:]

    func models(_ format: WeightFormat) -> BarkModels {
        lock.lock()
        defer { lock.unlock() }
        if let cached = models[format] { return cached }
        do {
            let loaded = try SpeechModel.synthetic(shape: .barkSmall, weightFormat: format).generator.models
            models[format] = loaded
            return loaded
        } catch {
            fatalError("cannot build bark-small-shaped random weights (\(format.rawValue)): \(error)")
        }
    }
}

/// A cached causal model mid-generation: a prefill of `promptLength` tokens, then one token per
/// `step()`; the cache is refilled (outside the measurement) when it runs out.
struct DecodeState {
    let model: BarkCausalModel
    let promptLength: Int
    var cache: KVCache
    var workspace = TransformerWorkspace()
    /// The one-token input, reused so that the benchmark itself allocates nothing per step.
    var token = [7]

    init(model: BarkCausalModel, promptLength: Int) {
        self.model = model
        self.promptLength = promptLength
        cache = model.makeCache()
    }

    mutating func refillIfFull() throws {
        if cache.count == 0 || cache.remaining < 1 {
            cache.reset()
            try model.forward(tokens: (0..<promptLength).map { $0 % 1000 }, cache: &cache, workspace: &workspace, lastPositionOnly: true)
        }
    }

    mutating func step() throws {
        try model.forward(tokens: token, cache: &cache, workspace: &workspace, lastPositionOnly: true)
        token[0] = (token[0] + 1) % 1000
    }
}

/// A `DecodeState` shared between the benchmark's setup and its iterations. `take()` moves it out
/// so that mutating its cache does not copy the buffers (copy-on-write) inside a measurement.
final class DecodeBox: @unchecked Sendable {
    var state: DecodeState?

    func take() -> DecodeState? {
        defer { state = nil }
        return state
    }
}

/// The fine model and a grown workspace, kept between iterations.
final class FineBox: @unchecked Sendable {
    var fine: BarkFineModel?
    var workspace = TransformerWorkspace()
    let codes = (0..<(1024 * 8)).map { ($0 * 37) % 1024 }
}

let formats: [WeightFormat] = {
    let names = ProcessInfo.processInfo.environment["OMNIBARK_BENCH_FORMATS"]?.split(separator: ",").map(String.init)
    return names?.compactMap(WeightFormat.init(rawValue:)) ?? WeightFormat.allCases
}()

let stepMetrics: [BenchmarkMetric] = [.wallClock, .mallocCountTotal, .throughput]

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: stepMetrics, warmupIterations: 3, maxDuration: .seconds(10), maxIterations: 200)

    for format in formats {
        for (stage, promptLength) in [("semantic", 513), ("coarse", 887)] {
            let box = DecodeBox()
            Benchmark("\(stage) decode step (bark-small, \(format.rawValue))",
                      configuration: .init(metrics: stepMetrics, warmupIterations: 3, maxDuration: .seconds(10), maxIterations: 120)) { benchmark in
                guard var state = box.take() else { return }
                try state.refillIfFull()
                benchmark.startMeasurement()
                try state.step()
                benchmark.stopMeasurement()
                box.state = state
            } setup: {
                let models = ModelCache.shared.models(format)
                box.state = DecodeState(model: stage == "semantic" ? models.semantic : models.coarse, promptLength: promptLength)
            } teardown: {
                box.state = nil
            }
        }
    }

    for format in formats {
        let box = DecodeBox()
        Benchmark("coarse prefill window, 887 tokens (bark-small, \(format.rawValue))",
                  configuration: .init(metrics: [.wallClock, .mallocCountTotal], warmupIterations: 1, maxDuration: .seconds(20), maxIterations: 8)) { benchmark in
            guard var state = box.take() else { return }
            state.cache.reset()
            benchmark.startMeasurement()
            try state.refillIfFull()
            benchmark.stopMeasurement()
            box.state = state
        } setup: {
            box.state = DecodeState(model: ModelCache.shared.models(format).coarse, promptLength: 887)
        } teardown: {
            box.state = nil
        }
    }

    for format in formats {
        let box = FineBox()
        Benchmark("fine pass, 1024 positions, codebook 2 (bark-small, \(format.rawValue))",
                  configuration: .init(metrics: [.wallClock, .mallocCountTotal], warmupIterations: 1, maxDuration: .seconds(20), maxIterations: 6)) { _ in
            guard let fine = box.fine else { return }
            var workspace = box.workspace
            box.workspace = TransformerWorkspace()
            try fine.forward(codes: box.codes, positions: 1024, codebook: 2, workspace: &workspace)
            box.workspace = workspace
        } setup: {
            box.fine = ModelCache.shared.models(format).fine
        } teardown: {
            box.fine = nil
        }
    }

    Benchmark("thread pool dispatch (\(ThreadPool.shared.threads) threads, empty tasks)",
              configuration: .init(metrics: [.wallClock, .mallocCountTotal], scalingFactor: .kilo, maxDuration: .seconds(3))) { benchmark in
        let pool = ThreadPool.shared
        for _ in benchmark.scaledIterations {
            pool.parallelFor(count: pool.threads) { blackHole($0) }
        }
    }
}
