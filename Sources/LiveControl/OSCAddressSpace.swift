import Modalities

/// The OmniBark OSC address space: what each address means and which arguments it takes.
///
///     /omnibark/say s                 queue text to speak
///     /omnibark/beat [delay]          beat marker now, or `delay` seconds from now
///     /omnibark/sfx slot|name [delay] SFX trigger: slot number (i, or a whole f/d/h) or name (s)
///     /omnibark/phoneme s [delay]     phoneme hint
///     /omnibark/style s               style instruction (text-adapter prefix); "" clears
///     /omnibark/weight/<modality> w   routing weight of text|audio|image|control, finite, ≥ 0
///
/// Numbers (`delay`, `w`) may be `i`, `h`, `f` or `d`; a delay is seconds, 0…3600. Strings (`s`
/// or `S`) must be UTF-8 of at most 4096 bytes.
///
/// Thread safety: stateless; any thread.
public enum OSCAddressSpace {
    /// The address prefix every OmniBark address starts with.
    public static let prefix = "/omnibark/"

    /// Why a message was refused: `kind` is the trouble in a few words ("unknown address",
    /// "wrong type tags", "bad value", "string too long"), counted and reported once per kind;
    /// `detail` names the address and argument.
    public struct Rejection: Error, Sendable, Equatable {
        public var kind: String
        public var detail: String
    }

    /// The action `message` asks for and its delay in seconds (nil: now), or why it is refused.
    public static func action(for message: OSCMessage) -> Result<(action: LiveAction, delaySeconds: Double?), Rejection> {
        do throws(Rejection) {
            return .success(try interpret(message))
        } catch {
            return .failure(error)
        }
    }

    private static func interpret(_ message: OSCMessage) throws(Rejection) -> (action: LiveAction, delaySeconds: Double?) {
        let address = message.address
        let arguments = message.arguments
        func wrongTags(_ expected: String) -> Rejection {
            Rejection(kind: "wrong type tags", detail: "\(address) takes \(expected), got \(message.typeTags)")
        }
        switch address {
        case prefix + "say":
            guard arguments.count == 1 else { throw wrongTags("s (the text)") }
            let text = try string(arguments[0], index: 0, address: address, expected: "s (the text)")
            guard !text.allSatisfy(\.isWhitespace) else {
                throw Rejection(kind: "bad value", detail: "\(address) argument 0: the text is empty")
            }
            return (.say(text), nil)
        case prefix + "beat":
            guard arguments.count <= 1 else { throw wrongTags("no argument or a delay in seconds (f)") }
            let delay = try optionalDelay(arguments, index: 0, address: address)
            return (.control(.beatMarker, .none), delay)
        case prefix + "sfx":
            guard (1...2).contains(arguments.count) else { throw wrongTags("a slot (i) or name (s), then an optional delay (f)") }
            let payload: ControlEvent.Payload
            if case .string = arguments[0] {
                payload = .string(try string(arguments[0], index: 0, address: address, expected: "a slot (i) or name (s)"))
            } else {
                guard let slot = number(arguments[0]) else { throw wrongTags("a slot (i) or name (s), then an optional delay (f)") }
                guard slot.isFinite, slot >= 0, slot == slot.rounded(), slot <= Double(Int32.max) else {
                    throw Rejection(kind: "bad value", detail: "\(address) argument 0: the slot must be a whole number ≥ 0 (got \(slot))")
                }
                payload = .number(slot)
            }
            let delay = try optionalDelay(arguments, index: 1, address: address)
            return (.control(.sfxTrigger, payload), delay)
        case prefix + "phoneme":
            guard (1...2).contains(arguments.count) else { throw wrongTags("s (the phoneme), then an optional delay (f)") }
            let phoneme = try string(arguments[0], index: 0, address: address, expected: "s (the phoneme), then an optional delay (f)")
            guard !phoneme.isEmpty else { throw Rejection(kind: "bad value", detail: "\(address) argument 0: the phoneme is empty") }
            let delay = try optionalDelay(arguments, index: 1, address: address)
            return (.control(.phonemeHint, .string(phoneme)), delay)
        case prefix + "style":
            guard arguments.count == 1 else { throw wrongTags("s (the instruction, \"\" clears)") }
            return (.styleInstruction(try string(arguments[0], index: 0, address: address, expected: "s (the instruction, \"\" clears)")), nil)
        default:
            let weightPrefix = prefix + "weight/"
            guard address.hasPrefix(weightPrefix) else {
                throw Rejection(kind: "unknown address", detail: address)
            }
            let name = String(address.dropFirst(weightPrefix.count))
            guard let modality = LiveModalityName.modality(named: name) else {
                throw Rejection(kind: "unknown address", detail: "\(address) (the modality is one of \(LiveModalityName.choices))")
            }
            guard arguments.count == 1, let weight = number(arguments[0]) else { throw wrongTags("a weight (f)") }
            guard weight.isFinite, weight >= 0, Float(weight).isFinite else {
                throw Rejection(kind: "bad value", detail: "\(address) argument 0: the weight must be finite and ≥ 0 (got \(weight))")
            }
            return (.weight(modality, Float(weight)), nil)
        }
    }

    /// A numeric argument (`i`, `h`, `f`, `d`) as a Double; nil for any other tag.
    private static func number(_ argument: OSCMessage.Argument) -> Double? {
        switch argument {
        case let .int32(value): return Double(value)
        case let .int64(value): return Double(value)
        case let .float(value): return Double(value)
        case let .double(value): return value
        case .string, .other: return nil
        }
    }

    /// The delay at `arguments[index]`, or nil when there is no argument there.
    private static func optionalDelay(_ arguments: [OSCMessage.Argument], index: Int, address: String) throws(Rejection) -> Double? {
        guard index < arguments.count else { return nil }
        return try delaySeconds(arguments[index], index: index, address: address)
    }

    /// A delay argument: seconds, finite, 0…`LiveControlLimits.maximumDelaySeconds`.
    private static func delaySeconds(_ argument: OSCMessage.Argument, index: Int, address: String) throws(Rejection) -> Double {
        guard let seconds = number(argument) else {
            throw Rejection(kind: "wrong type tags", detail: "\(address) argument \(index): the delay must be a number of seconds (i, f or d), got '\(argument.tag)'")
        }
        guard seconds.isFinite, seconds >= 0, seconds <= LiveControlLimits.maximumDelaySeconds else {
            throw Rejection(kind: "bad value",
                            detail: "\(address) argument \(index): the delay must be 0…\(Int(LiveControlLimits.maximumDelaySeconds)) seconds (got \(seconds))")
        }
        return seconds
    }

    /// A string argument: valid UTF-8 of at most `LiveControlLimits.maximumTextBytes` bytes.
    private static func string(_ argument: OSCMessage.Argument, index: Int, address: String, expected: String) throws(Rejection) -> String {
        guard case let .string(bytes) = argument else {
            throw Rejection(kind: "wrong type tags", detail: "\(address) takes \(expected), got '\(argument.tag)' as argument \(index)")
        }
        guard bytes.count <= LiveControlLimits.maximumTextBytes else {
            throw Rejection(kind: "string too long",
                            detail: "\(address) argument \(index): \(bytes.count) bytes (at most \(LiveControlLimits.maximumTextBytes))")
        }
        let text = String(decoding: bytes, as: UTF8.self)
        guard text.utf8.elementsEqual(bytes) else {
            throw Rejection(kind: "bad value", detail: "\(address) argument \(index): the text is not valid UTF-8")
        }
        return text
    }
}
