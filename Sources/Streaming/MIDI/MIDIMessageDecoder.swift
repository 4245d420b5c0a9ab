/// Turns the bytes of JACK MIDI events into ``MIDIMessage``s. Not for the realtime thread (it
/// allocates its results); feed it what ``JackSink/drainMIDI(_:)`` returns.
///
/// What it accepts, byte by byte:
/// - Channel status 0x80…0xEF starts a message and becomes the running status; data bytes
///   (0x00…0x7F) that follow complete it, and further data bytes start another message with the
///   same status (running status), also across events. Note on/off and control change are
///   decoded; polyphonic pressure, program change, channel pressure and pitch bend are valid but
///   ignored (``ignored`` counts them).
/// - Realtime bytes 0xF8…0xFF may appear anywhere, even inside a message, and change nothing
///   else: clock, start, continue and stop are decoded; active sensing (0xFE) is ignored; reset
///   (0xFF) clears the running status; 0xF9 and 0xFD are undefined (malformed).
/// - System common 0xF1…0xF6 cancels the running status; its data is skipped (ignored); 0xF4 and
///   0xF5 are undefined (malformed).
/// - SysEx (0xF0 … 0xF7) is not supported: the whole message is skipped and counted once as
///   malformed `"sysex"`. It cancels the running status.
///
/// Malformed input never stops decoding; each case is counted under a short kind string in
/// ``malformedKinds``:
/// `"running-status data without status"` (a data byte with no status to apply it to; counted per
/// byte), `"truncated note-on"` / `"truncated note-off"` / `"truncated control change"` /
/// `"truncated <other>"` (a message cut short by the end of the event or by another status byte),
/// `"sysex"`, `"stray end of sysex"` (0xF7 outside SysEx), `"undefined status 0xF4"` (etc.).
///
/// Thread safety: a value type; use one instance from one thread at a time.
public struct MIDIMessageDecoder: Sendable {
    /// The channel status in force for data bytes (0 = none).
    public private(set) var runningStatus: UInt8 = 0
    /// Malformed inputs seen so far, in total.
    public private(set) var malformedCount = 0
    /// Malformed inputs by kind (see the type's documentation for the kind strings).
    public private(set) var malformedKinds: [String: Int] = [:]
    /// The most recent malformed kind, if any.
    public private(set) var lastMalformedKind: String?
    /// Valid messages that are not decoded (pressure, program change, pitch bend, system common,
    /// active sensing, reset).
    public private(set) var ignored = 0

    /// Data bytes collected for the current message (0…2) and how many it needs.
    private var data: (UInt8, UInt8) = (0, 0)
    private var dataCount = 0
    private var inSysEx = false
    /// Data bytes still to skip after a system common status.
    private var systemCommonDataLeft = 0

    public init() {}

    /// Decodes the bytes of one event. A message still incomplete at the end of the event is
    /// truncated (counted), but the running status carries on to the next event.
    public mutating func decode<Bytes: Sequence>(_ bytes: Bytes) -> [MIDIMessage] where Bytes.Element == UInt8 {
        var messages: [MIDIMessage] = []
        for byte in bytes { consume(byte, into: &messages) }
        endOfEvent()
        return messages
    }

    /// Decodes a control record: MIDI bytes through ``decode(_:)``, transport records directly.
    public mutating func decode(record: JackMIDIRecord) -> [MIDIMessage] {
        switch record.kind {
        case .midi: return decode(record.bytes)
        case .transportBeat:
            return [.transportBeat(bar: Int(record.bar), beat: Int(record.beat), transportFrame: Int(record.transportFrame))]
        case .transportRolling: return [.transportRolling]
        case .transportStopped: return [.transportStopped]
        }
    }

    /// Decodes a record and stamps each message with the record's times.
    public mutating func decodeTimed(record: JackMIDIRecord) -> [TimedMIDIMessage] {
        decode(record: record).map { TimedMIDIMessage(message: $0, frameTime: record.frameTime, outputFrame: record.outputFrame) }
    }

    // MARK: Byte by byte

