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
// log, block, call into Swift concurrency, or retain/release an object. This file is the whole
// of the code that runs there, and it keeps that promise by construction:
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

    static func create() -> RealtimeSafeJackCounters {
        RealtimeSafeJackCounters(
            cycles: .create(0), deliveredSamples: .create(0), underrunSamples: .create(0),
            underrunEvents: .create(0), xruns: .create(0), shutDown: .create(0),
            shutdownStatus: .create(0), bufferSize: .create(0))
    }

    func destroy() {
        for atomic in [cycles, deliveredSamples, underrunSamples, underrunEvents, xruns, shutDown, shutdownStatus, bufferSize] {
            atomic.destroy()
        }
    }
}

/// Everything the JACK callbacks of one client touch. A plain struct of raw pointers and
/// `Bool`s, allocated once per client before activation and freed after `jack_client_close`.
///
/// Thread safety: the setup fields (`reader`, ports, `counters`) are written before
/// `jack_activate` and only read afterwards. `hasPlayed` and `starving` are read and written by
/// the process callback only. Counters are atomics.
struct RealtimeSafeJackContext {
    var reader: UnsafeSPSCRingReader
    /// `jack_port_t *` of `out_1`.
    var port1: OpaquePointer
    /// `jack_port_t *` of `out_2` when stereo.
    var port2: OpaquePointer?
    var counters: RealtimeSafeJackCounters
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
    /// count what is missing. Returns 0 (JACK keeps the client).
    @inline(__always)
    static func process(frames nframes: jack_nframes_t, context arg: UnsafeMutableRawPointer?) -> Int32 {
        guard let arg else { return 0 }
        let context = arg.assumingMemoryBound(to: RealtimeSafeJackContext.self)
        let frames = Int(nframes)
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
        let counters = context.pointee.counters
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
