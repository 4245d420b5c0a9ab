import Foundation

/// A restricted unpickler for PyTorch state dicts (pickle protocols 2–5).
///
/// It implements only the opcodes `torch.save` emits for dicts of tensors and plain Python data,
/// and resolves only allow-listed globals (`collections.OrderedDict`, `torch._utils._rebuild_tensor_v2`,
/// `torch._utils._rebuild_parameter` and the typed `torch.*Storage` classes). Any other global
/// throws `CheckpointError.forbiddenGlobal`; any other opcode throws `unsupportedOpcode`.
/// Nothing is ever executed: "calls" to allowed globals are interpreted as data constructors.
struct Unpickler {
    private let bytes: [UInt8]
    private let path: String
    private var position = 0
    private var stack: [PickleValue] = []
    private var marks: [Int] = []
    private var memo: [Int: PickleValue] = [:]
    /// Offset of the opcode being executed, for error messages.
    private var opcodeOffset = 0

    /// Storage classes (`torch.<Name>`) and their element types.
    static let storageTypes: [String: StoredDType] = [
        "FloatStorage": .float32, "HalfStorage": .float16, "BFloat16Storage": .bfloat16,
        "DoubleStorage": .float64, "LongStorage": .int64, "IntStorage": .int32, "ShortStorage": .int16,
        "CharStorage": .int8, "ByteStorage": .uint8, "BoolStorage": .bool,
    ]

    init(bytes: [UInt8], path: String) {
        self.bytes = bytes
        self.path = path
    }

    /// Runs the pickle to its STOP opcode and returns the result.
    mutating func load() throws -> PickleValue {
        while true {
            opcodeOffset = position
            let opcode = try readByte()
            if opcode == 0x2E { // STOP
                guard let result = stack.popLast(), marks.isEmpty else { throw malformed("STOP with an empty stack or open MARK") }
                return result
            }
            try execute(opcode)
        }
    }

    // MARK: - Opcodes

    private mutating func execute(_ opcode: UInt8) throws {
        switch opcode {
        case 0x80: _ = try readByte() // PROTO n
        case 0x95: _ = try read(8) // FRAME length (frames are just a hint)
        case 0x7D: stack.append(.dict(PickleDict())) // EMPTY_DICT }
        case 0x5D: stack.append(.list(PickleList())) // EMPTY_LIST ]
        case 0x29: stack.append(.tuple([])) // EMPTY_TUPLE )
        case 0x28: marks.append(stack.count) // MARK (
        case 0x85: stack.append(.tuple(try popN(1))) // TUPLE1
        case 0x86: stack.append(.tuple(try popN(2))) // TUPLE2
        case 0x87: stack.append(.tuple(try popN(3))) // TUPLE3
        case 0x74: stack.append(.tuple(try popToMark())) // TUPLE t
        case 0x4A: stack.append(.int(Int(Int32(truncatingIfNeeded: try uint(4))))) // BININT
        case 0x4B: stack.append(.int(Int(try uint(1)))) // BININT1
        case 0x4D: stack.append(.int(Int(try uint(2)))) // BININT2
        case 0x8A: stack.append(.int(try long(Int(try uint(1))))) // LONG1
        case 0x47: stack.append(.float(Double(bitPattern: bigEndian(try read(8))))) // BINFLOAT
        case 0x58: stack.append(.string(try utf8(Int(try uint(4))))) // BINUNICODE
        case 0x8C: stack.append(.string(try utf8(Int(try uint(1))))) // SHORT_BINUNICODE
        case 0x8D: stack.append(.string(try utf8(try length(8)))) // BINUNICODE8
        case 0x42: stack.append(.bytes(try read(Int(try uint(4))))) // BINBYTES
        case 0x43: stack.append(.bytes(try read(Int(try uint(1))))) // SHORT_BINBYTES
        case 0x8E: stack.append(.bytes(try read(try length(8)))) // BINBYTES8
        case 0x4E: stack.append(.none) // NONE
        case 0x88: stack.append(.bool(true)) // NEWTRUE
        case 0x89: stack.append(.bool(false)) // NEWFALSE
        case 0x71: memo[Int(try uint(1))] = try top() // BINPUT
        case 0x72: memo[Int(try uint(4))] = try top() // LONG_BINPUT
        case 0x94: memo[memo.count] = try top() // MEMOIZE
        case 0x68: stack.append(try memoValue(Int(try uint(1)))) // BINGET
        case 0x6A: stack.append(try memoValue(Int(try uint(4)))) // LONG_BINGET
        case 0x73: // SETITEM
            let pair = try popN(2)
            try dictionary(try top()).entries.append((pair[0], pair[1]))
        case 0x75: // SETITEMS
            let items = try popToMark()
            guard items.count % 2 == 0 else { throw malformed("SETITEMS with an odd number of items") }
            let dict = try dictionary(try top())
            for i in stride(from: 0, to: items.count, by: 2) { dict.entries.append((items[i], items[i + 1])) }
        case 0x61: // APPEND
            let item = try popN(1)[0]
            try list(try top()).items.append(item)
        case 0x65: // APPENDS
            let items = try popToMark()
            try list(try top()).items.append(contentsOf: items)
        case 0x63: // GLOBAL "module\nname\n"
            let module = try line()
            let name = try line()
            stack.append(try resolveGlobal(module: module, name: name))
        case 0x93: // STACK_GLOBAL
            let pair = try popN(2)
            guard case let .string(module) = pair[0], case let .string(name) = pair[1] else {
                throw malformed("STACK_GLOBAL needs two strings")
            }
            stack.append(try resolveGlobal(module: module, name: name))
        case 0x52: // REDUCE
            let pair = try popN(2)
            guard case let .tuple(arguments) = pair[1] else { throw malformed("REDUCE arguments are not a tuple") }
            stack.append(try call(pair[0], arguments))
        case 0x81: // NEWOBJ
            let pair = try popN(2)
            guard case let .tuple(arguments) = pair[1] else { throw malformed("NEWOBJ arguments are not a tuple") }
            stack.append(try call(pair[0], arguments))
        case 0x62: // BUILD: state for OrderedDict (torch's `_metadata`) or a tensor is accepted and ignored.
            let state = try popN(1)[0]
            switch try top() {
            case .dict, .tensor: _ = state
            case let other: throw malformed("BUILD on \(other.kindName) is not allowed")
            }
        case 0x51: // BINPERSID
            stack.append(try persistentLoad(try popN(1)[0]))
        default:
            throw CheckpointError.unsupportedOpcode(file: path, opcode: opcode, offset: opcodeOffset)
        }
    }

