/// Why a ``JackSink`` could not open, connect or keep running.
///
/// Messages name the server and client and say what to do, e.g. how to start a server.
public enum JackSinkError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No JACK server with this name is running (OmniBark never starts one itself).
    /// `server` is nil for the default server; `status` is the raw `jack_status_t`.
    case serverNotRunning(server: String?, status: UInt32)
    /// The server runs but refused the client (name taken with exact names, version mismatch, …).
    case clientOpenFailed(client: String, server: String?, status: UInt32, reason: String)
    /// `jack_port_register` returned NULL for `port` (`out_1`, `out_2`, `control_in` or `reference_in`).
    case portRegistrationFailed(client: String, port: String)
    /// `jack_set_*_callback` or `jack_activate` returned a non-zero code.
    case activationFailed(client: String, step: String, code: Int32)
    /// `jack_connect(source, destination)` failed (e.g. no such port).
    case connectionFailed(source: String, destination: String, code: Int32)
    /// The channel count is not 1 (mono: `out_1`) or 2 (stereo: `out_1`, `out_2`, same signal).
    case unsupportedChannelCount(Int)
    /// A configured capacity (`setting`, e.g. `midiQueueCapacity`) is outside `allowed`.
    case invalidCapacity(setting: String, value: Int, allowed: String)
    /// The server shut down (or was killed) under the sink, or the sink was closed.
    case notRunning(client: String, reason: String)

    public var description: String {
        switch self {
        case let .serverNotRunning(server, status):
            let which = server.map { "named '\($0)'" } ?? "(default server)"
            let named = server.map { " (for the server named '\($0)': `jackd -n \($0) -d dummy -r 48000 &`)" } ?? ""
            return "No JACK server \(which) is running (jack_client_open status 0x\(String(status, radix: 16))). "
                + "OmniBark never starts a JACK server itself. Start one first: `jackd -d dummy -r 48000 &` "
                + "(no sound card: tests, headless use)\(named) or `jackd -d alsa` (plays through the sound card), "
                + "then try again."
        case let .clientOpenFailed(client, server, status, reason):
            return "JACK server \(server.map { "'\($0)'" } ?? "(default)") refused client '\(client)' "
                + "(jack_client_open status 0x\(String(status, radix: 16)): \(reason))"
        case let .portRegistrationFailed(client, port):
            return "JACK client '\(client)' could not register port '\(port)'"
        case let .activationFailed(client, step, code):
            return "JACK client '\(client)': \(step) failed with code \(code)"
        case let .connectionFailed(source, destination, code):
            return "cannot connect JACK port '\(source)' to '\(destination)' (jack_connect returned \(code)); "
                + "list ports with `jack_lsp`"
        case let .unsupportedChannelCount(count):
            return "JACK sink supports 1 (mono) or 2 (stereo, same signal) output channels, got \(count)"
        case let .invalidCapacity(setting, value, allowed):
            return "JACK sink \(setting) must be in \(allowed), got \(value)"
        case let .notRunning(client, reason):
            return "JACK client '\(client)' is not running: \(reason)"
        }
    }
}
