import Audio
import Streaming

/// Feeds one stream to several sinks at once (JACK, the HTTP broadcaster, a WAV file…), each at
/// its own sample rate: the fan-out accepts `sampleRate` and resamples for any sink that differs.
///
/// A sink that throws is cancelled and left out from then on (the others go on); `write` throws
/// only when every sink has failed. Calls are serialised by the caller, as for any `AudioSink`.
///
/// Thread safety: none inside. The sink list, the resamplers and `failures` are plain mutable
/// state; like every `AudioSink`, the fan-out is used by one thread at a time (the generation
/// thread), and `failures` is read only after `finish` or `cancel` returned.
public final class FanOutSink: AudioSink, @unchecked Sendable {
    public let sampleRate: Int
    private var outputs: [(sink: any AudioSink, resampler: StreamingResampler?)]
    private let log: @Sendable (String) -> Void
    public private(set) var failures: [(index: Int, error: any Error)] = []

    public init(sampleRate: Int, sinks: [any AudioSink], log: @escaping @Sendable (String) -> Void = { _ in }) throws {
        self.sampleRate = sampleRate
        self.log = log
        outputs = try sinks.map { sink in
            (sink, sink.sampleRate == sampleRate ? nil : try StreamingResampler(inputRate: Double(sampleRate), outputRate: Double(sink.sampleRate)))
        }
    }

    public var sinks: [any AudioSink] { outputs.map(\.sink) }

    public func write(_ samples: [Float]) throws {
        try forEach { sink, resampler in
            let converted = try resampler?.process(samples) ?? samples
            if !converted.isEmpty { try sink.write(converted) }
        }
    }

    public func finish() throws {
        try forEach { sink, resampler in
            if let tail = try resampler?.flush(), !tail.isEmpty { try sink.write(tail) }
            try sink.finish()
        }
    }

    public func cancel() {
        for output in outputs { output.sink.cancel() }
        outputs.removeAll()
    }

    private func forEach(_ body: (any AudioSink, StreamingResampler?) throws -> Void) throws {
        var lastError: (any Error)?
        var index = 0
        while index < outputs.count {
            do {
                try body(outputs[index].sink, outputs[index].resampler)
                index += 1
            } catch {
                log("sink \(type(of: outputs[index].sink)) failed and is left out: \(error)")
                failures.append((index, error))
                outputs[index].sink.cancel()
                outputs.remove(at: index)
                lastError = error
            }
        }
        if outputs.isEmpty, let lastError { throw lastError }
    }
}
