import Foundation

/// Writes small float32 safetensors files for tests (header JSON + little-endian data).
enum SafetensorsTestWriter {
    static func write(_ tensors: [(name: String, shape: [Int], values: [Float])], to url: URL) throws {
        var header: [String] = []
        var data = Data()
        for t in tensors {
            let begin = data.count
            for v in t.values { withUnsafeBytes(of: v.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
            header.append("\"\(t.name)\":{\"dtype\":\"F32\",\"shape\":[\(t.shape.map(String.init).joined(separator: ","))],\"data_offsets\":[\(begin),\(data.count)]}")
        }
        let json = Data(("{" + header.joined(separator: ",") + "}").utf8)
        var file = Data()
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { file.append(contentsOf: $0) }
        file.append(json)
        file.append(data)
        try file.write(to: url)
    }
}