    // MARK: - Globals and calls

    private func resolveGlobal(module: String, name: String) throws -> PickleValue {
        let allowed: Bool
        switch module {
        case "collections": allowed = name == "OrderedDict"
        case "torch._utils": allowed = name == "_rebuild_tensor_v2" || name == "_rebuild_parameter"
        case "torch": allowed = Self.storageTypes[name] != nil
        default: allowed = false
        }
        guard allowed else {
            throw CheckpointError.forbiddenGlobal(file: path, module: module, name: name, offset: opcodeOffset)
        }
        return .global(module: module, name: name)
    }

    /// Interprets a call of an allow-listed global as a data constructor.
    private func call(_ callable: PickleValue, _ arguments: [PickleValue]) throws -> PickleValue {
        guard case let .global(module, name) = callable else {
            throw malformed("call of a \(callable.kindName), which is not callable")
        }
        switch (module, name) {
        case ("collections", "OrderedDict"):
            let dict = PickleDict()
            if let first = arguments.first, case let .list(pairs) = first {
                for pair in pairs.items {
                    guard case let .tuple(kv) = pair, kv.count == 2 else { throw malformed("OrderedDict item is not a pair") }
                    dict.entries.append((kv[0], kv[1]))
                }
            } else if !arguments.isEmpty {
                throw malformed("OrderedDict called with unsupported arguments")
            }
            return .dict(dict)
        case ("torch._utils", "_rebuild_tensor_v2"):
            return .tensor(try rebuildTensor(arguments))
        case ("torch._utils", "_rebuild_parameter"):
            guard let data = arguments.first, case .tensor = data else { throw malformed("_rebuild_parameter without a tensor") }
            return data
        default:
            throw malformed("\(module).\(name) cannot be called")
        }
    }

    /// `_rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])`.
    private func rebuildTensor(_ arguments: [PickleValue]) throws -> TorchTensorRef {
        guard arguments.count >= 4, case let .storage(storage) = arguments[0], case let .int(offset) = arguments[1],
              case let .tuple(sizeValues) = arguments[2], case let .tuple(strideValues) = arguments[3] else {
            throw malformed("_rebuild_tensor_v2 arguments are not (storage, offset, size, stride, …)")
        }
        let shape = try sizeValues.map { value -> Int in
            guard case let .int(n) = value else { throw malformed("tensor size is not an int tuple") }
            return n
        }
        let strides = try strideValues.map { value -> Int in
            guard case let .int(n) = value else { throw malformed("tensor stride is not an int tuple") }
            return n
        }
        guard shape.count == strides.count else { throw malformed("tensor size and stride differ in rank") }
        return TorchTensorRef(storage: storage, storageOffset: offset, shape: shape, strides: strides)
    }

