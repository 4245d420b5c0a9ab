import Foundation

/// The body of `POST /say`, parsed and checked but not yet resolved against a model: the voice is
/// still a name (only preset names are accepted over HTTP; see `ServeVoices`).
///
/// JSON shape: `{"text": "…", "voice": "v2/en_speaker_6", "seed": 1, "priority": 0}`; only `text`
/// is required. Parsing is pure and allocation-bounded by the body size, so it is safe on any
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

    public init(text: String, voice: String? = nil, seed: UInt64? = nil, priority: Int = 0) {
        self.text = text
        self.voice = voice
        self.seed = seed
        self.priority = priority
    }

    /// The fields a body may hold.
    public static let fields = ["text", "voice", "seed", "priority"]
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
            throw .invalid("the request body is not valid JSON (\(describe(error))); expected \(example)")
        }
        guard let fields = object as? [String: Any] else {
            throw .invalid("expected a JSON object like \(example), got \(kind(of: object))")
        }
        if let unknown = fields.keys.sorted().first(where: { !Self.fields.contains($0) }) {
            throw .invalid("unknown field \"\(unknown)\"; the fields are \(Self.fields.joined(separator: ", "))")
        }
        guard let rawText = fields["text"], !(rawText is NSNull) else {
            throw .invalid("missing field \"text\" (the text to speak)")
        }
        guard let string = rawText as? String, !(rawText is NSNumber) else { throw .invalid("field \"text\" must be a string") }
        let text = string.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { throw .invalid("field \"text\" is empty") }
        guard text.count <= maxTextCharacters else {
            throw .invalid("field \"text\" has \(text.count) characters; at most \(maxTextCharacters) are accepted")
        }
        var request = SayRequest(text: text)
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

    /// The parser's own explanation (Foundation keeps it under NSDebugDescription), never the
    /// error's domain and code.
    private static func describe(_ error: any Error) -> String {
        let ns = error as NSError
        if let detail = ns.userInfo[NSDebugDescriptionErrorKey] as? String { return detail }
        return "it could not be parsed"
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
