import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
@testable import OmniBark

/// A fake model repository on disk and `FakeHub/fake_hub.py` serving it on 127.0.0.1, for the
/// download tests. Stopped by `stop()`; the temporary directory is removed with it.
///
/// Thread safety: every stored property is set in `init` and never changed; the server is driven
/// over HTTP, and `stop()` is called once, by the test that made the hub.
final class FakeHub: @unchecked Sendable {
    /// One request the server saw.
    struct LoggedRequest: Decodable {
        var method: String
        var path: String
        var range: String?
        var status: Int
    }

    let root: URL
    let repoDirectory: URL
    let endpoint: URL
    private let process: Process
    /// The server's stdin: closing it makes the server exit (signals may be blocked in test runners).
    private let input = Pipe()

    static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    /// Makes a temp dir with `suno/bark-small` (config, tokenizer files, a random 20 KiB
    /// pytorch_model.bin, speaker embeddings, Suno checkpoints) and starts the server.
    init(withSafetensors: Bool = false, pageSize: Int = 3) throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("omnibark-fakehub-\(UUID().uuidString)")
        repoDirectory = root.appendingPathComponent("hub/suno/bark-small")
        var files: [String: Data] = [
            "config.json": Data(#"{"model_type": "bark"}"#.utf8),
            "generation_config.json": Data("{}\n".utf8),
            "vocab.txt": Data("[PAD]\n[UNK]\nhello\n".utf8),
            "tokenizer_config.json": Data("{}".utf8),
            "special_tokens_map.json": Data("{}".utf8),
            "speaker_embeddings_path.json": Data(#"{"repo_or_path": "suno/bark-small"}"#.utf8),
            "pytorch_model.bin": Self.randomBytes(20_000),
            "speaker_embeddings/v2/en_speaker_0_semantic_prompt.npy": Self.randomBytes(700),
            "speaker_embeddings/v2/en_speaker_0_coarse_prompt.npy": Self.randomBytes(900),
            "speaker_embeddings/de_speaker_1_fine_prompt.npy": Self.randomBytes(1100),
            "text.pt": Self.randomBytes(3000),
            "coarse_2.pt": Self.randomBytes(3000),
            "README.md": Data("# not fetched\n".utf8),
        ]
        if withSafetensors { files["model.safetensors"] = Self.randomBytes(12_000) }
        for (path, data) in files {
            let url = repoDirectory.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try data.write(to: url)
        }
        (process, endpoint) = try Self.launch([root.appendingPathComponent("hub").path, "--page-size", "\(pageSize)"], input: input)
    }

    /// Starts `fake_hub.py arguments… --exit-on-stdin-eof` and waits for its "PORT <n>" line.
    /// Closing `input` stops it.
    static func launch(_ arguments: [String], input: Pipe) throws -> (Process, URL) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        let script = repositoryRoot.appendingPathComponent("Tests/OmniBarkTests/FakeHub/fake_hub.py").path
        process.arguments = ["python3", script] + arguments + ["--exit-on-stdin-eof"]
        let output = Pipe()
        process.standardOutput = output
        process.standardInput = input
        try process.run()
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { throw FakeHubError.noPort(String(decoding: line, as: UTF8.self)) }
            line.append(chunk)
        }
        let text = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard text.hasPrefix("PORT "), let url = URL(string: "http://127.0.0.1:\(text.dropFirst(5))") else {
            throw FakeHubError.noPort(text)
        }
        return (process, url)
    }

    enum FakeHubError: Error { case noPort(String) }

    static func randomBytes(_ count: Int) -> Data {
        var generator = SystemRandomNumberGenerator()
        return Data((0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }

    /// The content of a file in the fake repository.
    func content(_ path: String) throws -> Data {
        try Data(contentsOf: repoDirectory.appendingPathComponent(path))
    }

    /// Options for pulling bark-small from this hub into `destination`, with fast retries.
    func options(destination: URL, repo: String = "suno/bark-small", revision: String = "main",
                 selection: ModelFileSelection = ModelFileSelection(), attempts: Int = 4) -> ModelPullOptions {
        ModelPullOptions(repository: HubRepository(endpoint: endpoint, id: repo), revision: revision, destination: destination,
                         selection: selection,
                         retry: RetryPolicy(maxAttempts: attempts, initialDelay: .milliseconds(10), maximumDelay: .milliseconds(40)),
                         timeouts: NetworkTimeouts(connect: 10, read: 20))
    }

    /// A fresh destination directory inside the temp dir.
    func destination(_ name: String = "out") -> URL {
        root.appendingPathComponent(name)
    }

    /// Arms a fault (`drop`, `error500`, `corrupt`, `ignore_range`) for `times` requests of `path`.
    func inject(_ kind: String, path: String, after: Int = 0, times: Int = 1) async throws {
        let body = #"{"kind": "\#(kind)", "path": "\#(path)", "after": \#(after), "times": \#(times)}"#
        _ = try await control("_control/fault", body: body)
    }

    /// Clears faults and the request log.
    func reset() async throws {
        _ = try await control("_control/reset", body: "{}")
    }

    /// Every request the server has seen.
    func log() async throws -> [LoggedRequest] {
        try JSONDecoder().decode([LoggedRequest].self, from: try await control("_control/log", body: nil))
    }

    private func control(_ path: String, body: String?) async throws -> Data {
        var request = URLRequest(url: endpoint.appendingPathComponent(path))
        if let body {
            request.httpMethod = "POST"
            request.httpBody = Data(body.utf8)
        }
        return try await HTTPTransfer.perform(request, timeouts: NetworkTimeouts(connect: 10, read: 10), onResponse: { _ in .collect }).collectedBody
    }

    /// Non-hidden regular files under `directory`, relative paths, sorted.
    static func listing(_ directory: URL, includeHidden: Bool = false) -> [String] {
        guard let enumerator = FileManager.default.enumerator(atPath: directory.path) else { return [] }
        var paths: [String] = []
        while let path = enumerator.nextObject() as? String {
            var isDirectory: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: directory.appendingPathComponent(path).path, isDirectory: &isDirectory)
            if isDirectory.boolValue { continue }
            if !includeHidden && path.split(separator: "/").contains(where: { $0.hasPrefix(".") }) { continue }
            paths.append(path)
        }
        return paths.sorted()
    }

    func stop() {
        try? input.fileHandleForWriting.close()
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: root)
    }
}