    private mutating func consume(_ byte: UInt8, into messages: inout [MIDIMessage]) {
        if byte >= 0xF8 {
            realtime(byte, into: &messages)
            return
        }
        if inSysEx {
            if byte == 0xF7 { inSysEx = false; return }
            if byte < 0x80 { return }
            inSysEx = false  // a status byte ends an unterminated SysEx; handle it below
        }
        if byte < 0x80 {
            dataByte(byte, into: &messages)
            return
        }
        truncatePending()
        switch byte {
        case 0x80...0xEF:
            runningStatus = byte
        case 0xF0:
            runningStatus = 0
            inSysEx = true
            malformed("sysex")
        case 0xF7:
            malformed("stray end of sysex")
        case 0xF4, 0xF5:
            runningStatus = 0
            malformed("undefined status 0x\(String(byte, radix: 16, uppercase: true))")
        default:  // 0xF1, 0xF2, 0xF3, 0xF6: system common, data skipped
            runningStatus = 0
            systemCommonDataLeft = byte == 0xF2 ? 2 : (byte == 0xF6 ? 0 : 1)
            ignored += 1
        }
    }

    private mutating func realtime(_ byte: UInt8, into messages: inout [MIDIMessage]) {
        switch byte {
        case 0xF8: messages.append(.clock)
        case 0xFA: messages.append(.start)
        case 0xFB: messages.append(.continue)
        case 0xFC: messages.append(.stop)
        case 0xFE: ignored += 1
        case 0xFF:
            ignored += 1
            dataCount = 0
            runningStatus = 0
            systemCommonDataLeft = 0
            inSysEx = false
        default: malformed("undefined status 0x\(String(byte, radix: 16, uppercase: true))")
        }
    }

    private mutating func dataByte(_ byte: UInt8, into messages: inout [MIDIMessage]) {
        if systemCommonDataLeft > 0 {
            systemCommonDataLeft -= 1
            return
        }
        guard runningStatus != 0 else {
            malformed("running-status data without status")
            return
        }
        if dataCount == 0 { data.0 = byte } else { data.1 = byte }
        dataCount += 1
        guard dataCount == Self.dataLength(status: runningStatus) else { return }
        dataCount = 0
        let channel = runningStatus & 0x0F
        switch runningStatus & 0xF0 {
        case 0x90 where data.1 == 0: messages.append(.noteOff(channel: channel, note: data.0, velocity: 0))
        case 0x90: messages.append(.noteOn(channel: channel, note: data.0, velocity: data.1))
        case 0x80: messages.append(.noteOff(channel: channel, note: data.0, velocity: data.1))
        case 0xB0: messages.append(.controlChange(channel: channel, controller: data.0, value: data.1))
        default: ignored += 1
        }
    }

    private mutating func endOfEvent() {
        truncatePending()
        if inSysEx {
            inSysEx = false  // counted once when it started
        }
        if systemCommonDataLeft > 0 {
            systemCommonDataLeft = 0
            malformed("truncated system common")
        }
    }

    /// A message with some but not all of its data bytes is abandoned and counted.
    private mutating func truncatePending() {
        if dataCount > 0 {
            dataCount = 0
            malformed("truncated \(Self.name(status: runningStatus))")
        }
        if systemCommonDataLeft > 0 {
            systemCommonDataLeft = 0
            malformed("truncated system common")
        }
    }

    private mutating func malformed(_ kind: String) {
        malformedCount += 1
        malformedKinds[kind, default: 0] += 1
        lastMalformedKind = kind
    }

    private static func dataLength(status: UInt8) -> Int {
        switch status & 0xF0 {
        case 0xC0, 0xD0: return 1
        default: return 2
        }
    }

    private static func name(status: UInt8) -> String {
        switch status & 0xF0 {
        case 0x80: return "note-off"
        case 0x90: return "note-on"
        case 0xA0: return "poly pressure"
        case 0xB0: return "control change"
        case 0xC0: return "program change"
        case 0xD0: return "channel pressure"
        default: return "pitch bend"
        }
    }
}
