import Checkpoints
import Foundation
import Modalities

/// The body of `POST /say`, parsed and checked but not yet resolved against a model: the voice is
/// still a name (only preset names are accepted over HTTP; see `ServeVoices`).
///
/// JSON shape: `{"text": "…", "voice": "v2/en_speaker_6", "seed": 1, "priority": 0}`; only `text`
/// is required, unless another input stands in for it. The conditioning fields (they need a
/// server started with `--adapters`):
/// - `"style"`: a style instruction such as `"[whisper]"`;
/// - `"reference_audio"`: a WAV file, base64-encoded;
/// - `"image"`: a PNG or JPEG file, base64-encoded (needs `--clip`);
/// - `"control"`: control events as in a `--control` file (an array of `{"kind", "time"|"frame", "payload"}`);
/// - `"weights"` / `"priorities"`: per-modality routing, e.g. `{"audio": 2, "text": 1}`.
///
/// Parsing is pure and allocation-bounded by the body size, so it is safe on any
/// bytes a client sends (it is a fuzz target).
public struct SayRequest: Sendable, Equatable {
    /// The text to speak, trimmed; never empty.
    public var text: String
    /// A voice preset name, as the client gave it.
    public var voice: String?
    /// A random seed for this request (otherwise the server picks one).
    public var seed: UInt64?
    /// Higher is spoken sooner; equal priorities keep their order.
    public var priority: Int

    /// A style instruction for the text adapter.
    public var style: String?
    /// The bytes of a WAV file (decoded from base64, not yet parsed).
    public var referenceAudio: [UInt8]?
    /// The bytes of a PNG or JPEG file (decoded from base64, not yet parsed).
    public var image: [UInt8]?
    /// Control events, checked as a `--control` file is.
    public var controlEvents: [ControlEvent] = []
    /// Routing weights and priorities by modality, as given.
    public var weights: [Modality: Float] = [:]
    public var priorities: [Modality: Int] = [:]

    public init(text: String, voice: String? = nil, seed: UInt64? = nil, priority: Int = 0) {
        self.text = text
        self.voice = voice
        self.seed = seed
        self.priority = priority
    }

    /// Whether any conditioning field was given (they need adapters).
    public var usesConditioning: Bool {
        style != nil || referenceAudio != nil || image != nil || !controlEvents.isEmpty || !weights.isEmpty || !priorities.isEmpty
    }

    /// The fields a body may hold.
    public static let fields = ["text", "voice", "seed", "priority", "style", "reference_audio", "image", "control", "weights", "priorities"]
    /// Largest decoded reference audio or image, in bytes.
    public static let maxMediaBytes = 8 << 20
    /// An example body, for error messages.
    public static let example = #"{"text": "Hello there.", "voice": "v2/en_speaker_6", "seed": 1, "priority": 0}"#

