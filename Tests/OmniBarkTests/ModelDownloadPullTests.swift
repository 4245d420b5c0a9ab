import Foundation
import Testing
@testable import OmniBark

/// `ModelPuller` against the loopback fake hub (FakeHub/fake_hub.py).
@Suite(.serialized)
struct ModelDownloadPullTests {
    static let defaultFiles = [
        "config.json", "generation_config.json", "pytorch_model.bin", "special_tokens_map.json",
        "speaker_embeddings/de_speaker_1_fine_prompt.npy",
        "speaker_embeddings/v2/en_speaker_0_coarse_prompt.npy",
        "speaker_embeddings/v2/en_speaker_0_semantic_prompt.npy",
        "speaker_embeddings_path.json", "tokenizer_config.json", "vocab.txt",
    ].sorted()

    @Test func fullPullThenRerunSkipsEverything() async throws {
        let hub = try FakeHub()
        defer { hub.stop() }
        let destination = hub.destination()
        let first = try await ModelPuller.pull(hub.options(destination: destination), progress: .silent)
        #expect(first.downloaded == Self.defaultFiles)
        #expect(FakeHub.listing(destination, includeHidden: true) == Self.defaultFiles)
        for path in Self.defaultFiles {
            #expect(try Data(contentsOf: destination.appendingPathComponent(path)) == hub.content(path), "\(path)")
        }
        // Page size 3 forces several listing pages.
        let firstLog = try await hub.log()
        #expect(firstLog.filter { $0.path.contains("/tree/") }.count > 3)

        try await hub.reset()
        let second = try await ModelPuller.pull(hub.options(destination: destination), progress: .silent)
        #expect(second.downloaded.isEmpty)
        #expect(second.alreadyPresent == Self.defaultFiles)
        #expect(second.bytesTransferred == 0)
        #expect(try await hub.log().allSatisfy { !$0.path.contains("/resolve/") && !$0.path.hasPrefix("/cdn/") })
    }

    @Test func resumesAfterMidFileDisconnect() async throws {
        let hub = try FakeHub()
        defer { hub.stop() }
        try await hub.inject("drop", path: "pytorch_model.bin", after: 7000)
        let destination = hub.destination()
        let summary = try await ModelPuller.pull(hub.options(destination: destination), progress: .silent)
        #expect(summary.downloaded.contains("pytorch_model.bin"))
        #expect(try Data(contentsOf: destination.appendingPathComponent("pytorch_model.bin")) == hub.content("pytorch_model.bin"))
        let ranged = try await hub.log().filter { $0.path.hasPrefix("/cdn/") && $0.range != nil }
        #expect(ranged.map(\.range) == ["bytes=7000-"])
        #expect(ranged.map(\.status) == [206])
    }

    @Test func resumesPartialLeftByEarlierRunAndRestartsCorruptOne() async throws {
        let hub = try FakeHub()
        defer { hub.stop() }
        let destination = hub.destination()
        try FileManager.default.createDirectory(at: destination, withIntermediateDirectories: true)
        let partial = destination.appendingPathComponent(".pytorch_model.bin.incomplete")
        try hub.content("pytorch_model.bin").prefix(1234).write(to: partial)
        _ = try await ModelPuller.pull(hub.options(destination: destination), progress: .silent)
        #expect(try await hub.log().contains { $0.range == "bytes=1234-" && $0.status == 206 })
        #expect(try Data(contentsOf: destination.appendingPathComponent("pytorch_model.bin")) == hub.content("pytorch_model.bin"))

        // A partial whose bytes are wrong fails the checksum once, then is fetched from the start.
        try FileManager.default.removeItem(at: destination.appendingPathComponent("pytorch_model.bin"))
        try Data(repeating: 0xAB, count: 1500).write(to: partial)
        _ = try await ModelPuller.pull(hub.options(destination: destination), progress: .silent)
        #expect(try Data(contentsOf: destination.appendingPathComponent("pytorch_model.bin")) == hub.content("pytorch_model.bin"))
        #expect(!FileManager.default.fileExists(atPath: partial.path))
    }

    @Test func retriesAfterServerError() async throws {
        let hub = try FakeHub()
        defer { hub.stop() }
        try await hub.inject("error500", path: "config.json")
        let destination = hub.destination()
        _ = try await ModelPuller.pull(hub.options(destination: destination), progress: .silent)
        let statuses = try await hub.log().filter { $0.path.hasSuffix("/config.json") }.map(\.status)
        #expect(statuses == [500, 200])
        #expect(try Data(contentsOf: destination.appendingPathComponent("config.json")) == hub.content("config.json"))
    }

