import Checkpoints
import Foundation
import Tensors
import Testing
import TestSupport

/// The fixture state dict's tensors as float32, from `expected.npz`, and the dtypes/shapes the
/// fixture script stored them with.
enum ExpectedValues {
    static func load() throws -> NPZArchive {
        try NPZArchive(url: FixturePaths.checkpoint("expected.npz"))
    }

    static let infos: [String: (StoredDType, [Int])] = [
        "f32_2d": (.float32, [3, 4]), "transposed": (.float32, [3, 4]), "shared_a": (.float32, [3]),
        "shared_b": (.float32, [2, 3]), "f16": (.float16, [2, 3]), "bf16": (.bfloat16, [2, 3]),
        "f64": (.float64, [2, 2]), "i64": (.int64, [2, 3]), "i32": (.int32, [3]), "u8": (.uint8, [3]),
        "mask": (.bool, [2, 3]), "scalar": (.float32, []),
    ]

    /// Checks every tensor of `container` (named `prefix + key`) against the expected values.
    static func check(_ container: any TensorContainer, prefix: String = "") throws {
        let expected = try load()
        #expect(Set(container.tensorInfos.keys) == Set(infos.keys.map { prefix + $0 }))
        for (key, (dtype, shape)) in infos {
            let name = prefix + key
            let info = try #require(container.tensorInfos[name])
            #expect(info.dtype == dtype, "\(name)")
            #expect(info.shape == shape, "\(name)")
            let tensor = try container.floatTensor(name)
            let reference = try #require(expected[key])
            #expect(tensor.shape == shape, "\(name)")
            // Every conversion is exact: f16/bf16/f64/int → f32 as torch does it.
            #expect(tensor.scalars == reference.floats(), "\(name)")
        }
    }
}
