import Bark
import Checkpoints
import Foundation
import Modalities
import Streaming

extension StreamingEngine {
    /// A sink error, told apart from generation errors: it ends the stream, not just a request.
    struct SinkFailure: Error { let underlying: any Error }
    /// The current utterance was asked to stop.
    struct Stopped: Error {}

    func generationLoop() {
        let priority = GenerationThreadPriority.applyToCurrentThread(realtimePriority: configuration.realtimePriority)
        log("generation thread: \(priority.description)")
        var fatal: (any Error)?
        while fatal == nil, let item = next() {
            onSpeaking?(true)
            do {
                try speak(item)
                condition.withLock {
                    stats.utterances += 1
                    finishLocked(item.id, .done)
                }
            } catch is Stopped {
                condition.withLock { finishLocked(item.id, .cancelled(reason: closedReason ?? "stopped")) }
            } catch let error as SinkFailure {
                fatal = error.underlying
                let reason = "the stream failed: \(ErrorMessage.describe(error.underlying))"
                log("request #\(item.id) failed: \(reason)")
                condition.withLock { finishLocked(item.id, .failed(reason: reason)) }
            } catch {
                let reason = ErrorMessage.describe(error)
                log("request #\(item.id) failed: \(reason)")
                condition.withLock { finishLocked(item.id, .failed(reason: reason)) }
            }
            // Whatever happened, the utterance is over: its tail plays now and the silence
            // after it is no underrun; live events for its past frames can no longer apply.
            utteranceEnded()
            if fatal == nil {
                do { try sink.endOfUtterance() } catch { fatal = error }
            }
            onSpeaking?(false)
            condition.withLock { stats.speaking = false }
        }
        dropUntakenEvents()
        if let fatal {
            let reason = "the stream has ended (\(ErrorMessage.describe(fatal)))"
            condition.withLock {
                closeLocked(reason: reason, dropQueued: false, stopCurrent: true)
                for item in queue { finishLocked(item.id, .failed(reason: reason)) }
                queue.removeAll()
            }
            sink.cancel()
        } else if condition.withLock({ cancelsSink }) {
            sink.cancel()
        } else {
            do { try sink.finish() } catch { fatal = error }
        }
        let underrunsAtEnd = sinkCounters?().underruns
        condition.withLock {
            if let previous = lastPlayed, let underrunsAtEnd { records[previous.id]?.gaps = max(0, underrunsAtEnd - previous.underrunsAtStart) }
            failure = fatal
            phase = .ended
            condition.broadcast()
        }
    }

    /// The next request, waiting while the queue is empty and the engine open; nil at the end.
    private func next() -> QueueItem? {
        condition.lock(); defer { condition.unlock() }
        while queue.isEmpty && closedReason == nil {
            condition.unlock()
            idle()
            condition.lock()
            if queue.isEmpty && closedReason == nil { _ = condition.wait(until: Date().addingTimeInterval(idlePollInterval)) }
        }
        if queue.isEmpty && finishCalledUptimeNanos != nil {
            // Live events posted before finish() (a `say` on the last line of standard input)
            // are taken once more; a `say` among them is queued and spoken.
            condition.unlock()
            idle()
            condition.lock()
        }
        guard !queue.isEmpty else { return nil }
        let item = queue.removeFirst()
        stats.speaking = true
        records[item.id]?.state = .speaking
        records[item.id]?.position = nil
        return item
    }

    /// How often the idle generation thread looks at live events.
    var idlePollInterval: TimeInterval { 0.02 }

    /// Called on the generation thread while no utterance is being generated.
    func idle() {
        applyIdleEvents()
    }

    /// The request's bundle with the session's style instruction, routing, reference audio,
    /// image and control events where the request brings none; the live reference window's
    /// latest encoding when neither the request nor the session has reference audio.
    private func effectiveBundle(_ request: EngineRequest) throws -> (ModalityBundle, LiveReferenceWindow.Snapshot?) {
        let (routing, style) = condition.withLock { (sessionRouting, sessionStyle) }
        let b = request.bundle
        let live = b.referenceAudio == nil && configuration.referenceAudio == nil ? configuration.liveReference?.snapshot : nil
        return (try ModalityBundle(text: b.text, styleInstruction: b.styleInstruction ?? style,
                                  referenceAudio: b.referenceAudio ?? configuration.referenceAudio ?? live?.samples,
                                  image: b.image ?? configuration.image,
                                  controlEvents: b.controlEvents.isEmpty ? configuration.controlEvents : b.controlEvents,
                                  routing: request.usesOwnRouting ? b.routing : routing), live)
    }

