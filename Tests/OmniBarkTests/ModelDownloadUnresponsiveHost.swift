import Foundation

/// `FakeHub/fake_hub.py --never-answer` or `--never-accept` on 127.0.0.1: a host that accepts
/// connections and never answers, or one whose connection attempts hang. Stopped by `stop()`.
///
/// Thread safety: every stored property is set in `init` and never changed; `stop()` is called
/// once, by the test that made the host.
final class UnresponsiveHost: @unchecked Sendable {
    /// What the host does with a connection.
    enum Behaviour: String {
        /// Accepts it, never reads or answers: the read timeout fires.
        case neverAnswer = "--never-answer"
        /// Leaves it pending (full accept backlog): the connect timeout fires.
        case neverAccept = "--never-accept"
    }

    let endpoint: URL
    private let process: Process
    /// The server's stdin: closing it makes the server exit.
    private let input = Pipe()

    init(_ behaviour: Behaviour) throws {
        (process, endpoint) = try FakeHub.launch([behaviour.rawValue], input: input)
    }

    func stop() {
        try? input.fileHandleForWriting.close()
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }
}
