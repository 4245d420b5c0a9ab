import Foundation
import Tensors

/// Element type of a stored tensor, named as PyTorch names it.
public enum StoredDType: String, Sendable, CaseIterable {
    case float64, float32, float16, bfloat16
    case int64, int32, int16, int8, uint8, uint16, uint32, uint64, bool

    /// Bytes per element.
    public var byteWidth: Int {
        switch self {
        case .float64, .int64, .uint64: return 8
        case .float32, .int32, .uint32: return 4
        case .float16, .bfloat16, .int16, .uint16: return 2
        case .int8, .uint8, .bool: return 1
        }
    }

    /// True for the floating-point types.
    public var isFloatingPoint: Bool {
        switch self {
        case .float64, .float32, .float16, .bfloat16: return true
        default: return false
        }
    }
}

/// Name, element type and shape of one tensor in a container, known without reading its data.
public struct TensorInfo: Sendable, Equatable {
    public let name: String
    public let dtype: StoredDType
    public let shape: [Int]
    public init(name: String, dtype: StoredDType, shape: [Int]) {
        self.name = name
        self.dtype = dtype
        self.shape = shape
    }
    /// Number of elements (product of the shape; 1 for a scalar).
    public var elementCount: Int { shape.reduce(1, *) }
}

/// The file format a container was read from.
public enum CheckpointFormat: String, Sendable {
    case safetensors
    /// PyTorch's zip format (`torch.save` since 1.6): HF `pytorch_model.bin`, Suno `text.pt`, …
    case pytorchZip = "pytorch-zip"
    case npz
}

/// A JSON-like value for non-tensor entries of a checkpoint (Suno's `model_args`, safetensors
/// `__metadata__`).
public indirect enum CheckpointValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([CheckpointValue])
    case dictionary([String: CheckpointValue])
}

/// A set of named tensors read from one file.
///
/// Thread safety: implementations are immutable after opening; every method may be called from
/// any thread concurrently.
public protocol TensorContainer: Sendable {
    /// The file the tensors come from.
    var url: URL { get }
    /// Which format the file was in.
    var format: CheckpointFormat { get }
    /// Every tensor in the file, by its name as stored (no prefix stripping or renaming).
    var tensorInfos: [String: TensorInfo] { get }
    /// Non-tensor entries: safetensors `__metadata__`, or in a Suno `.pt` every top-level key
    /// other than `model` (e.g. `model_args`). Empty when there are none.
    var attributes: [String: CheckpointValue] { get }
    /// Reads tensor `name` and converts it to `Float` (from any float, integer or bool dtype),
    /// contiguous row-major with the stored shape. Throws `CheckpointError.missingTensor` if absent.
    func floatTensor(_ name: String) throws -> Tensor
}
