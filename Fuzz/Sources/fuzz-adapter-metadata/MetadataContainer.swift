import Checkpoints
import Foundation
import Tensors

/// An in-memory stand-in for an adapter safetensors file: the given `__metadata__` and tensor
/// descriptions, every tensor read back as zeros of its shape.
struct MetadataContainer: TensorContainer {
    let url = URL(fileURLWithPath: "/fuzz/adapters.safetensors")
    var format: CheckpointFormat { .safetensors }
    let tensorInfos: [String: TensorInfo]
    let attributes: [String: CheckpointValue]

    func floatTensor(_ name: String) throws -> Tensor {
        guard let info = tensorInfos[name] else { throw CheckpointError.missingTensor(file: url.path, tensor: name) }
        return Tensor(zeros: info.shape)
    }
}
