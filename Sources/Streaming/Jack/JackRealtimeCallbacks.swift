import Atomics
import CJack
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// MARK: - How the JACK callbacks stay realtime-safe
//
// JACK calls `process` on its realtime thread once per period. It must never allocate, lock,
// log, block, call into Swift concurrency, or retain/release an object. This file and
// `JackRealtimeInputs.swift` (MIDI, transport and reference input, called from `process`) are the
// whole of the code that runs there, with the realtime views `UnsafeSPSCRingReader`,
// `UnsafeSPSCRingWriter` and `UnsafeMIDIRecordQueueWriter`; they keep that promise by construction
// (and `RealtimeAllocationTests` checks it with an allocation counter on the process thread):
//
// 1. Context through a raw pointer, not a closure. The callbacks are non-capturing closure
//    literals converted to `@convention(c)` function pointers at the `jack_set_*_callback` call
//    site; everything they need arrives through JACK's `void *arg`, which points to one
//    `RealtimeSafeJackContext` allocated with `UnsafeMutablePointer.allocate` on the opening
//    thread before `jack_activate` and freed only after `jack_client_close` has returned (JACK
//    guarantees no callback runs after that). No `Unmanaged` retain/release happens per call.
// 2. Only trivial values. `RealtimeSafeJackContext` holds nothing but raw pointers
//    (`OpaquePointer` ports, the ring buffer's `UnsafeSPSCRingReader`, `UnsafeAtomic<Int>`
//    handles) and `Bool`s: it is a POD, so reading `pointee` copies bits and makes no ARC
//    traffic. There are no Swift arrays, strings, classes, existentials or closures in it, and
//    the callbacks create none (no string interpolation, no `print`, no `precondition` messages).
// 3. Atomics, not locks. Ring indices and counters are `UnsafeAtomic<Int>` from swift-atomics,
//    whose operations are `@_transparent` and lower to single lock-free instructions at every
//    optimization level; every operation names its ordering. Counters use `.relaxed` (they are
//    statistics); the shutdown flag is stored `.releasing` and loaded `.acquiring`.
// 4. Nothing generic at run time. All types used here are concrete (`Float`, `Int`,
//    `UnsafeAtomic<Int>`), the helpers are `@inline(__always)`, so no generic metadata is
//    instantiated (which could allocate) on the realtime thread. The only calls out are to
//    `jack_port_get_buffer` (realtime-safe by JACK's contract), `memcpy`/`memmove` and
//    `memset` (raw, non-generic copies: checked with objdump in debug and release builds).
// 5. It never waits. A short ring buffer is answered with silence and counted, never with a
//    retry or a sleep.
//
// The xrun, buffer-size and shutdown callbacks run on JACK's (non-realtime) notification
// thread; they follow the same rules anyway and only store to atomics. The shutdown callback
// must not call JACK itself: the owner notices the flag and calls `jack_client_close` from its
// own thread (`JackSink.close()` / `reconnect()`).

/// Cumulative sink counters: one block of `UnsafeAtomic<Int>`s that outlives every client the
/// sink opens (so counts survive `reconnect()`). Made and destroyed by `JackSink`.
///
/// Thread safety: every field is an atomic; the realtime callbacks update them with `.relaxed`
/// increments, any thread may load them.
@usableFromInline
struct RealtimeSafeJackCounters: @unchecked Sendable {
    /// Process callbacks run.
    let cycles: UnsafeAtomic<Int>
    /// Samples per channel taken from the ring buffer and sent to the ports.
    let deliveredSamples: UnsafeAtomic<Int>
    /// Samples per channel of silence written because the ring buffer ran short (after the
    /// first audio arrived; silence before any audio is not an underrun).
    let underrunSamples: UnsafeAtomic<Int>
    /// Number of times playback went from fully served to short (one per gap, not per cycle).
    let underrunEvents: UnsafeAtomic<Int>
    /// xruns reported by the server.
    let xruns: UnsafeAtomic<Int>
    /// 1 once the server has shut the client down.
    let shutDown: UnsafeAtomic<Int>
    /// The `jack_status_t` passed to the shutdown callback.
    let shutdownStatus: UnsafeAtomic<Int>
    /// The current period size in frames.
    let bufferSize: UnsafeAtomic<Int>
    /// MIDI events of 1…3 bytes copied from `control_in` into the control queue.
    let midiEvents: UnsafeAtomic<Int>
    /// MIDI events longer than 3 bytes (SysEx) seen on `control_in` and not copied.
    let sysexDropped: UnsafeAtomic<Int>
    /// Control records (MIDI or transport) dropped because the control queue was full.
    let midiOverflow: UnsafeAtomic<Int>
    /// Transport-beat records queued.
    let transportBeats: UnsafeAtomic<Int>
    /// Frames copied from `reference_in` into the reference ring.
    let referenceFrames: UnsafeAtomic<Int>
    /// Frames of `reference_in` dropped because the reference ring was full.
    let referenceOverflow: UnsafeAtomic<Int>

    static func create() -> RealtimeSafeJackCounters {
        RealtimeSafeJackCounters(
            cycles: .create(0), deliveredSamples: .create(0), underrunSamples: .create(0),
            underrunEvents: .create(0), xruns: .create(0), shutDown: .create(0),
            shutdownStatus: .create(0), bufferSize: .create(0), midiEvents: .create(0), sysexDropped: .create(0),
            midiOverflow: .create(0), transportBeats: .create(0), referenceFrames: .create(0),
            referenceOverflow: .create(0))
    }