    @Test func serverIgnoringRangeRestartsFromZero() async throws {
        let hub = try FakeHub()
        defer { hub.stop() }
        let destination = hub.destination()
        try FileManager.default.createDirectory(at: destination, withIntermediateDirectories: true)
        try hub.content("pytorch_model.bin").prefix(500).write(to: destination.appendingPathComponent(".pytorch_model.bin.incomplete"))
        try await hub.inject("ignore_range", path: "pytorch_model.bin")
        _ = try await ModelPuller.pull(hub.options(destination: destination), progress: .silent)
        #expect(try Data(contentsOf: destination.appendingPathComponent("pytorch_model.bin")) == hub.content("pytorch_model.bin"))
    }

    @Test func checksumMismatchDeletesDownloadAndReportsHashes() async throws {
        let hub = try FakeHub()
        defer { hub.stop() }
        try await hub.inject("corrupt", path: "pytorch_model.bin", times: 100)
        let destination = hub.destination()
        let error = await #expect(throws: ModelDownloadError.self) {
            try await ModelPuller.pull(hub.options(destination: destination), progress: .silent)
        }
        guard case .someFilesFailed(let failures)? = error else {
            Issue.record("expected someFilesFailed, got \(String(describing: error))")
            return
        }
        #expect(Array(failures.keys) == ["pytorch_model.bin"])
        let message = failures["pytorch_model.bin"] ?? ""
        #expect(message.contains("checksum mismatch"))
        #expect(message.contains("expected sha256:"))
        let names = FakeHub.listing(destination, includeHidden: true)
        #expect(!names.contains { $0.contains("pytorch_model.bin") })
        #expect(names.contains("config.json"))
    }

    @Test func failedDownloadIsNeverVisibleUnderItsFinalName() async throws {
        let hub = try FakeHub()
        defer { hub.stop() }
        try await hub.inject("drop", path: "pytorch_model.bin", after: 4096, times: 100)
        let destination = hub.destination()
        await #expect(throws: ModelDownloadError.self) {
            try await ModelPuller.pull(hub.options(destination: destination, attempts: 2), progress: .silent)
        }
        #expect(!FakeHub.listing(destination).contains("pytorch_model.bin"))
        #expect(FakeHub.listing(destination, includeHidden: true).contains(".pytorch_model.bin.incomplete"))

        try await hub.reset()
        _ = try await ModelPuller.pull(hub.options(destination: destination), progress: .silent)
        #expect(try Data(contentsOf: destination.appendingPathComponent("pytorch_model.bin")) == hub.content("pytorch_model.bin"))
        #expect(FakeHub.listing(destination, includeHidden: true) == Self.defaultFiles)
    }

    @Test func unknownRepositoryAndRevisionGiveClearErrors() async throws {
        let hub = try FakeHub()
        defer { hub.stop() }
        let destination = hub.destination()
        let repoError = await #expect(throws: ModelDownloadError.self) {
            try await ModelPuller.pull(hub.options(destination: destination, repo: "suno/no-such-model"), progress: .silent)
        }
        guard case .repositoryNotFound(let repo, _, let status)? = repoError else {
            Issue.record("expected repositoryNotFound, got \(String(describing: repoError))")
            return
        }
        #expect(repo == "suno/no-such-model" && status == 404)
        #expect(repoError?.description.contains("HF_TOKEN") == true)
        #expect(try await hub.log().count == 1, "a 404 is not retried")

        let revisionError = await #expect(throws: ModelDownloadError.self) {
            try await ModelPuller.pull(hub.options(destination: destination, revision: "v9"), progress: .silent)
        }
        #expect(revisionError?.description.contains("revision 'v9' not found") == true)
        #expect(!FileManager.default.fileExists(atPath: destination.path))
    }

    @Test func prefersSafetensorsAndFetchesSunoCheckpointsOnRequest() async throws {
        let hub = try FakeHub(withSafetensors: true, pageSize: 100)
        defer { hub.stop() }
        let destination = hub.destination()
        let selection = ModelFileSelection(includeSunoCheckpoints: true)
        let summary = try await ModelPuller.pull(hub.options(destination: destination, selection: selection), progress: .silent)
        #expect(summary.downloaded.contains("model.safetensors"))
        #expect(!summary.downloaded.contains("pytorch_model.bin"))
        #expect(summary.downloaded.contains("text.pt") && summary.downloaded.contains("coarse_2.pt"))
        #expect(!summary.downloaded.contains("README.md"))
    }
}