    /// `('storage', torch.XStorage, key, location, numel)`.
    private func persistentLoad(_ pid: PickleValue) throws -> PickleValue {
        guard case let .tuple(fields) = pid, fields.count == 5, case let .string(kind) = fields[0], kind == "storage",
              case let .global(_, typeName) = fields[1], case let .string(key) = fields[2],
              case let .int(count) = fields[4] else {
            throw malformed("persistent id is not ('storage', type, key, location, numel)")
        }
        guard let dtype = Self.storageTypes[typeName] else { throw malformed("unknown storage type \(typeName)") }
        return .storage(TorchStorageRef(key: key, dtype: dtype, elementCount: count))
    }

    // MARK: - Stack helpers

    private func top() throws -> PickleValue {
        guard let value = stack.last else { throw malformed("stack underflow") }
        return value
    }

    private mutating func popN(_ n: Int) throws -> [PickleValue] {
        let floor = marks.last ?? 0
        guard stack.count - floor >= n else { throw malformed("stack underflow") }
        let items = Array(stack.suffix(n))
        stack.removeLast(n)
        return items
    }

    private mutating func popToMark() throws -> [PickleValue] {
        guard let mark = marks.popLast() else { throw malformed("no MARK on the stack") }
        let items = Array(stack[mark...])
        stack.removeSubrange(mark...)
        return items
    }

    private func memoValue(_ index: Int) throws -> PickleValue {
        guard let value = memo[index] else { throw malformed("memo entry \(index) is not set") }
        return value
    }

    private func dictionary(_ value: PickleValue) throws -> PickleDict {
        guard case let .dict(dict) = value else { throw malformed("SETITEM(S) target is a \(value.kindName), not a dict") }
        return dict
    }

    private func list(_ value: PickleValue) throws -> PickleList {
        guard case let .list(list) = value else { throw malformed("APPEND(S) target is a \(value.kindName), not a list") }
        return list
    }

    // MARK: - Byte reading

    private func malformed(_ reason: String) -> CheckpointError {
        .malformed(file: path, item: "data.pkl", offset: opcodeOffset, reason: reason)
    }

    private mutating func read(_ count: Int) throws -> [UInt8] {
        guard count >= 0, count <= bytes.count - position else {
            throw CheckpointError.truncated(file: path, item: "data.pkl", offset: position, needed: count,
                                            available: bytes.count - position)
        }
        defer { position += count }
        return Array(bytes[position..<(position + count)])
    }

    private mutating func readByte() throws -> UInt8 { try read(1)[0] }

    private mutating func uint(_ width: Int) throws -> UInt64 { LittleEndian.uint(try read(width), at: 0, width: width) }

    private mutating func length(_ width: Int) throws -> Int {
        let value = try uint(width)
        guard value <= UInt64(bytes.count) else {
            throw CheckpointError.truncated(file: path, item: "data.pkl", offset: position,
                                            needed: Int(clamping: value), available: bytes.count - position)
        }
        return Int(value)
    }

    /// LONG1: little-endian two's complement of `count` bytes (at most 8 accepted).
    private mutating func long(_ count: Int) throws -> Int {
        guard count <= 8 else { throw malformed("LONG1 of \(count) bytes does not fit in 64 bits") }
        let raw = try read(count)
        guard count > 0 else { return 0 }
        var value = LittleEndian.uint(raw, at: 0, width: count)
        if count < 8, raw[count - 1] & 0x80 != 0 { value |= ~UInt64(0) << (8 * count) }
        return Int(Int64(bitPattern: value))
    }

    private func bigEndian(_ raw: [UInt8]) -> UInt64 { raw.reduce(0) { ($0 << 8) | UInt64($1) } }

    private mutating func utf8(_ count: Int) throws -> String {
        let raw = try read(count)
        guard let string = String(validating: raw, as: UTF8.self) else { throw malformed("string is not valid UTF-8") }
        return string
    }

    /// A newline-terminated ASCII line (GLOBAL operands), at most 256 bytes.
    private mutating func line() throws -> String {
        var raw: [UInt8] = []
        while true {
            let byte = try readByte()
            if byte == 0x0A { break }
            raw.append(byte)
            guard raw.count <= 256 else { throw malformed("GLOBAL name longer than 256 bytes") }
        }
        return String(decoding: raw, as: UTF8.self)
    }
}
