import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
@testable import OmniBark

/// `models pull` against hosts that fail: every retry is reported (attempt n/N, reason, wait), the
/// connect and read timeouts fire as stated, and the pull gives up in bounded time with a message
/// naming the URL. Timeouts and backoff are small so each test takes about a second.
@Suite(.serialized)
struct ModelDownloadRetryTests {
    /// Collects what `DownloadProgress` prints, line by line.
    ///
    /// Thread safety: `append` and `all` may be called from any thread; `lock` guards `text`.
    final class Lines: @unchecked Sendable {
        private let lock = NSLock()
        private var text = ""
        func append(_ chunk: String) { lock.withLock { text += chunk } }
        var all: [String] { lock.withLock { text.split(separator: "\n").map(String.init) } }
    }

    static let fastRetry = RetryPolicy(maxAttempts: 3, initialDelay: .milliseconds(10), maximumDelay: .milliseconds(40))

    /// Pulls bark-small from `endpoint`; returns the error, the progress lines and the seconds taken.
    static func failingPull(endpoint: URL, timeouts: NetworkTimeouts) async throws -> (ModelDownloadError?, [String], Double) {
        let lines = Lines()
        let destination = FileManager.default.temporaryDirectory.appendingPathComponent("omnibark-retry-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: destination) }
        let options = ModelPullOptions(repository: HubRepository(endpoint: endpoint, id: "suno/bark-small"), destination: destination,
                                       retry: fastRetry, timeouts: timeouts)
        let clock = ContinuousClock()
        let started = clock.now
        let error = await #expect(throws: ModelDownloadError.self) {
            try await ModelPuller.pull(options, progress: DownloadProgress(isTerminal: false, write: lines.append))
        }
        let elapsed = clock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        #expect(!FileManager.default.fileExists(atPath: destination.path), "nothing is created before the listing succeeds")
        return (error, lines.all, seconds)
    }

    /// The give-up error, checked for the URL of the first request and three attempts.
    static func gaveUpReason(_ error: ModelDownloadError?, endpoint: URL) -> String? {
        guard case let .gaveUp(url, attempts, _, reason)? = error else {
            Issue.record("expected gaveUp, got \(String(describing: error))")
            return nil
        }
        #expect(url.absoluteString == endpoint.absoluteString + "/api/models/suno/bark-small/revision/main")
        #expect(attempts == 3)
        #expect(error?.description.hasPrefix("gave up on \(url.absoluteString) after 3 attempts over ") == true)
        return reason
    }

    /// Two retry lines ("attempt 1/3", "attempt 2/3"), each with `reason` and the backoff wait.
    static func expectRetryLines(_ lines: [String], reason: String) {
        let retries = lines.filter { $0.contains("failed:") }
        #expect(retries.count == 2, "\(lines)")
        #expect(retries.first?.contains("attempt 1/3 failed: \(reason); retrying in 0.01 s") == true, "\(retries)")
        #expect(retries.last?.contains("attempt 2/3 failed: \(reason); retrying in 0.02 s") == true, "\(retries)")
    }

    @Test func silentServerHitsTheReadTimeoutThenGivesUp() async throws {
        let host = try UnresponsiveHost(.neverAnswer)
        defer { host.stop() }
        let (error, lines, seconds) = try await Self.failingPull(endpoint: host.endpoint,
                                                                 timeouts: NetworkTimeouts(connect: 2, read: 0.3))
        let reason = "no data received for 0.3 s (read timeout)"
        #expect(Self.gaveUpReason(error, endpoint: host.endpoint) == reason)
        Self.expectRetryLines(lines, reason: reason)
        // Three read timeouts and two short waits: ≥ 0.9 s, and bounded well below a second more.
        #expect(seconds >= 0.9 && seconds < 3, "\(seconds) s")
    }

    @Test func hostThatNeverAcceptsHitsTheConnectTimeout() async throws {
        let host = try UnresponsiveHost(.neverAccept)
        defer { host.stop() }
        let (error, lines, seconds) = try await Self.failingPull(endpoint: host.endpoint,
                                                                 timeouts: NetworkTimeouts(connect: 0.3, read: 5))
        let port = host.endpoint.port ?? 0
        let reason = "no connection to 127.0.0.1:\(port) within 0.3 s (connect timeout)"
        #expect(Self.gaveUpReason(error, endpoint: host.endpoint) == reason)
        Self.expectRetryLines(lines, reason: reason)
        #expect(seconds >= 0.9 && seconds < 3, "\(seconds) s: the 5 s read timeout must not be what ended the attempts")
    }

    @Test func refusedPortIsRetriedAndNamed() async throws {
        let endpoint = try #require(URL(string: "http://127.0.0.1:\(try Self.closedPort())"))
        let (error, lines, seconds) = try await Self.failingPull(endpoint: endpoint, timeouts: NetworkTimeouts(connect: 2, read: 2))
        let reason = "cannot connect to 127.0.0.1:\(endpoint.port ?? 0): Connection refused"
        #expect(Self.gaveUpReason(error, endpoint: endpoint) == reason)
        Self.expectRetryLines(lines, reason: reason)
        #expect(seconds < 2, "\(seconds) s")
    }

