import Testing
@testable import OmniBark

/// The gapless gate's lumpy-generation model and the lead it learns, on injected batch times (a
/// simulated clock: compute seconds since the utterance's request).
@Suite struct GaplessLeadLearningTests {
    /// Equal to rounding.
    func close(_ value: Double?, _ expected: Double) -> Bool { value.map { abs($0 - expected) < 1e-12 } ?? false }

    @Test func aBurstAndTheNextBatchMustBeCoveredBeforePlaybackStarts() {
        let gate = GaplessPlaybackGate(minimumLead: 0.1, safetyMargin: 1)
        // Faster than real time: the burst, then the next batch at 0.5 s per audio second.
        #expect(close(gate.requiredLead(remainingSeconds: 3, realTimeFactor: 0.5, pendingComputeSeconds: 0.3, batchSeconds: 0.8),
                      0.3 + 0.8 * 0.5))
        // Slower than real time: the last batch is the tightest.
        #expect(close(gate.requiredLead(remainingSeconds: 4, realTimeFactor: 2, pendingComputeSeconds: 0.5, batchSeconds: 1),
                      0.5 + 1 + 4))
        // A batch cannot bring more than what remains; the correction adds on top.
        #expect(close(gate.requiredLead(remainingSeconds: 0.5, realTimeFactor: 0.5, batchSeconds: 1), 0.25))
        #expect(close(gate.requiredLead(remainingSeconds: 0.5, realTimeFactor: 0.5, batchSeconds: 1, correctionSeconds: 0.4),
                      0.25 + 0.4))
        // The margin multiplies the model's shortfall, not the correction.
        let margined = GaplessPlaybackGate(minimumLead: 0.1, safetyMargin: 2)
        #expect(close(margined.requiredLead(remainingSeconds: 3, realTimeFactor: 0.5, pendingComputeSeconds: 0.3,
                                            batchSeconds: 0.8, correctionSeconds: 0.1), 2 * (0.3 + 0.4) + 0.1))
        #expect(margined.requiredLead(remainingSeconds: 3, realTimeFactor: nil, pendingComputeSeconds: 0.3) == nil)
    }

    @Test func moreLeadIsTakenAtOnceAndLessApproachedByHalves() {
        var learning = GaplessLeadLearning(targetSlack: 0.25, release: 0.5)
        // Held 1.7 s, the tightest chunk 0.02 s early: 1.68 s needed where 1.15 s was predicted.
        learning.utteranceFinished(heldSeconds: 1.7, predictedLead: 1.15, minimumSlack: 0.02)
        #expect(abs(learning.correction - (1.68 - 1.15 + 0.25)) < 1e-12)
        // The gate opened only at the next batch (2.56 s held): the same need, the same correction.
        learning.utteranceFinished(heldSeconds: 2.56, predictedLead: 1.15, minimumSlack: 0.88)
        #expect(abs(learning.correction - 0.78) < 1e-12)
        // Late by 0.1 s: 1.8 s needed.
        learning.utteranceFinished(heldSeconds: 1.7, predictedLead: 1.15, minimumSlack: -0.1)
        #expect(abs(learning.correction - 0.9) < 1e-12)
        // 0.2 s needed where 1.15 s was predicted: -0.7 s wanted, half of the way per utterance,
        // below zero too.
        learning.utteranceFinished(heldSeconds: 0.5, predictedLead: 1.15, minimumSlack: 0.3)
        #expect(abs(learning.correction - 0.1) < 1e-12)
        learning.utteranceFinished(heldSeconds: 0.5, predictedLead: 1.15, minimumSlack: 0.3)
        #expect(abs(learning.correction - -0.3) < 1e-12)
        // Nothing learned from what cannot be measured; never beyond the maximum either way.
        learning.utteranceFinished(heldSeconds: .nan, predictedLead: 1, minimumSlack: 0)
        #expect(abs(learning.correction - -0.3) < 1e-12)
        var capped = GaplessLeadLearning(maximum: 2)
        capped.utteranceFinished(heldSeconds: 10, predictedLead: 0.2, minimumSlack: -5)
        #expect(capped.correction == 2)
        for _ in 1...60 { capped.utteranceFinished(heldSeconds: 0.1, predictedLead: 9, minimumSlack: 0.1) }
        #expect(abs(capped.correction - -2) < 1e-9)
        // The gate's minimum lead still holds under a negative correction.
        let gate = GaplessPlaybackGate(minimumLead: 0.2, safetyMargin: 1)
        #expect(gate.requiredLead(remainingSeconds: 3, realTimeFactor: 0.5, batchSeconds: 0.8, correctionSeconds: -2) == 0.2)
    }

    /// One utterance as the engine sees it: batches at compute times, each with its audio; the
    /// model's inputs (batch rate, the semantic burst still to come) as the engine would predict.
    struct Batch { var at: Double; var audio: Double; var pending: Double }

    /// Plays `batches` through the gate; returns (slack of each chunk after the start, held, predicted).
    func play(_ batches: [Batch], gate: GaplessPlaybackGate, learned: Double, rate: Double)
        -> (slacks: [Double], held: Double, predicted: Double)? {
        let total = batches.reduce(0) { $0 + $1.audio }
        var produced = 0.0, started: (at: Double, held: Double, predicted: Double)?, slacks: [Double] = []
        for (index, batch) in batches.enumerated() {
            if let s = started {
                slacks.append(s.at + produced - batch.at)  // due when everything before it has played
                produced += batch.audio
                continue
            }
            produced += batch.audio
            let remaining = total - produced
            let known = index > 0 ? rate : nil  // the first batch carries the start's one-off work
            if gate.opens(bufferedSeconds: produced, remainingSeconds: remaining, realTimeFactor: known,
                          pendingComputeSeconds: batch.pending, batchSeconds: batch.audio, correctionSeconds: learned,
                          complete: index == batches.count - 1),
               let predicted = gate.requiredLead(remainingSeconds: remaining, realTimeFactor: known,
                                                 pendingComputeSeconds: batch.pending, batchSeconds: batch.audio) {
                started = (batch.at, produced, predicted)
            }
        }
        return started.map { (slacks, $0.held, $0.predicted) }
    }

    /// Bark-small, live mode without fast start, one core busy (the bench's figures): 0.85 s
    /// batches every ~0.68 s, but the fourth comes 2 s after the third (the semantic burst, three
    /// coarse windows and a re-prefill). The model alone opens too early and a chunk is late; the
    /// learned lead makes every later utterance wait for one more batch, and a quiet machine takes
    /// it back down to what it needs.
    @Test func aLateChunkTeachesTheGateAndAQuietMachineUnlearnsIt() throws {
        let gate = GaplessPlaybackGate()
        let s = 0.853
        let busy = [Batch(at: 3.9, audio: s, pending: 0.32), Batch(at: 4.56, audio: s, pending: 0.32),
                    Batch(at: 5.25, audio: s, pending: 0.32), Batch(at: 7.25, audio: s, pending: 0),
                    Batch(at: 7.9, audio: s, pending: 0), Batch(at: 8.1, audio: 0.733, pending: 0)]
        var learning = GaplessLeadLearning()
        let first = try #require(play(busy, gate: gate, learned: learning.correction, rate: 0.75))
        #expect(abs(first.held - 2 * s) < 1e-9 && first.slacks.contains { $0 < 0 }, "the model alone: \(first.slacks)")
        learning.utteranceFinished(heldSeconds: first.held, predictedLead: first.predicted,
                                   minimumSlack: try #require(first.slacks.min()))
        for utterance in 2...5 {
            let later = try #require(play(busy, gate: gate, learned: learning.correction, rate: 0.75))
            #expect(abs(later.held - 3 * s) < 1e-9 && later.slacks.allSatisfy { $0 > 0 }, "utterance \(utterance): \(later.slacks)")
            learning.utteranceFinished(heldSeconds: later.held, predictedLead: later.predicted,
                                       minimumSlack: try #require(later.slacks.min()))
        }
        #expect(learning.correction > 0.5 && learning.correction < 1.5)
        // A quiet machine: batches at half real time, no burst left to come.
        let quiet = (0..<6).map { Batch(at: 1.5 + 0.43 * Double($0), audio: s, pending: 0) }
        for _ in 1...6 {
            let run = try #require(play(quiet, gate: gate, learned: learning.correction, rate: 0.5))
            #expect(run.slacks.allSatisfy { $0 > 0 })
            learning.utteranceFinished(heldSeconds: run.held, predictedLead: run.predicted, minimumSlack: try #require(run.slacks.min()))
        }
        // What stays is the target slack less the model's own margin on a quiet machine (0.17 s).
        #expect(learning.correction < 0.25, "given back on a quiet machine: \(learning.correction)")
    }
}
