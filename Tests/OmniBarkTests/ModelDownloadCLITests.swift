import Foundation
import Testing
@testable import OmniBark

/// `omnibark models pull` end to end: the built binary against the fake hub.
@Suite(.serialized)
struct ModelDownloadCLITests {
    static let binary = FakeHub.repositoryRoot.appendingPathComponent(".build/debug/omnibark")

    /// Runs the binary with `arguments` and extra environment; returns status, stdout, stderr.
    static func run(_ arguments: [String], environment: [String: String]) throws -> (Int32, String, String) {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for key in ["HF_ENDPOINT", "HF_TOKEN", "OMNIBARK_HOME"] { env.removeValue(forKey: key) }
        process.environment = env.merging(environment) { $1 }
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let outData = output.fileHandleForReading.readDataToEndOfFile()
        let errData = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: binary.path), "build the omnibark binary first"))
    func pullsIntoOmnibarkHomeUsingHFEndpoint() throws {
        let hub = try FakeHub()
        defer { hub.stop() }
        let home = hub.destination("home")
        let (status, stdout, stderr) = try Self.run(["models", "pull", "bark-small"],
                                                    environment: ["OMNIBARK_HOME": home.path, "HF_ENDPOINT": hub.endpoint.absoluteString])
        #expect(status == 0, "\(stderr)")
        let directory = home.appendingPathComponent("models/bark-small")
        #expect(stdout.trimmingCharacters(in: .whitespacesAndNewlines) == directory.path)
        #expect(FakeHub.listing(directory, includeHidden: true) == ModelDownloadPullTests.defaultFiles)
        #expect(try Data(contentsOf: directory.appendingPathComponent("pytorch_model.bin")) == hub.content("pytorch_model.bin"))
        // Not a terminal: one line when each file starts and one when it ends.
        #expect(stderr.contains("pytorch_model.bin: downloading"))
        #expect(stderr.contains("pytorch_model.bin: done"))
        #expect(!stderr.contains("\r"))

        let (again, _, againErr) = try Self.run(["models", "pull", "bark-small", "--to", directory.path,
                                                 "--endpoint", hub.endpoint.absoluteString], environment: [:])
        #expect(again == 0)
        #expect(againErr.contains("0 downloaded, 10 already complete"))
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: binary.path), "build the omnibark binary first"))
    func unknownRevisionExitsWithClearMessage() throws {
        let hub = try FakeHub()
        defer { hub.stop() }
        let target = hub.destination("out")
        let (status, _, stderr) = try Self.run(["models", "pull", "bark-small", "--to", target.path, "--revision", "nope",
                                                "--endpoint", hub.endpoint.absoluteString], environment: [:])
        #expect(status == 1)
        #expect(stderr.contains("revision 'nope' not found in suno/bark-small"))
    }
}