    @Test func unresolvableHostIsRetriedAndNamed() async throws {
        let endpoint = try #require(URL(string: "http://nonexistent.invalid"))
        let (error, lines, seconds) = try await Self.failingPull(endpoint: endpoint, timeouts: NetworkTimeouts(connect: 1, read: 1))
        let reason = try #require(Self.gaveUpReason(error, endpoint: endpoint))
        // Normally "cannot resolve host nonexistent.invalid: <gai_strerror>"; a resolver that hangs
        // is cut off by the connect timeout instead. Either way the host is named.
        #expect(reason.hasPrefix("cannot resolve host nonexistent.invalid: ")
                || reason == "no connection to nonexistent.invalid:80 within 1 s (connect timeout)", "\(reason)")
        Self.expectRetryLines(lines, reason: reason)
        #expect(seconds < 4, "\(seconds) s")
    }

    @Test func stalledFileIsRetriedWithAReportedLine() async throws {
        let hub = try FakeHub()
        defer { hub.stop() }
        try await hub.inject("stall", path: "config.json")
        let lines = Lines()
        let destination = hub.destination()
        var options = hub.options(destination: destination, attempts: 3)
        options.timeouts = NetworkTimeouts(connect: 2, read: 0.3)
        _ = try await ModelPuller.pull(options, progress: DownloadProgress(isTerminal: false, write: lines.append))
        #expect(try Data(contentsOf: destination.appendingPathComponent("config.json")) == hub.content("config.json"))
        let retries = lines.all.filter { $0.contains("failed:") }
        #expect(retries == ["config.json: attempt 1/3 failed: no data received for 0.3 s (read timeout); retrying in 0.01 s"],
                "\(lines.all)")
    }

    @Test func commandStatesItsTimeoutsAndGivesUpInBoundedTime() throws {
        let help = try CommandRun.omnibark(["models", "pull", "--help"])
        #expect(help.stdout.contains("--connect-timeout <seconds>"))
        #expect(help.stdout.contains("--read-timeout <seconds>"))
        #expect(help.stdout.contains("(default: 10.0)"), "\(help.stdout)")
        #expect(help.stdout.contains("(default: 30.0)"))
        #expect(help.stdout.contains("5 × 40 s + 15 s = 215 s"))

        let host = try UnresponsiveHost(.neverAnswer)
        defer { host.stop() }
        let target = FileManager.default.temporaryDirectory.appendingPathComponent("omnibark-retry-cli-\(UUID().uuidString)")
        let started = Date()
        let run = try CommandRun.omnibark(["models", "pull", "bark-small", "--to", target.path, "--endpoint", host.endpoint.absoluteString,
                                           "--connect-timeout", "2", "--read-timeout", "0.5", "--attempts", "2"])
        let seconds = Date().timeIntervalSince(started)
        let url = host.endpoint.absoluteString + "/api/models/suno/bark-small/revision/main"
        #expect(run.status == 1)
        #expect(run.stderr.contains("\(url): attempt 1/2 failed: no data received for 0.5 s (read timeout); retrying in 1 s"), "\(run.stderr)")
        #expect(run.stderr.contains("error: gave up on \(url) after 2 attempts over "), "\(run.stderr)")
        // Two 0.5 s read timeouts and the 1 s wait between them.
        #expect(seconds >= 2 && seconds < 6, "\(seconds) s")
    }

    @Test func worstCaseIsAttemptsTimesTimeoutsPlusWaits() {
        let policy = RetryPolicy()
        #expect(policy.totalDelay == .seconds(15))
        #expect(policy.worstCase(.standard) == .seconds(215))
        #expect(RetryPolicy(maxAttempts: 1).totalDelay == .zero)
        let capped: Int64 = 1 + 2 + 4 + 8 + 16 + 16  // the waits stop doubling at 16 s
        #expect(RetryPolicy(maxAttempts: 7).totalDelay == .seconds(capped))
    }

    @Test func urlErrorsBecomePlainReasons() throws {
        let url = try #require(URL(string: "https://hub.example:8443/x"))
        #expect(NetworkFailure.from(URLError(.timedOut), url: url, readTimeout: 30).description == "no data received for 30 s (read timeout)")
        #expect(NetworkFailure.from(URLError(.cannotFindHost), url: url, readTimeout: 30).description
            == "cannot resolve host hub.example: the name does not resolve")
        #expect(NetworkFailure.from(URLError(.cannotConnectToHost), url: url, readTimeout: 30).description
            == "cannot connect to hub.example:8443: refused or unreachable")
        // No libcurl message: the code, not "The operation could not be completed".
        #expect(NetworkFailure.from(URLError(.secureConnectionFailed), url: url, readTimeout: 30).description == "network error -1200")
        let curl = URLError(.secureConnectionFailed, userInfo: [NSLocalizedDescriptionKey: "SSL certificate problem: unable to get local issuer certificate"])
        #expect(NetworkFailure.from(curl, url: url, readTimeout: 30).description == "SSL certificate problem: unable to get local issuer certificate")
    }

    /// A loopback port nothing listens on (bound, then closed).
    static func closedPort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        try #require(bound)
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
