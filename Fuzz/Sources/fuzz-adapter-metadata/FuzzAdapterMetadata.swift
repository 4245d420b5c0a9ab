import Checkpoints
import Modalities

/// Configurations needing more tensor elements than this are checked but not loaded (zeros of
/// that size would only measure the allocator).
private let maxLoadedElements = 1 << 18

/// One input = the `omnibark_adapters` JSON of an adapter file's `__metadata__`. It is decoded and
/// validated by `AdapterCheckpoint.configuration(of:)`; a valid configuration then has its
/// expected tensor shapes computed, and is loaded twice: from a container missing every tensor
/// (must throw) and, when small, from one holding exactly the expected tensors (zeros).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let json = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let attributes: [String: CheckpointValue] = [
        AdapterConfiguration.metadataKey: .string(json), "format": .string(AdapterCheckpoint.formatTag),
    ]
    let empty = MetadataContainer(tensorInfos: [:], attributes: attributes)
    guard let configuration = try? AdapterCheckpoint.configuration(of: empty) else { return 0 }
    let shapes = AdapterCheckpoint.expectedShapes(configuration)
    precondition((try? AdapterCheckpoint.load(container: empty)) == nil, "an adapter file without tensors was accepted")
    var total = 0
    for shape in shapes.values {
        total = total.addingReportingOverflow(shape.reduce(1) { $0.multipliedReportingOverflow(by: $1).partialValue }).partialValue
    }
    guard total >= 0, total <= maxLoadedElements else { return 0 }
    let infos = Dictionary(uniqueKeysWithValues: shapes.map { name, shape in
        (name, TensorInfo(name: name, dtype: .float32, shape: shape))
    })
    _ = try? AdapterCheckpoint.load(container: MetadataContainer(tensorInfos: infos, attributes: attributes))
    return 0
}
