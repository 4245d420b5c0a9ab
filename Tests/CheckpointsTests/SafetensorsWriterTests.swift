import Foundation
import Tensors
import Testing
@testable import Checkpoints

@Suite struct SafetensorsWriterTests {
    @Test func roundTripsFloat32AndFloat16WithMetadata() throws {
        let directory = FileManager.default.temporaryDirectory
        let tensors = ["b.weight": Tensor(shape: [2, 3], scalars: [1, -2, 3.5, 0, 1e-3, -7]),
                       "a \"quoted\" name": Tensor(shape: [1], scalars: [42])]
        for dtype in [SafetensorsWriter.StoredFloat.float32, .float16] {
            let url = directory.appendingPathComponent("omnibark-writer-\(UUID().uuidString).safetensors")
            defer { try? FileManager.default.removeItem(at: url) }
            try SafetensorsWriter.write(tensors, metadata: ["format": "pt"], as: dtype, to: url)
            let file = try SafetensorsFile(url: url)
            #expect(file.attributes["format"] == .string("pt"))
            #expect(Set(file.tensorInfos.keys) == Set(tensors.keys))
            for (name, tensor) in tensors {
                let read = try file.floatTensor(name)
                #expect(read.shape == tensor.shape)
                let tolerance: Float = dtype == .float32 ? 0 : 2e-3
                #expect(zip(read.scalars, tensor.scalars).allSatisfy { abs($0 - $1) <= tolerance * max(1, abs($1)) })
            }
        }
    }

    @Test func aMissingFolderLeavesNothingBehind() {
        let url = URL(fileURLWithPath: "/nonexistent-omnibark/\(UUID().uuidString)/x.safetensors")
        #expect(throws: CheckpointError.self) { try SafetensorsWriter.write(["x": Tensor(zeros: [1])], to: url) }
        #expect(!FileManager.default.fileExists(atPath: url.path))
    }
}
