import Bark
import Checkpoints
import Foundation
import LiveControl
import Modalities

/// Live events on the generation thread: taken from the inbox between generation steps (and
/// every `idlePollInterval` while idle), applied at the step whose audio they address.
///
/// - `say` queues a request at once; `instruction` and `weight` change the session (and the
///   running utterance's conditioning from the next step on);
/// - control events (beat, phoneme, SFX, style) join the running utterance's control events with
///   the time of the audio they address, `controlLookahead` before the semantic step that produces
///   it (at once when that is now or past; late ones address the step now). The event log records
///   the output-timeline EnCodec frame (75 Hz) they address;
/// - without adapters, control events cannot steer anything and are dropped with that reason;
///   while idle, events due in the past are dropped and future ones wait for an utterance.
///
/// The utterance's output timeline starts where its playback started; before playback starts,
/// where its generation started (the earliest it can play).
extension StreamingEngine {
    /// Live events that wait for their frame, at most this many (older ones are dropped).
    static let maxWaitingEvents = 1024
    /// Events addressing a time further back than this are refused (seconds).
    static let maxEventAge: Double = 10
    /// Events addressing a time further ahead than this are refused (seconds).
    static let maxEventLead: Double = 60
    /// A control event joins the running utterance this long before the audio it addresses
    /// (seconds), carrying that audio's time: the adapters learned with every event in view from
    /// the first step, so a pause or a knock needs the words before it to make room (joined only at
    /// its own step, a knock merged into the word before it). Longer would hand the event to an
    /// utterance that ends before its time more often.
    static let controlLookahead: Double = 1.0

    /// Called between generation steps; returns the conditioning for the next step.
    func applyLiveEvents(_ context: inout UtteranceContext, semanticRate: Double) -> ConditioningUpdate {
        let refreshed = refreshLiveReference(&context)
        guard let inbox = configuration.events else { return refreshed ? .replace(context.conditioning.conditioning) : .keep }
        take(inbox.drain(), inbox: inbox, generating: true)
        guard !waitingEvents.isEmpty else { return refreshed ? .replace(context.conditioning.conditioning) : .keep }
        let rate = Double(model.speech.sampleRate)
        let origin = context.playbackStartSample ?? context.startSample
        let stepSeconds = Double(context.semanticStep) / semanticRate
        let stepSample = origin + Int64(stepSeconds * rate)
        let frame = Int(Double(stepSample) / rate * ControlEvent.frameRate)
        let lookahead = Int64(Self.controlLookahead * rate)
        var changed = refreshed
        var keep: [LiveEvent] = []
        for event in waitingEvents {
            var joins = stepSample
            if let due = event.dueSample { joins = event.action.isControl ? due - lookahead : due }
            if joins > stepSample {
                keep.append(event)
                continue
            }
            // The audio the event addresses: its due time when still ahead, else this step's.
            var seconds = stepSeconds, addressedFrame = frame
            if let due = event.dueSample, due > stepSample {
                seconds = Double(due - origin) / rate
                addressedFrame = Int(Double(due) / rate * ControlEvent.frameRate)
            }
            do {
                if try apply(event, to: &context.conditioning, atSeconds: seconds) { changed = true }
                inbox.markApplied(event, frame: addressedFrame)
            } catch let reason as DropReason {
                inbox.markDropped(event, reason: reason.text)
            } catch {
                inbox.markDropped(event, reason: ErrorMessage.describe(error))
            }
        }
        waitingEvents = keep
        return changed ? .replace(context.conditioning.conditioning) : .keep
    }

    /// Between chunks (preset `refresh: chunk`): a newer encoding of the live reference window
    /// replaces the one the running utterance started with. True when it did.
    private func refreshLiveReference(_ context: inout UtteranceContext) -> Bool {
        guard configuration.refreshesReferenceEachChunk, let version = context.liveReferenceVersion,
              let latest = configuration.liveReference?.snapshot, latest.version > version else { return false }
        do {
            try context.conditioning.setAudioFeatures(latest.features)
            context.liveReferenceVersion = latest.version
            return true
        } catch {
            log("live reference refresh failed: \(ErrorMessage.describe(error))")
            context.liveReferenceVersion = latest.version
            return false
        }
    }

    /// Called while no utterance is generated.
    func applyIdleEvents() {
        guard let inbox = configuration.events else { return }
        take(inbox.drain(), inbox: inbox, generating: false)
        dropPastEvents(inbox: inbox, reason: "no utterance was being generated when it was due")
    }

    /// Called when the generation thread ends: what is still in the inbox or waiting for its time
    /// is counted and logged as dropped, never lost without a word.
    func dropUntakenEvents() {
        guard let inbox = configuration.events else { return }
        for event in inbox.drain() { inbox.markDropped(event, reason: "the stream ended before the event was taken") }
        for event in waitingEvents { inbox.markDropped(event, reason: "the stream ended before the time it addresses") }
        waitingEvents = []
    }