    func destroy() {
        for atomic in [cycles, deliveredSamples, underrunSamples, underrunEvents, xruns, shutDown, shutdownStatus, bufferSize,
                       midiEvents, sysexDropped, midiOverflow, transportBeats, referenceFrames, referenceOverflow] {
            atomic.destroy()
        }
    }
}

/// Everything the JACK callbacks of one client touch. A plain struct of raw pointers and
/// `Bool`s, allocated once per client before activation and freed after `jack_client_close`.
///
/// Thread safety: the setup fields (`reader`, ports, `counters`, the setup part of `inputs`) are
/// written before `jack_activate` and only read afterwards. `hasPlayed`, `starving` and the
/// transport state in `inputs` are read and written by the process callback only. Counters are
/// atomics.
struct RealtimeSafeJackContext {
    var reader: UnsafeSPSCRingReader
    /// `jack_port_t *` of `out_1`.
    var port1: OpaquePointer
    /// `jack_port_t *` of `out_2` when stereo.
    var port2: OpaquePointer?
    var counters: RealtimeSafeJackCounters
    /// MIDI, transport and reference input (ports may be absent).
    var inputs: RealtimeSafeJackInputs
    /// Process-thread state: some audio has been delivered since activation.
    var hasPlayed: Bool = false
    /// Process-thread state: the last cycle was short (inside an underrun gap).
    var starving: Bool = false
}

/// The C callbacks installed on a `JackSink`'s client. Each is a static function called from a
/// non-capturing `@convention(c)` closure literal. Never add anything that allocates, locks,
/// logs or touches a Swift object here (see the comment block at the top of this file).
enum RealtimeSafeJackCallbacks {
    /// JACK process callback: copy from the ring reader into `out_1` (and `out_2`), silence and
    /// count what is missing; then the inputs (`RealtimeSafeJackInputCallbacks`). Returns 0
    /// (JACK keeps the client).
    @inline(__always)
    static func process(frames nframes: jack_nframes_t, context arg: UnsafeMutableRawPointer?) -> Int32 {
        guard let arg else { return 0 }
        let context = arg.assumingMemoryBound(to: RealtimeSafeJackContext.self)
        let frames = Int(nframes)
        let counters = context.pointee.counters
        // Output-timeline position at the start of this cycle (only this thread writes these).
        let timelineAtStart = counters.deliveredSamples.load(ordering: .relaxed)
            &+ counters.underrunSamples.load(ordering: .relaxed)
        guard let raw1 = jack_port_get_buffer(context.pointee.port1, nframes) else { return 0 }
        let out1 = raw1.assumingMemoryBound(to: Float.self)
        let got = context.pointee.reader.read(into: out1, count: frames)
        let stride = MemoryLayout<Float>.stride
        if got < frames {
            _ = memset(out1 + got, 0, (frames &- got) &* stride)  // 0.0 is all-zero bits
        }
        if let port2 = context.pointee.port2, let raw2 = jack_port_get_buffer(port2, nframes) {
            _ = memcpy(raw2, raw1, frames &* stride)
        }
        if got > 0 {
            counters.deliveredSamples.wrappingIncrement(by: got, ordering: .relaxed)
            context.pointee.hasPlayed = true
        }
        if got < frames {
            if context.pointee.hasPlayed {
                counters.underrunSamples.wrappingIncrement(by: frames &- got, ordering: .relaxed)
                if !context.pointee.starving {
                    counters.underrunEvents.wrappingIncrement(ordering: .relaxed)
                    context.pointee.starving = true
                }
            }
        } else {
            context.pointee.starving = false
        }
        // Audio that starts in this cycle starts at offset 0, so the timeline runs for the whole cycle.
        RealtimeSafeJackInputCallbacks.process(
            frames: nframes, context: context, counters: counters, timelineAtStart: timelineAtStart, timelineRunning: context.pointee.hasPlayed)
        counters.cycles.wrappingIncrement(ordering: .releasing)
        return 0
    }

    /// JACK xrun callback: count it.
    @inline(__always)
    static func xrun(context arg: UnsafeMutableRawPointer?) -> Int32 {
        guard let arg else { return 0 }
        arg.assumingMemoryBound(to: RealtimeSafeJackContext.self).pointee.counters.xruns
            .wrappingIncrement(ordering: .relaxed)
        return 0
    }

    /// JACK buffer-size callback: remember the new period size.
    @inline(__always)
    static func bufferSize(frames: jack_nframes_t, context arg: UnsafeMutableRawPointer?) -> Int32 {
        guard let arg else { return 0 }
        arg.assumingMemoryBound(to: RealtimeSafeJackContext.self).pointee.counters.bufferSize
            .store(Int(frames), ordering: .relaxed)
        return 0
    }

    /// JACK info-shutdown callback: record the status and raise the flag. Must not call JACK.
    @inline(__always)
    static func shutdown(status: UInt32, context arg: UnsafeMutableRawPointer?) {
        guard let arg else { return }
        let counters = arg.assumingMemoryBound(to: RealtimeSafeJackContext.self).pointee.counters
        counters.shutdownStatus.store(Int(status), ordering: .relaxed)
        counters.shutDown.store(1, ordering: .releasing)
    }
}
