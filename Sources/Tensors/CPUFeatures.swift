import CKernels
import Foundation

/// Which SIMD code the quantized kernels run. Chosen at run time from the CPU's features; the
/// environment variable `OMNIBARK_KERNELS=portable|avx2|avx512` forces one (a forced path the CPU
/// lacks falls back to the best one it has).
public enum KernelPath: String, Sendable, CaseIterable, Comparable {
    /// Plain C, any CPU.
    case portable
    /// AVX2 + FMA.
    case avx2
    /// AVX-512 F/BW/VL, with AVX512_BF16 dot products for bf16 weights when the CPU has them.
    case avx512

    var code: Int32 {
        switch self {
        case .portable: Int32(CK_PATH_PORTABLE.rawValue)
        case .avx2: Int32(CK_PATH_AVX2.rawValue)
        case .avx512: Int32(CK_PATH_AVX512.rawValue)
        }
    }

    public static func < (a: KernelPath, b: KernelPath) -> Bool { a.code < b.code }

    /// Whether this CPU (and OS) can run the path.
    public var isSupported: Bool { ck_path_supported(code) != 0 }

    /// Every path this CPU can run, slowest first.
    public static var supported: [KernelPath] { allCases.filter(\.isSupported) }

    /// The fastest path this CPU can run.
    public static var best: KernelPath { supported.last ?? .portable }

    /// The path used by default: `OMNIBARK_KERNELS` when set to a supported path, else `best`.
    public static let active: KernelPath = {
        if let name = ProcessInfo.processInfo.environment["OMNIBARK_KERNELS"]?.lowercased(),
           let forced = KernelPath(rawValue: name), forced.isSupported {
            return forced
        }
        return best
    }()
}

/// The x86 features the kernels care about, as found by `cpuid` (with OS support for the wide
/// registers checked through `xgetbv`). All false on other architectures.
public struct CPUFeatures: Sendable, Equatable, CustomStringConvertible {
    public let avx2, fma, f16c, avx512f, avx512bw, avx512vl, avx512vnni, avx512bf16: Bool

    public static let current: CPUFeatures = {
        let f = ck_cpu_detect()
        return CPUFeatures(avx2: f.avx2 != 0, fma: f.fma != 0, f16c: f.f16c != 0, avx512f: f.avx512f != 0,
                           avx512bw: f.avx512bw != 0, avx512vl: f.avx512vl != 0,
                           avx512vnni: f.avx512vnni != 0, avx512bf16: f.avx512bf16 != 0)
    }()

    public var description: String {
        let names: [(String, Bool)] = [("avx2", avx2), ("fma", fma), ("f16c", f16c), ("avx512f", avx512f),
                                       ("avx512bw", avx512bw), ("avx512vl", avx512vl),
                                       ("avx512vnni", avx512vnni), ("avx512bf16", avx512bf16)]
        let present = names.filter(\.1).map(\.0)
        return present.isEmpty ? "(none)" : present.joined(separator: " ")
    }
}