    /// Called when an utterance ends: control events whose time has passed can no longer apply.
    func utteranceEnded() {
        guard let inbox = configuration.events else { return }
        dropPastEvents(inbox: inbox, reason: "the utterance ended before the frame it addresses was generated")
    }

    private func dropPastEvents(inbox: LiveEventInbox, reason: String) {
        guard !waitingEvents.isEmpty else { return }
        let now = playedSamples()
        var keep: [LiveEvent] = []
        for event in waitingEvents {
            if let due = event.dueSample, due > now { keep.append(event) } else { inbox.markDropped(event, reason: reason) }
        }
        waitingEvents = keep
    }

    /// Session-wide actions at once (and, while `generating`, again for the running utterance
    /// at the next step); control events join the waiting list. Events addressing a time too
    /// far back or ahead are refused.
    private func take(_ events: [LiveEvent], inbox: LiveEventInbox, generating: Bool) {
        let now = playedSamples()
        let rate = Double(model.speech.sampleRate)
        let frame = Int(Double(now) / rate * ControlEvent.frameRate)
        for event in events {
            do {
                if let due = event.dueSample {
                    if Double(now - due) > Self.maxEventAge * rate {
                        throw DropReason(text: "it addresses a time more than \(Int(Self.maxEventAge)) s in the past")
                    }
                    if Double(due - now) > Self.maxEventLead * rate {
                        throw DropReason(text: "it addresses a time more than \(Int(Self.maxEventLead)) s ahead")
                    }
                }
                switch event.action {
                case let .say(text):
                    let screened = try screened(text, field: "live say")
                    let request = try EngineRequest(text: screened)
                    _ = try condition.withLock { try sayLocked(request, liveEventReceived: event.receivedUptimeNanos) }
                    inbox.markApplied(event, frame: frame)
                case let .styleInstruction(text):
                    let screened = try screened(text, field: "live style instruction")
                    condition.withLock { sessionStyle = screened.isEmpty ? nil : screened }
                    // The running utterance takes it at the next step; while idle the session
                    // change is all there is to do.
                    if generating { waitingEvents.append(event) } else { inbox.markApplied(event, frame: frame) }
                case let .weight(modality, weight):
                    guard weight.isFinite, weight >= 0 else { throw DropReason(text: "weight must be a finite number ≥ 0") }
                    condition.withLock { sessionRouting[modality].weight = weight }
                    if generating { waitingEvents.append(event) } else { inbox.markApplied(event, frame: frame) }
                case let .control(_, payload):
                    if case let .string(text) = payload { _ = try screened(text, field: "live control payload") }
                    if waitingEvents.count >= Self.maxWaitingEvents {
                        inbox.markDropped(waitingEvents.removeFirst(), reason: "more than \(Self.maxWaitingEvents) events were waiting")
                    }
                    waitingEvents.append(event)
                }
            } catch let refusal as GuardRefusalDescription {
                // Logged without the refused text.
                var redacted = event
                redacted.action = Self.redacted(event.action)
                inbox.markDropped(redacted, reason: refusal.text)
            } catch let reason as DropReason {
                inbox.markDropped(event, reason: reason.text)
            } catch {
                inbox.markDropped(event, reason: ErrorMessage.describe(error))
            }
        }
    }

    /// Applies one event to the running utterance; true when its conditioning changed.
    private func apply(_ event: LiveEvent, to conditioning: inout UtteranceConditioning, atSeconds seconds: Double) throws -> Bool {
        switch event.action {
        case .say:
            return false
        case let .styleInstruction(text):
            guard conditioning.hasAdapters else { return false }  // session style changed for the next utterance
            try conditioning.setStyle(text)
            return true
        case let .weight(modality, weight):
            guard conditioning.hasAdapters else { return false }
            try conditioning.setWeight(weight, for: modality)
            return true
        case let .control(kind, payload):
            guard conditioning.hasAdapters else {
                throw DropReason(text: "no adapter file is loaded: control events need --adapters")
            }
            try conditioning.addControlEvent(ControlEvent(time: .seconds(max(0, seconds)), kind: kind, payload: payload))
            return true
        }
    }

    private func screened(_ text: String, field: String) throws -> String {
        guard let screen = configuration.screen else { return text }
        do { return try screen(text, field) } catch {
            throw GuardRefusalDescription(text: ErrorMessage.describe(error))
        }
    }

    private static func redacted(_ action: LiveAction) -> LiveAction {
        switch action {
        case .say: return .say("")
        case .styleInstruction: return .styleInstruction("")
        case let .control(kind, _): return .control(kind, .none)
        case .weight: return action
        }
    }

    /// Why an event was not applied (a sentence for the event log).
    struct DropReason: Error { let text: String }
    /// A content-policy refusal, described without the text.
    struct GuardRefusalDescription: Error { let text: String }
}
