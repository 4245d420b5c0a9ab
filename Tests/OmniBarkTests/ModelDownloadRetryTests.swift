import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
@testable import OmniBark

/// `models pull` against hosts that fail: every retry is reported (attempt n/N, reason, wait), the
/// connect and read timeouts fire as stated, and the pull gives up in bounded time with a message
/// naming the URL. Timeouts and backoff are small so each test takes a second or two.
///
/// The upper time bounds are measured on the built binary (`commandGivesUpInBoundedTime`): in
/// this process the cooperative thread pool is shared with CPU-bound tests running in parallel,
/// which can hold an in-process pull's timers back for many seconds. In-process tests check the
/// lines, the reasons and the lower bounds (the timeouts really waited).
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

    /// Pulls bark-small from `endpoint` (three attempts, 10 and 20 ms apart); returns the error and the progress lines.
    static func failingPull(endpoint: URL, timeouts: NetworkTimeouts) async throws -> (ModelDownloadError?, [String]) {
        let lines = Lines()
        let destination = FileManager.default.temporaryDirectory.appendingPathComponent("omnibark-retry-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: destination) }
        let options = ModelPullOptions(repository: HubRepository(endpoint: endpoint, id: "suno/bark-small"), destination: destination,
                                       retry: fastRetry, timeouts: timeouts)
        let error = await #expect(throws: ModelDownloadError.self) {
            try await ModelPuller.pull(options, progress: DownloadProgress(isTerminal: false, write: lines.append))
        }
        #expect(!FileManager.default.fileExists(atPath: destination.path), "nothing is created before the listing succeeds")
        return (error, lines.all)
    }

    /// The give-up error, checked for the URL of the first request, three attempts and at least
    /// `minimumSeconds` spent.
    static func gaveUpReason(_ error: ModelDownloadError?, endpoint: URL, minimumSeconds: Double = 0) -> String? {
        guard case let .gaveUp(url, attempts, elapsed, reason)? = error else {
            Issue.record("expected gaveUp, got \(String(describing: error))")
            return nil
        }
        #expect(url.absoluteString == endpoint.absoluteString + "/api/models/suno/bark-small/revision/main")
        #expect(attempts == 3)
        #expect(elapsed >= .seconds(minimumSeconds), "\(elapsed)")
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
        let (error, lines) = try await Self.failingPull(endpoint: host.endpoint, timeouts: NetworkTimeouts(connect: 2, read: 0.3))
        let reason = "no data received for 0.3 s (read timeout)"
        // Three read timeouts, each really waited (Linux URLSession alone would end a 0.3 s one at once).
        #expect(Self.gaveUpReason(error, endpoint: host.endpoint, minimumSeconds: 0.9) == reason)
        Self.expectRetryLines(lines, reason: reason)
    }

    @Test func hostThatNeverAcceptsHitsTheConnectTimeout() async throws {
        let host = try UnresponsiveHost(.neverAccept)
        defer { host.stop() }
        let (error, lines) = try await Self.failingPull(endpoint: host.endpoint, timeouts: NetworkTimeouts(connect: 0.3, read: 5))
        let port = host.endpoint.port ?? 0
        // The reason names the connect timeout: the 5 s read timeout is not what ended the attempts.
        let reason = "no connection to 127.0.0.1:\(port) within 0.3 s (connect timeout)"
        #expect(Self.gaveUpReason(error, endpoint: host.endpoint, minimumSeconds: 0.9) == reason)
        Self.expectRetryLines(lines, reason: reason)
    }

    @Test func refusedPortIsRetriedAndNamed() async throws {
        let endpoint = try #require(URL(string: "http://127.0.0.1:\(try Self.closedPort())"))
        let (error, lines) = try await Self.failingPull(endpoint: endpoint, timeouts: NetworkTimeouts(connect: 2, read: 2))
        let reason = "cannot connect to 127.0.0.1:\(endpoint.port ?? 0): Connection refused"
        #expect(Self.gaveUpReason(error, endpoint: endpoint) == reason)
        Self.expectRetryLines(lines, reason: reason)
    }

    @Test func unresolvableHostIsRetriedAndNamed() async throws {
        let endpoint = try #require(URL(string: "http://nonexistent.invalid"))
        let (error, lines) = try await Self.failingPull(endpoint: endpoint, timeouts: NetworkTimeouts(connect: 1, read: 1))
        let reason = try #require(Self.gaveUpReason(error, endpoint: endpoint))
        // Normally "cannot resolve host nonexistent.invalid: <gai_strerror>"; a resolver that hangs
        // is cut off by the connect timeout instead. Either way the host is named. A resolver can
        // hang on one attempt and answer the next, so each attempt's reason is checked on its own.
        func namesTheHost(_ text: String) -> Bool {
            text.hasPrefix("cannot resolve host nonexistent.invalid: ")
                || text.hasPrefix("no connection to nonexistent.invalid:80 within 1 s (connect timeout)")
        }
        #expect(namesTheHost(reason), "\(reason)")
        let retries = lines.filter { $0.contains("failed:") }
        #expect(retries.count == 2, "\(lines)")
        for (index, line) in retries.enumerated() {
            let attempt = "attempt \(index + 1)/3 failed: "
            let rest = line.components(separatedBy: attempt).dropFirst().first ?? ""
            #expect(namesTheHost(rest) && rest.hasSuffix("; retrying in \(index == 0 ? "0.01" : "0.02") s"), "\(line)")
        }
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

    @Test func commandStatesItsTimeouts() throws {
        let help = try CommandRun.omnibark(["models", "pull", "--help"])
        #expect(help.stdout.contains("--connect-timeout <seconds>"))
        #expect(help.stdout.contains("--read-timeout <seconds>"))
        #expect(help.stdout.contains("(default: 10.0)"), "\(help.stdout)")
        #expect(help.stdout.contains("(default: 30.0)"))
        #expect(help.stdout.contains("5 × 40 s + 15 s = 215 s"))

        let unbounded = try CommandRun.omnibark(["models", "pull", "bark-small", "--read-timeout", "inf"])
        #expect(unbounded.status != 0)
        #expect(unbounded.stderr.contains("--read-timeout must be a number of seconds above 0 and at most 86400, got inf"))
        let zero = try CommandRun.omnibark(["models", "pull", "bark-small", "--connect-timeout", "0"])
        #expect(zero.status != 0)
        #expect(zero.stderr.contains("--connect-timeout must be"))
    }

    /// A failing host the binary is pointed at, and the reason its retry line must give.
    enum FailingHost: String, CaseIterable {
        case neverAnswers, neverAccepts, refusesConnections, doesNotResolve
    }

    /// The binary with `--attempts 2` and 0.5 s timeouts: one retry line with the reason and the
    /// 1 s wait, then the give-up message, within 2 × (0.5 + 0.5) s + 1 s plus process start.
    @Test(arguments: FailingHost.allCases)
    func commandGivesUpInBoundedTime(_ kind: FailingHost) throws {
        var host: UnresponsiveHost?
        defer { host?.stop() }
        let endpoint: String
        let reason: String
        switch kind {
        case .neverAnswers:
            host = try UnresponsiveHost(.neverAnswer)
            endpoint = host?.endpoint.absoluteString ?? ""
            reason = "no data received for 0.5 s (read timeout)"
        case .neverAccepts:
            host = try UnresponsiveHost(.neverAccept)
            endpoint = host?.endpoint.absoluteString ?? ""
            reason = "no connection to 127.0.0.1:\(host?.endpoint.port ?? 0) within 0.5 s (connect timeout)"
        case .refusesConnections:
            let port = try Self.closedPort()
            endpoint = "http://127.0.0.1:\(port)"
            reason = "cannot connect to 127.0.0.1:\(port): Connection refused"
        case .doesNotResolve:
            endpoint = "http://nonexistent.invalid"
            reason = "nonexistent.invalid"  // "cannot resolve host …", or the connect timeout on a hanging resolver
        }
        let target = FileManager.default.temporaryDirectory.appendingPathComponent("omnibark-retry-cli-\(UUID().uuidString)")
        let started = Date()
        let run = try CommandRun.omnibark(["models", "pull", "bark-small", "--to", target.path, "--endpoint", endpoint,
                                           "--connect-timeout", "0.5", "--read-timeout", "0.5", "--attempts", "2"])
        let seconds = Date().timeIntervalSince(started)
        let url = endpoint + "/api/models/suno/bark-small/revision/main"
        #expect(run.status == 1)
        let lines = run.stderr.split(separator: "\n").map(String.init)
        #expect(lines.count == 2, "\(run.stderr)")
        #expect(lines.first?.hasPrefix("\(url): attempt 1/2 failed: ") == true, "\(run.stderr)")
        #expect(lines.first?.contains(reason) == true && lines.first?.hasSuffix("; retrying in 1 s") == true, "\(run.stderr)")
        #expect(lines.last?.hasPrefix("error: gave up on \(url) after 2 attempts over ") == true, "\(run.stderr)")
        #expect(lines.last?.contains(reason) == true, "\(run.stderr)")
        #expect(seconds >= 1 && seconds < 8, "\(seconds) s")
        #expect(!FileManager.default.fileExists(atPath: target.path))
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
