import Foundation
import Streaming

/// Plays one utterance into the sink under the gapless policy: audio is held back until the gate
/// opens (or the utterance is complete), then everything flows through as it comes.
///
/// Owned by the generation thread for one utterance.
struct UtterancePlayback {
    let sink: any AudioSink
    let gate: GaplessPlaybackGate?
    let sampleRate: Int
    /// Seconds the gate adds to its predicted lead (`GaplessLeadLearning.correction`).
    let leadCorrection: Double
    private(set) var pending: [Float] = []
    private(set) var started = false
    /// Samples produced so far (held or written), model rate.
    private(set) var producedSamples = 0
    /// Seconds spent inside `sink.write` (waiting for room), not computing.
    private(set) var sinkSeconds: Double = 0
    /// Seconds held when playback started.
    private(set) var leadSeconds: Double?
    /// When playback started (`DispatchTime` ns) and the samples written since.
    private var startedAt: UInt64 = 0
    private var playedSince = 0
    /// Non-empty writes after playback started, and those that came after their audio was due to
    /// play.
    private(set) var chunksDue = 0
    private(set) var chunksLate = 0
    /// Seconds before it was due that the tightest chunk after the start arrived (negative:
    /// late); nil until one came.
    private(set) var minimumSlack: Double?
    /// The lead the gate's model asked for when playback started (without the correction); nil
    /// when it started because the utterance was complete, or without a gate.
    private(set) var predictedLead: Double?

    init(sink: any AudioSink, gate: GaplessPlaybackGate?, sampleRate: Int, leadCorrection: Double = 0) {
        self.sink = sink
        self.gate = gate
        self.sampleRate = sampleRate
        self.leadCorrection = leadCorrection
    }

    /// Adds produced samples; returns true when this call started playback.
    ///
    /// - Parameters:
    ///   - remainingSeconds: predicted audio still to generate after these samples.
    ///   - realTimeFactor: measured compute seconds per audio second (nil: unknown).
    ///   - pendingComputeSeconds: compute predicted to come as a burst, without audio, before the
    ///     next batch (`GaplessPlaybackGate`).
    ///   - complete: no more audio will come for this utterance.
    ///
    /// The gate takes this batch's length as the next one's (batches are fine chunks of one length
    /// once the first has passed).
    mutating func add(_ samples: [Float], remainingSeconds: Double, realTimeFactor: Double?, pendingComputeSeconds: Double = 0,
                      complete: Bool) throws -> Bool {
        producedSamples += samples.count
        if started {
            // An empty batch plays nothing, so it has no deadline. The codec's tail is often empty, and
            // counted as an on-time chunk it added one per utterance to the deadlines met.
            guard !samples.isEmpty else { return false }
            // This chunk is due when everything written before it has played.
            let due = startedAt + UInt64(Double(playedSince) / Double(sampleRate) * 1e9)
            chunksDue += 1
            let now = DispatchTime.now().uptimeNanoseconds
            let slack = (Double(due) - Double(now)) / 1e9
            minimumSlack = min(minimumSlack ?? slack, slack)
            if now > due { chunksLate += 1 }
            playedSince += samples.count
            try write(samples)
            return false
        }
        pending += samples
        let buffered = Double(pending.count) / Double(sampleRate)
        let opens = gate?.opens(bufferedSeconds: buffered, remainingSeconds: remainingSeconds, realTimeFactor: realTimeFactor,
                                pendingComputeSeconds: pendingComputeSeconds,
                                batchSeconds: Double(samples.count) / Double(sampleRate), correctionSeconds: leadCorrection,
                                complete: complete) ?? true
        guard opens, !pending.isEmpty else { return false }
        started = true
        if !complete {
            predictedLead = gate?.requiredLead(remainingSeconds: remainingSeconds, realTimeFactor: realTimeFactor,
                                               pendingComputeSeconds: pendingComputeSeconds,
                                               batchSeconds: Double(samples.count) / Double(sampleRate))
        }
        leadSeconds = buffered
        startedAt = DispatchTime.now().uptimeNanoseconds
        let held = pending
        pending = []
        playedSince = held.count
        try write(held)
        return true
    }

    private mutating func write(_ samples: [Float]) throws {
        guard !samples.isEmpty else { return }
        let start = DispatchTime.now().uptimeNanoseconds
        defer { sinkSeconds += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
        try sink.write(samples)
    }
}