    private func speak(_ item: QueueItem) throws {
        var mark = DispatchTime.now().uptimeNanoseconds
        let (bundle, live) = try effectiveBundle(item.request)
        let capabilities = routerCapabilities(bundle, textCharacters: item.request.text.count)
        let plan = routeUtteranceStart(capabilities)
        // The router's lighter-weights step takes effect here, for the whole utterance.
        let (speech, lighterWeights) = speechModel(for: plan)
        let rate = Double(speech.sampleRate)
        let base = configuration.speech.apply(to: speech.generator.configuration)
        let semanticRate = base.semantic.rateHz
        var fineMode = configuration.effectiveFineMode
        if let context = plan?.fineContext, case let .chunked(chunk, lookahead, _) = fineMode {
            fineMode = .chunked(chunk: chunk, lookahead: lookahead, context: context)
        }
        // The router's rolling-coarse step: the live mode's coarse shortcut for this utterance.
        let coarseLive = configuration.coarseLive ?? (plan?.rollingCoarse == true ? configuration.live.coarse : nil)
        var context = UtteranceContext(item: item, conditioning: try UtteranceConditioning(
                                           model: model, bundle: bundle, audioFeatures: live?.features,
                                           skipping: Set(plan?.skippedModalities ?? []), fusionLayers: plan?.fusionLayersKept),
                                       startSample: playedSamples())
        context.liveReferenceVersion = live?.version
        context.routerCapabilities = plan == nil ? nil : capabilities
        var timings = GenerationTimings()
        var semanticTotal = 0, coarseTotal = 0, framesTotal = 0
        condition.withLock {
            stats.conditioningSeconds += context.conditioning.seconds
            records[item.id]?.conditioned = context.conditioning.conditioned.map(\.description)
            records[item.id]?.weights = speech.generator.models.weightFormat
        }
        if !context.conditioning.ignored.isEmpty {
            log("request #\(item.id): \(context.conditioning.ignored.map(\.description).joined(separator: ", ")) not used"
                + (context.conditioning.hasAdapters ? " (routing weight 0)" : " (no adapter file is loaded: pass --adapters)"))
        }
        var playback = UtterancePlayback(sink: SinkFailureTagging(sink), gate: configuration.gapless, sampleRate: speech.sampleRate,
                                         leadCorrection: condition.withLock { stats.gaplessLeadLearning.correction })
        let text = item.request.text
        var segments = configuration.speech.longForm ? TextSegmenter().segments(of: text) : [text]
        if segments.isEmpty { segments = [""] }  // other modalities stand in for text
        var voice = item.request.voice ?? configuration.speech.voice
        let seed = item.request.seed ?? (configuration.speech.seed &+ UInt64(item.id - 1))
        var measuredCompute: Double = 0
        let sessionRate = condition.withLock { stats.realTimeFactor }
        var firstGenerated = true
        var writtenBefore = 0
        var gateRate = GenerationRateEstimate()
        // Without semantic pacing the semantic stage's remaining steps come as a burst before a
        // coarse re-prefill: the gate then predicts them, and the prefill, apart from the batches'
        // rate (`UtteranceWorkEstimate`).
        let semanticBursts = coarseLive?.paceSemantic != true
        var batchRate = GenerationRateEstimate()

        /// Adds the computing time since the last mark (sink waits excluded).
        func account() {
            let now = DispatchTime.now().uptimeNanoseconds
            let seconds = Double(now - mark) / 1e9
            mark = now
            measuredCompute += seconds
            condition.withLock { stats.computeSeconds += seconds }
        }

        for (index, segment) in segments.enumerated() {
            var state = StreamingGenerationState(semanticTokens: 0, semanticFinished: false, semanticLimit: base.semantic.maxNewTokens,
                                                 coarseFrames: 0, emittedFrames: 0)
            var segmentSamples = 0
            let laterCharacters = segments[(index + 1)...].reduce(0) { $0 + $1.count }
            let generation = try UtteranceStreamer.stream(
                model: speech, fineMode: fineMode, coarseLive: coarseLive,
                fineCodebooks: plan?.coarseOnly == true ? capabilities.coarseCodebooks : plan?.fineCodebooks ?? configuration.effectiveFineCodebooks,
                fineFirstChunk: configuration.effectiveFineFirstChunk, text: segment, voice: voice, configuration: base,
                seed: seed &+ UInt64(index), watermark: configuration.speech.watermark,
                conditioning: context.conditioning.conditioning, timings: &timings,
                observe: { [self] current in
                    state = current
                    if condition.withLock({ stopCurrent }) { throw Stopped() }
                    context.semanticStep = current.semanticTokens + context.semanticOffset
                    let update = applyLiveEvents(&context, semanticRate: semanticRate)
                    if context.routerChanged {
                        context.routerChanged = false
                        return .replace(context.conditioning.conditioning)
                    }
                    return update
                },
                deliver: { [self] samples, last in
                    account()
                    segmentSamples += samples.count
                    let predicted = GaplessPlaybackGate.predictedSeconds(
                        semanticTokens: state.semanticTokens, semanticFinished: state.semanticFinished || last,
                        semanticLimit: state.semanticLimit, semanticRate: semanticRate, textCharacters: segment.count)
                    let remaining = max(0, predicted - Double(segmentSamples) / rate) + Double(laterCharacters) / 14
                    let produced = Double(playback.producedSamples + samples.count) / rate
                    // Generation speed of this utterance (its one-off encoding time left out).
                    let generating = max(0, measuredCompute - context.initialConditioningSeconds)
                    // The router measures with the rate since the first audio (`GenerationRateEstimate`), once
                    // it exists. The gate predicts with it where the semantic stage is paced; otherwise with
                    // the same rate without the semantic steps, plus their burst.
                    let steadyRate = gateRate.rate(compute: generating, audio: produced, sessionRate: sessionRate > 0 ? sessionRate : nil)
                    var gateFactor = steadyRate, pendingCompute: Double = 0
                    if semanticBursts {
                        let stages = state.timings
                        let remainingTokens = max(0, predicted * semanticRate - Double(state.semanticTokens))
                            + Double(laterCharacters) / 14 * semanticRate
                        pendingCompute = UtteranceWorkEstimate.burst(remainingSemanticTokens: remainingTokens,
                                                                     semanticTokensSoFar: context.semanticOffset + state.semanticTokens,
                                                                     timings: stages)
                        gateFactor = batchRate.rate(compute: max(0, generating - stages.semantic), audio: produced,
                                                    sessionRate: sessionRate > 0 ? sessionRate : nil)
                    }
                    let now = DispatchTime.now().uptimeNanoseconds
                    let seconds = Double(samples.count) / rate
                    let generatedAfter = firstGenerated && !samples.isEmpty ? Double(now - item.enqueued) / 1e9 : nil
                    if !samples.isEmpty { firstGenerated = false }
                    condition.withLock {
                        stats.audioSeconds += seconds
                        records[item.id]?.audioSeconds += seconds
                        if let generatedAfter { records[item.id]?.timeToFirstGenerated = generatedAfter }
                    }
                    let started = try playback.add(samples, remainingSeconds: remaining, realTimeFactor: gateFactor,
                                                   pendingComputeSeconds: pendingCompute, complete: last && index == segments.count - 1)
                    mark = DispatchTime.now().uptimeNanoseconds  // the sink's wait is not compute
                    if started { playbackStarted(item, lead: playback.leadSeconds ?? 0, context: &context) }
                    if routeChunk(&context, measured: gateRate.steadyRate) { context.routerChanged = true }
                    // Only what reached the sink moves the output position (held audio has not).
                    let written = playback.producedSamples - playback.pending.count
                    condition.withLock { writtenSamples += written - writtenBefore }
                    writtenBefore = written
                    if condition.withLock({ stopCurrent }) { throw Stopped() }
                })
            context.semanticOffset += generation.semantic.count
            semanticTotal += generation.semantic.count
            coarseTotal += generation.coarse.count
            framesTotal += generation.frames
            if generation.frames > 0, index < segments.count - 1 { voice = try generation.voicePreset(configuration: base) }
        }
        account()
        condition.withLock {
            stats.chunksDue += playback.chunksDue
            stats.chunksLate += playback.chunksLate
            if let held = playback.leadSeconds, let predicted = playback.predictedLead, let slack = playback.minimumSlack {
                stats.gaplessLeadLearning.utteranceFinished(heldSeconds: held, predictedLead: predicted, minimumSlack: slack)
            }
        }
        observeCosts(timings, semanticTokens: semanticTotal, coarseTokens: coarseTotal, frames: framesTotal, conditioning: context.conditioning,
                     rollingCoarse: coarseLive != nil, lighterWeights: lighterWeights,
                     fineScale: plan.map { Router.fineCostScale($0, capabilities) } ?? 1)
        finishUtterance(item, context: context)
    }

