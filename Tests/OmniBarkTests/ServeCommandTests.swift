import Foundation
import Testing
#if canImport(Glibc)
import Glibc
import TestSupport
#endif

/// `omnibark serve` as a process: what it refuses at start, and how it stops on signals.
@Suite(.serialized) struct ServeCommandTests {
    static let model = FixturePaths.fixtures.appendingPathComponent("bark-gen-scaled").path

    @Test func portsOutsideTheRangeAreRefused() throws {
        for port in ["70000", "-1"] {
            let run = try CommandRun.omnibark(["serve", "--model", Self.model, "--port=\(port)"])
            #expect(run.status != 0)
            #expect(run.stderr.contains("--port must be 1…65535"), "\(run.stderr)")
        }
        let sink = try CommandRun.omnibark(["serve", "--model", Self.model, "--sink", "http:99999"])
        #expect(sink.status != 0 && sink.stderr.contains("--sink http:99999: http:PORT needs a port"), "\(sink.stderr)")
        let voices = try CommandRun.omnibark(["serve", "--model", Self.model, "--voices", "/nonexistent-voices"])
        #expect(voices.status != 0 && voices.stderr.contains("--voices /nonexistent-voices: no such directory"), "\(voices.stderr)")
        let help = try CommandRun.omnibark(["serve", "--help"])
        #expect(help.stdout.contains("--max-queued") && help.stdout.contains("default: 64"), "the queue capacity is in --help")
    }

    /// The first SIGTERM: the queue is cancelled, the current chunk finishes, the stream ends and
    /// the process exits by itself, soon (the queue is not played out in real time).
    @Test func sigtermStopsQuicklyAndCancelsTheQueue() throws {
        let folder = try FixturePaths.temporaryDirectory("serve-signal")
        defer { try? FileManager.default.removeItem(at: folder) }
        let log = folder.appendingPathComponent("serve.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let process = Process()
        process.executableURL = FixturePaths.omnibark
        process.arguments = ["serve", "--model", Self.model, "--port", "0", "--greedy"]
        process.standardError = try FileHandle(forWritingTo: log)
        process.standardOutput = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        var port: Int?
        let deadline = Date(timeIntervalSinceNow: 60)
        while port == nil && Date() < deadline {
            let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            if let range = text.range(of: #"serving http://127\.0\.0\.1:(\d+)/"#, options: .regularExpression) {
                port = Int(text[range].split(separator: ":").last?.split(separator: "/").first ?? "")
            }
            usleep(50_000)
        }
        guard let port else {
            Issue.record("serve did not start: \((try? String(contentsOf: log, encoding: .utf8)) ?? "")")
            return
        }
        // Thirty requests of three segments each: far more than the fixture model speaks before
        // the signal arrives, so the queue is not empty when it does.
        let request = "The first sentence of a longer request. The second sentence of it. And the third one, to make three."
        let burst = Process()
        burst.executableURL = URL(fileURLWithPath: "/bin/sh")
        burst.arguments = ["-c", "for i in $(seq 30); do curl -s -o /dev/null --data-binary '{\"text\": \"\(request)\"}' http://127.0.0.1:\(port)/say; done"]
        try burst.run()
        burst.waitUntilExit()
        let started = Date()
        kill(process.processIdentifier, SIGTERM)
        while process.isRunning && Date().timeIntervalSince(started) < 30 { usleep(20_000) }
        let seconds = Date().timeIntervalSince(started)
        let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        #expect(!process.isRunning, "serve exits after SIGTERM: \(text)")
        print("serve exited \(String(format: "%.2f", seconds)) s after SIGTERM")
        #expect(process.terminationStatus == 0, "\(text)")
        #expect(text.contains("stopping: new requests get 503"), "\(text)")
        #expect(text.range(of: #"[1-9]\d* cancelled"#, options: .regularExpression) != nil, "queued requests were cancelled: \(text)")
    }
}
