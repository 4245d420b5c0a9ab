import Foundation

/// Conversion of raw little-endian element bytes to `Float`.
enum ElementDecoding {
    /// Decodes `count` contiguous elements of `dtype` from the start of `raw` (which holds at least
    /// `count * dtype.byteWidth` bytes; checked by the caller).
    static func floats(_ raw: UnsafeRawBufferPointer, dtype: StoredDType, count: Int) -> [Float] {
        precondition(raw.count >= count * dtype.byteWidth, "caller must check the byte range")
        guard count > 0 else { return [] }
        if dtype == .float32 {
            return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
                for i in 0..<count {
                    buffer[i] = Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self)))
                }
                initialized = count
            }
        }
        return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            for i in 0..<count {
                buffer[i] = element(raw, dtype: dtype, byteOffset: i * dtype.byteWidth)
            }
            initialized = count
        }
    }

    /// Gathers a strided view: element `[i0, …, in]` is read at element index
    /// `storageOffset + Σ ik * strides[k]` of `raw`. The caller has checked that every index touched
    /// lies inside `raw`. Output is contiguous row-major.
    static func strided(_ raw: UnsafeRawBufferPointer, dtype: StoredDType, shape: [Int],
                        strides: [Int], storageOffset: Int) -> [Float] {
        let count = shape.reduce(1, *)
        guard count > 0 else { return [] }
        let width = dtype.byteWidth
        var index = [Int](repeating: 0, count: shape.count)
        return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            var position = storageOffset
            for out in 0..<count {
                buffer[out] = element(raw, dtype: dtype, byteOffset: position * width)
                // Advance the multi-index odometer-style, innermost dimension first.
                var k = shape.count - 1
                while k >= 0 {
                    index[k] += 1
                    position += strides[k]
                    if index[k] < shape[k] { break }
                    position -= strides[k] * shape[k]
                    index[k] = 0
                    k -= 1
                }
            }
            initialized = count
        }
    }

    /// One element at `byteOffset`, converted to `Float`.
    @inline(__always)
    static func element(_ raw: UnsafeRawBufferPointer, dtype: StoredDType, byteOffset o: Int) -> Float {
        switch dtype {
        case .float32: return Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: o, as: UInt32.self)))
        case .float64: return Float(Double(bitPattern: LittleEndian.uint(raw, at: o, width: 8)))
        case .float16: return halfToFloat(UInt16(truncatingIfNeeded: LittleEndian.uint(raw, at: o, width: 2)))
        case .bfloat16: return Float(bitPattern: UInt32(truncatingIfNeeded: LittleEndian.uint(raw, at: o, width: 2)) << 16)
        case .int64: return Float(Int64(bitPattern: LittleEndian.uint(raw, at: o, width: 8)))
        case .int32: return Float(Int32(truncatingIfNeeded: LittleEndian.uint(raw, at: o, width: 4)))
        case .int16: return Float(Int16(truncatingIfNeeded: LittleEndian.uint(raw, at: o, width: 2)))
        case .int8: return Float(Int8(bitPattern: raw[o]))
        case .uint8: return Float(raw[o])
        case .uint16: return Float(LittleEndian.uint(raw, at: o, width: 2))
        case .uint32: return Float(LittleEndian.uint(raw, at: o, width: 4))
        case .uint64: return Float(LittleEndian.uint(raw, at: o, width: 8))
        case .bool: return raw[o] != 0 ? 1 : 0
        }
    }

    /// IEEE 754 binary16 → binary32, exact (subnormals, infinities and NaN included). Written out
    /// by hand because `Float16` is unavailable on some supported platforms (macOS on Intel).
    static func halfToFloat(_ h: UInt16) -> Float {
        let sign = UInt32(h & 0x8000) << 16
        let exponent = Int(h >> 10) & 0x1F
        let mantissa = UInt32(h & 0x03FF)
        if exponent == 0 {
            // Zero or subnormal: mantissa × 2^-24.
            let magnitude = Float(mantissa) * Float(sign: .plus, exponent: -24, significand: 1)
            return sign != 0 ? -magnitude : magnitude
        }
        if exponent == 0x1F {
            return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13))
        }
        return Float(bitPattern: sign | (UInt32(exponent - 15 + 127) << 23) | (mantissa << 13))
    }
}

/// Overflow-checked size arithmetic for untrusted shapes.
enum SizeMath {
    /// Product of `extents` (1 for none), or nil on overflow or a negative extent.
    static func elementCount(_ extents: [Int]) -> Int? {
        var product = 1
        for extent in extents {
            guard extent >= 0 else { return nil }
            let (p, overflow) = product.multipliedReportingOverflow(by: extent)
            if overflow { return nil }
            product = p
        }
        return product
    }

    /// `elementCount(extents) * width`, or nil on overflow.
    static func byteCount(_ extents: [Int], width: Int) -> Int? {
        guard let n = elementCount(extents) else { return nil }
        let (bytes, overflow) = n.multipliedReportingOverflow(by: width)
        return overflow ? nil : bytes
    }
}