    private func playbackStarted(_ item: QueueItem, lead: Double, context: inout UtteranceContext) {
        let ttfa = Double(DispatchTime.now().uptimeNanoseconds - item.enqueued) / 1e9
        let underrunsNow = sinkCounters?().underruns
        context.playbackStartSample = playedSamples()
        condition.withLock { timeToFirstAudioObserver }?(ttfa)
        condition.withLock {
            if stats.timeToFirstAudio == nil { stats.timeToFirstAudio = ttfa }
            stats.lastTimeToFirstAudio = ttfa
            records[item.id]?.timeToFirstAudio = ttfa
            records[item.id]?.leadSeconds = lead
            // The previous utterance's gaps are known now: underruns from its start to this one's.
            if let previous = lastPlayed, let underrunsNow {
                records[previous.id]?.gaps = max(0, underrunsNow - previous.underrunsAtStart)
            }
            if let underrunsNow { lastPlayed = (item.id, underrunsNow) }
        }
    }

    private func finishUtterance(_ item: QueueItem, context: UtteranceContext) {
        condition.withLock {
            stats.conditioningSeconds += max(0, context.conditioning.seconds - context.initialConditioningSeconds)
        }
    }

    /// Output-timeline position now, in model-rate samples: the sink's playback clock, else the
    /// samples handed to it.
    func playedSamples() -> Int64 {
        if let clock { return Int64(clock.playedSeconds * Double(model.speech.sampleRate)) }
        return Int64(condition.withLock { writtenSamples })
    }

