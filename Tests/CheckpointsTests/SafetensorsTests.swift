import Checkpoints
import Foundation
import Tensors
import Testing
import TestSupport

@Suite struct SafetensorsTests {
    @Test func readsEveryDTypeAndShapeExactly() throws {
        let file = try SafetensorsFile(url: FixturePaths.checkpoint("state.safetensors"))
        #expect(file.format == .safetensors)
        try ExpectedValues.check(file)
    }

    @Test func metadataBecomesAttributes() throws {
        let file = try SafetensorsFile(url: FixturePaths.checkpoint("state.safetensors"))
        #expect(file.attributes == ["format": .string("pt"), "note": .string("fixture")])
    }

    @Test func rawBytesAreTheStoredLittleEndianBytes() throws {
        let file = try SafetensorsFile(url: FixturePaths.checkpoint("state.safetensors"))
        let raw = try file.rawBytes("i64")
        #expect(raw.count == 6 * 8)
        #expect(Array(raw.prefix(8)) == [0xFD, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]) // -3
    }

    @Test func missingTensorIsNamed() throws {
        let file = try SafetensorsFile(url: FixturePaths.checkpoint("state.safetensors"))
        #expect(throws: CheckpointError.missingTensor(file: file.url.path, tensor: "nope")) { try file.floatTensor("nope") }
    }

    @Test func openCheckpointDetectsSafetensors() throws {
        let container = try openCheckpoint(at: FixturePaths.checkpoint("state.safetensors"))
        #expect(container is SafetensorsFile)
        #expect(container.format == .safetensors)
    }

    @Test func concurrentReadsAgree() async throws {
        let file = try SafetensorsFile(url: FixturePaths.checkpoint("state.safetensors"))
        let reference = try file.floatTensor("f32_2d")
        try await withThrowingTaskGroup(of: Tensor.self) { group in
            for _ in 0..<16 { group.addTask { try file.floatTensor("f32_2d") } }
            for try await tensor in group { #expect(tensor == reference) }
        }
    }
}
