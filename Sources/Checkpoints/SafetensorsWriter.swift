import Foundation
import Tensors

/// Writes float32 (or float16) tensors as a `.safetensors` file: an 8-byte little-endian header
/// length, a JSON header with `dtype`, `shape`, `data_offsets` per tensor (names sorted, as the
/// reference writer does) and an optional `__metadata__` string map, then the data.
///
/// The file is written under a temporary name in the destination folder and renamed, so a
/// failure never leaves a partial file under the final name.
public enum SafetensorsWriter {
    public enum StoredFloat: String, Sendable {
        case float32 = "F32"
        case float16 = "F16"
    }

    public static func write(_ tensors: [String: Tensor], metadata: [String: String] = [:],
                             as dtype: StoredFloat = .float32, to url: URL) throws {
        let names = tensors.keys.sorted()
        var entries: [String] = []
        var data = Data()
        for name in names {
            guard let tensor = tensors[name] else { continue }
            let begin = data.count
            switch dtype {
            case .float32:
                let bits = tensor.scalars.map { $0.bitPattern.littleEndian }
                bits.withUnsafeBytes { data.append(contentsOf: $0) }
            case .float16:
                let bits = tensor.scalars.map { Float16($0).bitPattern.littleEndian }
                bits.withUnsafeBytes { data.append(contentsOf: $0) }
            }
            let shape = tensor.shape.map(String.init).joined(separator: ",")
            entries.append("\(jsonString(name)):{\"dtype\":\"\(dtype.rawValue)\",\"shape\":[\(shape)],\"data_offsets\":[\(begin),\(data.count)]}")
        }
        if !metadata.isEmpty {
            let fields = metadata.keys.sorted().map { "\(jsonString($0)):\(jsonString(metadata[$0] ?? ""))" }
            entries.insert("\"__metadata__\":{\(fields.joined(separator: ","))}", at: 0)
        }
        var header = Data(("{" + entries.joined(separator: ",") + "}").utf8)
        // Pad the header with spaces to an 8-byte boundary, as the reference writer does.
        while header.count % 8 != 0 { header.append(0x20) }
        var file = Data()
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { file.append(contentsOf: $0) }
        file.append(header)
        file.append(data)
        try AtomicFileWriter.write(file, to: url)
    }

    static func jsonString(_ value: String) -> String {
        var out = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
