import Foundation

/// Interpretation of an unpickled `torch.save` result as tensors plus plain attributes.
enum TorchStateDict {
    /// Splits the unpickled root into named tensors and non-tensor attributes.
    ///
    /// A root dict with a `model` dict entry that holds tensors (or a root without tensors) is a
    /// Suno checkpoint: `model` is the state dict and the remaining root entries (`model_args`, `iter_num`) become attributes.
    /// Otherwise the root dict itself is the state dict (HF `pytorch_model.bin`).
    static func split(_ root: PickleValue, path: String) throws -> ([String: TorchTensorRef], [String: CheckpointValue]) {
        guard case let .dict(top) = root else {
            throw CheckpointError.malformed(file: path, item: "data.pkl", offset: nil,
                                            reason: "top-level object is a \(root.kindName), not a dict")
        }
        func containsTensor(_ dict: PickleDict) -> Bool {
            dict.entries.contains { if case .tensor = $0.value { return true } else { return false } }
        }
        var tensorDict = top
        var attributes: [String: CheckpointValue] = [:]
        var budget = maxAttributeValues
        let hasTensors = containsTensor(top)
        // Suno's checkpoints hold the state dict under `model`; their root also holds tensors of its
        // own (`best_val_loss` is a 0-d tensor), so a `model` dict with tensors wins over the root.
        if let model = top.entries.last(where: { if case .string("model") = $0.key { true } else { false } }),
           case let .dict(inner) = model.value, containsTensor(inner) || !hasTensors {
            tensorDict = inner
            for (key, value) in top.entries {
                guard case let .string(name) = key, name != "model",
                      let converted = try checkpointValue(value, path: path, depth: 0, budget: &budget) else { continue }
                attributes[name] = converted
            }
        }
        var tensors: [String: TorchTensorRef] = [:]
        for (key, value) in tensorDict.entries {
            guard case let .string(name) = key else { continue }
            switch value {
            case let .tensor(ref): tensors[name] = ref
            default:
                if tensorDict === top, hasTensors, let converted = try checkpointValue(value, path: path, depth: 0, budget: &budget) {
                    attributes[name] = converted
                }
            }
        }
        return (tensors, attributes)
    }

    /// Checks a view's sizes/strides/offset stay inside its storage (overflow-checked).
    static func validateView(_ ref: TorchTensorRef, name: String, path: String) throws {
        func bad(_ reason: String) -> CheckpointError {
            .malformed(file: path, item: "tensor '\(name)'", offset: nil, reason: reason)
        }
        guard ref.storageOffset >= 0 else { throw bad("negative storage offset \(ref.storageOffset)") }
        guard ref.shape.allSatisfy({ $0 >= 0 }), ref.strides.allSatisfy({ $0 >= 0 }) else {
            throw bad("negative size or stride (size \(ref.shape), stride \(ref.strides))")
        }
        guard let count = SizeMath.elementCount(ref.shape) else { throw bad("element count of shape \(ref.shape) overflows") }
        if count == 0 { return }
        // Only overlapping strides (stride 0, as from expand()) make a view larger than its
        // storage; reading one would turn a few stored bytes into an arbitrarily large tensor.
        guard count <= ref.storage.elementCount else {
            throw bad("view of \(count) elements (size \(ref.shape), stride \(ref.strides)) is larger than storage "
                      + "'\(ref.storage.key)' of \(ref.storage.elementCount); overlapping (expanded) views are not supported")
        }
        var last = ref.storageOffset
        for (extent, stride) in zip(ref.shape, ref.strides) {
            let (step, o1) = (extent - 1).multipliedReportingOverflow(by: stride)
            let (sum, o2) = last.addingReportingOverflow(step)
            guard !o1, !o2 else { throw bad("strides \(ref.strides) overflow") }
            last = sum
        }
        guard last < ref.storage.elementCount else {
            throw bad("view (offset \(ref.storageOffset), size \(ref.shape), stride \(ref.strides)) reaches element \(last) "
                      + "of storage '\(ref.storage.key)' which has \(ref.storage.elementCount)")
        }
    }

    /// Deepest nesting of lists/dicts accepted in attributes (also stops self-referencing lists).
    static let maxDepth = 64

    /// Most values (every list item, dict entry and byte counts one) converted for all attributes
    /// of one checkpoint. The memo lets a pickle reuse a sub-object, so a few hundred bytes can
    /// describe a tree of 2^60 values; the depth limit alone does not stop that.
    static let maxAttributeValues = 1 << 16

    /// Plain data → `CheckpointValue`; nil for tensors, storages and globals (skipped). `budget`
    /// is how many more values may be converted (see `maxAttributeValues`); it is decremented.
    static func checkpointValue(_ value: PickleValue, path: String, depth: Int, budget: inout Int) throws -> CheckpointValue? {
        guard depth <= maxDepth else {
            throw CheckpointError.limitExceeded(file: path, item: "nesting depth of a non-tensor entry in data.pkl",
                                                value: depth, limit: maxDepth)
        }
        let cost: Int
        if case let .bytes(b) = value { cost = 1 + b.count } else { cost = 1 }
        guard budget >= cost else {
            throw CheckpointError.limitExceeded(file: path, item: "values in the non-tensor entries of data.pkl "
                                                + "(a shared sub-object counts each time it is used)",
                                                value: maxAttributeValues - budget + cost, limit: maxAttributeValues)
        }
        budget -= cost
        func convert(_ item: PickleValue) throws -> CheckpointValue? {
            try checkpointValue(item, path: path, depth: depth + 1, budget: &budget)
        }
        switch value {
        case .none: return CheckpointValue.null
        case let .bool(b): return .bool(b)
        case let .int(i): return .int(i)
        case let .float(d): return .double(d)
        case let .string(s): return .string(s)
        case let .bytes(b): return .array(b.map { .int(Int($0)) })
        case let .tuple(items): return .array(try items.compactMap(convert))
        case let .list(list): return .array(try list.items.compactMap(convert))
        case let .dict(dict):
            var result: [String: CheckpointValue] = [:]
            for (key, item) in dict.entries {
                let name: String
                switch key {
                case let .string(s): name = s
                case let .int(i): name = String(i)
                default: continue
                }
                if let converted = try convert(item) { result[name] = converted }
            }
            return .dictionary(result)
        case .global, .storage, .tensor: return nil
        }
    }
}