    /// Parses a request body. Throws `SayRequestError` naming the field at fault.
    /// - Parameter maxTextCharacters: longer texts are refused.
    public static func parse(_ body: [UInt8], maxTextCharacters: Int) throws(SayRequestError) -> SayRequest {
        let decoded: String
        do { decoded = try UTF8Text.decode(body, source: "the request body") } catch {
            throw .invalid(error.description)
        }
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(decoded.utf8), options: [])
        } catch {
            throw .invalid("the request body is not valid JSON (\(DecodingErrorText.syntax(error))); expected \(example)")
        }
        guard let fields = object as? [String: Any] else {
            throw .invalid("expected a JSON object like \(example), got \(kind(of: object))")
        }
        if let unknown = fields.keys.sorted().first(where: { !Self.fields.contains($0) }) {
            throw .invalid("unknown field \"\(unknown)\"; the fields are \(Self.fields.joined(separator: ", "))")
        }
        let standIns = ["reference_audio", "image", "control", "style"].filter { fields[$0] != nil && !(fields[$0] is NSNull) }
        var text = ""
        if let rawText = fields["text"], !(rawText is NSNull) {
            guard let string = rawText as? String, !(rawText is NSNumber) else { throw .invalid("field \"text\" must be a string") }
            text = string.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !text.isEmpty || !standIns.isEmpty else { throw .invalid("field \"text\" is empty") }
        } else if standIns.isEmpty {
            throw .invalid("missing field \"text\" (the text to speak)")
        }
        guard text.count <= maxTextCharacters else {
            throw .invalid("field \"text\" has \(text.count) characters; at most \(maxTextCharacters) are accepted")
        }
        var request = SayRequest(text: text)
        try parseConditioning(fields, into: &request)
        if let rawVoice = fields["voice"], !(rawVoice is NSNull) {
            guard let name = rawVoice as? String, !(rawVoice is NSNumber) else {
                throw .invalid("field \"voice\" must be a string (a voice preset name such as \"v2/en_speaker_6\")")
            }
            request.voice = name
        }
        if let rawSeed = fields["seed"], !(rawSeed is NSNull) {
            guard let number = rawSeed as? NSNumber, !isBool(number), let value = UInt64(exactly: number.doubleValue) else {
                throw .invalid("field \"seed\" must be a non-negative integer")
            }
            request.seed = value
        }
        if let rawPriority = fields["priority"], !(rawPriority is NSNull) {
            guard let number = rawPriority as? NSNumber, !isBool(number), number.doubleValue.magnitude <= 1e9,
                  let value = Int(exactly: number.doubleValue) else {
                throw .invalid("field \"priority\" must be an integer between -1000000000 and 1000000000 (higher is spoken sooner)")
            }
            request.priority = value
        }
        return request
    }

    private static func parseConditioning(_ fields: [String: Any], into request: inout SayRequest) throws(SayRequestError) {
        if let raw = fields["style"], !(raw is NSNull) {
            guard let style = raw as? String, !(raw is NSNumber), style.count <= 256 else {
                throw .invalid("field \"style\" must be a string of at most 256 characters, e.g. \"[whisper]\"")
            }
            request.style = style
        }
        request.referenceAudio = try base64(fields["reference_audio"], field: "reference_audio", what: "a WAV file")
        request.image = try base64(fields["image"], field: "image", what: "a PNG or JPEG file")
        if let raw = fields["control"], !(raw is NSNull) {
            guard raw is [Any], let data = try? JSONSerialization.data(withJSONObject: raw) else {
                throw .invalid("field \"control\" must be an array of events like [{\"kind\": \"beat\", \"time\": 1.5}]")
            }
            do { request.controlEvents = try ControlEvent.parse(data, file: "field \"control\"") } catch {
                throw .invalid("\(error)")
            }
            if request.controlEvents.count > ModalityBundle.maxControlEvents {
                throw .invalid("field \"control\" has \(request.controlEvents.count) events; at most \(ModalityBundle.maxControlEvents)")
            }
        }
        for (field, isWeight) in [("weights", true), ("priorities", false)] {
            guard let raw = fields[field], !(raw is NSNull) else { continue }
            guard let object = raw as? [String: Any] else {
                throw .invalid("field \"\(field)\" must be an object such as {\"audio\": 2, \"text\": 1}")
            }
            for key in object.keys.sorted() {
                guard let modality = Modality(routingName: key) else {
                    throw .invalid("field \"\(field)\": unknown modality \"\(key)\" (expected text, audio, image or control)")
                }
                guard let number = object[key] as? NSNumber, !isBool(number) else {
                    throw .invalid("field \"\(field)\".\(key) must be a number")
                }
                if isWeight {
                    let w = number.doubleValue
                    guard w.isFinite, w >= 0, w <= 1e6 else { throw .invalid("field \"weights\".\(key) must be a number ≥ 0") }
                    request.weights[modality] = Float(w)
                } else {
                    guard number.doubleValue.magnitude <= 1e9, let p = Int(exactly: number.doubleValue) else {
                        throw .invalid("field \"priorities\".\(key) must be an integer")
                    }
                    request.priorities[modality] = p
                }
            }
        }
    }

    private static func base64(_ raw: Any?, field: String, what: String) throws(SayRequestError) -> [UInt8]? {
        guard let raw, !(raw is NSNull) else { return nil }
        guard let text = raw as? String, !(raw is NSNumber) else { throw .invalid("field \"\(field)\" must be a base64 string (\(what))") }
        guard text.utf8.count <= maxMediaBytes / 3 * 4 + 4 else {
            throw .invalid("field \"\(field)\" is over \(maxMediaBytes >> 20) MiB once decoded")
        }
        guard let data = Data(base64Encoded: text, options: [.ignoreUnknownCharacters]), !data.isEmpty else {
            throw .invalid("field \"\(field)\" is not valid base64 (\(what))")
        }
        return [UInt8](data)
    }

    private static func isBool(_ number: NSNumber) -> Bool {
        String(cString: number.objCType) == "c"
    }

    private static func kind(of object: Any) -> String {
        switch object {
        case is [Any]: return "an array"
        case is String: return "a string"
        case let number as NSNumber: return isBool(number) ? "a boolean" : "a number"
        case is NSNull: return "null"
        default: return "\(type(of: object))"
        }
    }
}

/// Why a `POST /say` body was refused (HTTP 400).
public enum SayRequestError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalid(String)

    public var description: String {
        switch self {
        case let .invalid(message): return message
        }
    }
}

extension Modality {
    /// `text`, `audio`, `image` or `control`: the names requests, presets and OSC use.
    public init?(routingName: String) {
        switch routingName.lowercased() {
        case "text": self = .text
        case "audio", "reference", "reference_audio", "reference-audio": self = .audio
        case "image": self = .image
        case "control", "events": self = .control
        default: return nil
        }
    }

    /// The short name (`text`, `audio`, `image`, `control`).
    public var routingName: String {
        switch self {
        case .text: return "text"
        case .audio: return "audio"
        case .image: return "image"
        case .control: return "control"
        }
    }
}
