import ArgumentParser
import Foundation
import OmniBark
import Tensors

/// `--model`, `--weights`, `--kv-cache`, `--threads`: which model runs and how (shared by speak, live, serve).
struct ModelOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Model directory (Hugging Face Bark layout). Default: $OMNIBARK_MODEL, else the pulled bark-small, else the bundled OmniBark-tiny.", valueName: "dir"))
    var model: String?

    @Option(help: "Weight format of the transformers' linear layers, converted at load: f32 (reference), bf16, int8 or q4.")
    var weights: WeightFormatArgument?

    @Option(name: .customLong("kv-cache"), help: "How the semantic and coarse GPTs cache keys and values: f32 (exact) or f16 (half the memory and cache traffic per decoding step; tokens may differ, see `omnibark quality --kv-cache f16`). Default: the preset's generation.kv_cache (f16 in live-speech and daw), else f32.")
    var kvCache: KVCachePrecision?

    @Option(help: "Compute threads (default: speak uses every core; live and serve leave one core to audio and the network).")
    var threads: Int?

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1, got \(threads)") }
    }

    /// Sizes the thread pool and OpenBLAS before any math runs. `leaveOneCore`: live and serve.
    func applyThreads(leaveOneCore: Bool) {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let count = threads ?? (leaveOneCore ? max(1, cores - 1) : cores)
        ComputeThreads.configure(count)
    }

    /// The model directory (`ModelResolver`); says once when it is the bundled OmniBark-tiny.
    func directory() throws -> URL {
        let resolution = try ModelResolver.resolution(explicit: model)
        if resolution.isBundled { ModelNotices.printOnce(BundledModel.notice(directory: resolution.url)) }
        return resolution.url
    }

    /// Loads the model in `format` (the flag, else `fallback`) with the KV cache of `--kv-cache`
    /// (else `kvCacheFallback`) and prints its notices.
    func load(directory: URL, fallback: WeightFormat = .f32, kvCacheFallback: KVCachePrecision = .f32) throws -> SpeechModel {
        let speech = try SpeechModel(directory: directory, weightFormat: weights?.format ?? fallback).withKVCache(kvCache ?? kvCacheFallback)
        ModelNotices.print(for: speech)
        return speech
    }

    /// The same model again in `format` (the router's `--lighter-weights`), with the KV cache
    /// `loaded` uses; its notices were printed with the first load.
    func loadLighter(directory: URL, format: WeightFormat, like loaded: SpeechModel) throws -> SpeechModel {
        try SpeechModel(directory: directory, weightFormat: format).withKVCache(loaded.generator.models.semantic.cachePrecision)
    }
}

extension KVCachePrecision: ExpressibleByArgument {}
