/// One output as `--sink` and presets name it:
/// - `jack` or `jack:PORT[,PORT…]` — JACK ports `omnibark:out_1` (…), connected to the given ports;
/// - `wav:FILE` — a WAV file (16-bit, written to a temporary name and renamed at the end);
/// - `http:PORT` — the Ogg Opus stream and the HTTP API (`serve`);
/// - `icecast:URL` — an Icecast source (`serve`), e.g. `icecast:http://source:PASS@host:8000/bark.opus`.
public enum SinkSpec: Sendable, Equatable, CustomStringConvertible {
    case jack(connect: [String])
    case wav(path: String)
    case http(port: Int)
    case icecast(url: String)

    /// Parses one spec; the error says what was expected.
    public static func parse(_ text: String) throws(SinkSpecError) -> SinkSpec {
        if text == "jack" { return .jack(connect: []) }
        if text.hasPrefix("jack:") {
            let ports = text.dropFirst(5).split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            guard !ports.isEmpty else { throw SinkSpecError(spec: text, reason: "jack:PORT needs at least one port name, e.g. jack:system:playback_1") }
            return .jack(connect: ports)
        }
        if text.hasPrefix("wav:") {
            let path = String(text.dropFirst(4))
            guard !path.isEmpty else { throw SinkSpecError(spec: text, reason: "wav:FILE needs a file name") }
            return .wav(path: path)
        }
        if text.hasPrefix("http:") {
            guard let port = Int(text.dropFirst(5)), (0...65_535).contains(port) else {
                throw SinkSpecError(spec: text, reason: "http:PORT needs a port 1…65535 (or 0 for any free port)")
            }
            return .http(port: port)
        }
        if text.hasPrefix("icecast:") {
            let url = String(text.dropFirst(8))
            guard url.hasPrefix("http://") || url.hasPrefix("https://") else {
                throw SinkSpecError(spec: text, reason: "icecast:URL needs a URL of the form http://source:PASSWORD@HOST:PORT/MOUNT")
            }
            return .icecast(url: url)
        }
        throw SinkSpecError(spec: text, reason: "expected jack, jack:PORT[,PORT], wav:FILE, http:PORT or icecast:URL")
    }

    public var description: String {
        switch self {
        case let .jack(ports): return ports.isEmpty ? "jack" : "jack:" + ports.joined(separator: ",")
        case let .wav(path): return "wav:" + path
        case let .http(port): return "http:\(port)"
        case let .icecast(url): return "icecast:" + url
        }
    }
}

/// A `--sink` (or preset `sinks`) entry that does not parse.
public struct SinkSpecError: Error, Sendable, Equatable, CustomStringConvertible {
    public let spec: String
    public let reason: String
    public init(spec: String, reason: String) {
        self.spec = spec
        self.reason = reason
    }
    public var description: String { "sink '\(spec)': \(reason)" }
}