    /// Passes writes through to the sink, rethrowing its errors as `SinkFailure`.
    ///
    /// Thread safety: stateless; it is used, like the sink it wraps, by the generation thread only.
    final class SinkFailureTagging: AudioSink, @unchecked Sendable {
        let sink: any AudioSink
        init(_ sink: any AudioSink) { self.sink = sink }
        var sampleRate: Int { sink.sampleRate }
        var channels: Int { sink.channels }
        func write(_ samples: [Float]) throws {
            do { try sink.write(samples) } catch { throw SinkFailure(underlying: error) }
        }
        func endOfUtterance() throws {
            do { try sink.endOfUtterance() } catch { throw SinkFailure(underlying: error) }
        }
        func finish() throws { try sink.finish() }
        func cancel() { sink.cancel() }
    }
}

/// The running utterance as live events see it.
struct UtteranceContext {
    let item: StreamingEngine.QueueItem
    var conditioning: UtteranceConditioning
    let initialConditioningSeconds: Double
    /// Output-timeline sample (model rate) when generation started, and when playback started.
    let startSample: Int64
    var playbackStartSample: Int64?
    /// Semantic tokens of earlier segments of this utterance.
    var semanticOffset = 0
    /// Semantic step (utterance-wide) about to run.
    var semanticStep = 0
    /// The live reference encoding it uses (nil: none, or the request's own reference).
    var liveReferenceVersion: Int?
    /// What the router may change during this utterance (nil: the router is off).
    var routerCapabilities: RouterCapabilities?
    /// The router changed the conditioning at the last chunk: the next step takes it.
    var routerChanged = false

    init(item: StreamingEngine.QueueItem, conditioning: UtteranceConditioning, startSample: Int64) {
        self.item = item
        self.conditioning = conditioning
        self.initialConditioningSeconds = conditioning.seconds
        self.startSample = startSample
    }
}
