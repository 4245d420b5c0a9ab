import Checkpoints
import Foundation
import Tensors
import Testing
import TestSupport

@Suite struct TorchCheckpointTests {
    @Test func stateDictMatchesExpectedValuesIncludingViewsAndSharedStorage() throws {
        let checkpoint = try TorchCheckpoint(url: FixturePaths.checkpoint("state_torch.bin"))
        #expect(checkpoint.format == .pytorchZip)
        try ExpectedValues.check(checkpoint)
        // The OrderedDict's `_metadata` (set with BUILD) is not an attribute of a plain state dict.
        #expect(checkpoint.attributes.isEmpty)
    }

    @Test func transposedViewComesOutRowMajor() throws {
        let checkpoint = try TorchCheckpoint(url: FixturePaths.checkpoint("state_torch.bin"))
        let t = try checkpoint.floatTensor("transposed")
        let expected = try #require(try ExpectedValues.load()["transposed"]).floats()
        #expect(t.shape == [3, 4])
        #expect(t.scalars == expected)
    }

    @Test func sunoLayoutTakesTensorsFromModelAndKeepsArguments() throws {
        let checkpoint = try TorchCheckpoint(url: FixturePaths.checkpoint("state_suno.pt"))
        try ExpectedValues.check(checkpoint, prefix: "_orig_mod.")
        let args = try #require(checkpoint.attributes["model_args"])
        guard case let .dictionary(fields) = args else {
            Issue.record("model_args is \(args)")
            return
        }
        #expect(fields["n_layer"] == .int(2))
        #expect(fields["bias"] == .bool(false))
        #expect(fields["dropout"] == .double(0.0))
        #expect(fields["name"] == .string("tiny"))
        #expect(checkpoint.attributes["iter_num"] == .int(5))
        #expect(checkpoint.attributes["best_val_loss"] == .double(1.25))
        #expect(checkpoint.attributes["config"] == .dictionary([
            "lr": .double(0.0003), "tags": .array([.string("a"), .string("b")]), "none": .null,
        ]))
        #expect(checkpoint.attributes["model"] == nil)
    }

    @Test func openCheckpointDetectsTorchZip() throws {
        for name in ["state_torch.bin", "state_suno.pt"] {
            let container = try openCheckpoint(at: FixturePaths.checkpoint(name))
            #expect(container is TorchCheckpoint)
        }
    }

    @Test func forbiddenGlobalsAreRefusedWithoutExecution() throws {
        let cases: [(String, String, String, Int)] = [
            ("evil_os_system.pt", "os", "system", 2),
            ("evil_builtins_eval.pt", "builtins", "eval", 18),
        ]
        for (name, module, global, offset) in cases {
            let url = FixturePaths.checkpoint(name)
            #expect(throws: CheckpointError.forbiddenGlobal(file: url.path, module: module, name: global, offset: offset)) {
                try openCheckpoint(at: url)
            }
        }
    }

    @Test func legacyFormatGivesReSaveAdvice() throws {
        let url = FixturePaths.checkpoint("legacy.pt")
        do {
            _ = try openCheckpoint(at: url)
            Issue.record("legacy file opened")
        } catch let CheckpointError.unknownFormat(file, reason) {
            #expect(file == url.path)
            #expect(reason.contains("legacy"))
            #expect(reason.contains("re-save"))
        }
    }

    @Test func concurrentReadsAgree() async throws {
        let checkpoint = try TorchCheckpoint(url: FixturePaths.checkpoint("state_torch.bin"))
        let reference = try checkpoint.floatTensor("shared_b")
        try await withThrowingTaskGroup(of: Tensor.self) { group in
            for _ in 0..<16 { group.addTask { try checkpoint.floatTensor("shared_b") } }
            for try await tensor in group { #expect(tensor == reference) }
        }
    }
}

@Suite struct TorchZipLayoutTests {
    /// The same checkpoint with ZIP64 central records and end record, as >4 GiB files have.
    @Test func zip64ArchiveReadsTheSameTensors() throws {
        let checkpoint = try openCheckpoint(at: FixturePaths.checkpoint("state_torch_zip64.bin"))
        #expect(checkpoint is TorchCheckpoint)
        try ExpectedValues.check(checkpoint)
    }

    @Test func bigEndianCheckpointIsRefused() throws {
        let url = FixturePaths.checkpoint("bigendian.pt")
        #expect { try TorchCheckpoint(url: url) } throws: { error in
            guard case let CheckpointError.malformed(file, item, _, reason) = error else { return false }
            return file == url.path && item == "zip member 'bigendian/byteorder'" && reason.contains("little-endian")
        }
    }
}
