import Foundation

/// A value produced by the restricted unpickler. Only data is represented: the few allow-listed
/// globals appear as `.global` markers and are interpreted (never executed) by `Unpickler`.
indirect enum PickleValue {
    case none
    case bool(Bool)
    case int(Int)
    case float(Double)
    case string(String)
    case bytes([UInt8])
    case tuple([PickleValue])
    /// Lists and dicts are reference types because pickle mutates them after memoising them.
    case list(PickleList)
    case dict(PickleDict)
    /// An allow-listed global (`module`, `name`), not yet called.
    case global(module: String, name: String)
    /// A storage reference from a persistent id `('storage', type, key, location, numel)`.
    case storage(TorchStorageRef)
    /// A tensor rebuilt by `torch._utils._rebuild_tensor_v2` (a view description; no data read).
    case tensor(TorchTensorRef)

    /// A short name of the kind of value, for error messages.
    var kindName: String {
        switch self {
        case .none: return "None"
        case .bool: return "bool"
        case .int: return "int"
        case .float: return "float"
        case .string: return "str"
        case .bytes: return "bytes"
        case .tuple: return "tuple"
        case .list: return "list"
        case .dict: return "dict"
        case let .global(module, name): return "\(module).\(name)"
        case .storage: return "storage"
        case .tensor: return "tensor"
        }
    }
}

/// A mutable pickle list (single-threaded use during unpickling only).
final class PickleList {
    var items: [PickleValue] = []
}

/// A mutable pickle dict, keeping insertion order (single-threaded use during unpickling only).
final class PickleDict {
    var entries: [(key: PickleValue, value: PickleValue)] = []
}

/// A typed storage named by a torch persistent id; its bytes are zip member `data/<key>`.
struct TorchStorageRef: Sendable {
    let key: String
    let dtype: StoredDType
    /// Number of elements in the storage.
    let elementCount: Int
}

/// A tensor as a strided view into a storage (element units).
struct TorchTensorRef: Sendable {
    let storage: TorchStorageRef
    let storageOffset: Int
    let shape: [Int]
    let strides: [Int]
}
