// swift-tools-version:6.1
// OmniBark: a streaming Bark text-to-audio engine. A target imports only the targets listed before
// it here (the layering of DESIGN.md, with WAV and resampling in their own `Audio` target).
import PackageDescription

let package = Package(
    name: "OmniBark",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "Tensors", targets: ["Tensors"]),
        .library(name: "Checkpoints", targets: ["Checkpoints"]),
        .library(name: "Bark", targets: ["Bark"]),
        .library(name: "Encodec", targets: ["Encodec"]),
        .library(name: "Audio", targets: ["Audio"]),
        .library(name: "Guardrails", targets: ["Guardrails"]),
        .library(name: "Watermark", targets: ["Watermark"]),
        .library(name: "Streaming", targets: ["Streaming"]),
        .library(name: "Modalities", targets: ["Modalities"]),
        .library(name: "LiveControl", targets: ["LiveControl"]),
        .library(name: "OmniBark", targets: ["OmniBark"]),
        .executable(name: "omnibark", targets: ["omnibark"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-atomics", from: "1.3.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        // System-library shims (pkg-config names as Debian 12 ships them).
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CJack", pkgConfig: "jack", providers: [.apt(["libjack-jackd2-dev"])]),
        .systemLibrary(name: "COpus", pkgConfig: "libopusenc", providers: [.apt(["libopus-dev", "libopusenc-dev"])]),
        .systemLibrary(name: "CSoxr", pkgConfig: "soxr", providers: [.apt(["libsoxr-dev"])]),
        .systemLibrary(name: "CLiblo", pkgConfig: "liblo", providers: [.apt(["liblo-dev"])]),
        // libpng/libjpeg behind a small C helper (their errors longjmp, which Swift cannot host).
        .target(name: "CImage", publicHeadersPath: ".", linkerSettings: [.linkedLibrary("png16"), .linkedLibrary("jpeg")]),
        // Debian's ICU (libicu-dev) behind a small C file: TR39 confusable skeletons (uspoof),
        // normalization and case folding. ICU's headers stay out of Swift's sight (Foundation
        // carries its own ICU module, whose types clash with Debian's).
        .target(name: "CICU", publicHeadersPath: ".",
                linkerSettings: [.linkedLibrary("icui18n"), .linkedLibrary("icuuc"), .linkedLibrary("icudata")]),

        // Quantized-weight kernels (x86 intrinsics behind per-function target attributes, chosen at
        // run time) and the thread pool.
        .target(name: "CKernels"),
        .target(name: "Tensors", dependencies: ["CBLAS", "CKernels"]),
        .target(name: "Checkpoints", dependencies: [
            "Tensors",
            .product(name: "ZIPFoundation", package: "ZIPFoundation"),
        ]),
        .target(name: "Bark", dependencies: ["Tensors", "Checkpoints"]),
        .target(name: "Encodec", dependencies: ["Tensors", "Checkpoints"]),
        // WAV files and sample-rate conversion: the one place audio is read, written and resampled.
        .target(name: "Audio", dependencies: ["Checkpoints", "CSoxr"]),
        // The realtime side: SPSC ring buffers, the JACK client and the sinks.
        .target(name: "Streaming", dependencies: ["Audio", "CJack", .product(name: "Atomics", package: "swift-atomics")]),
        // Ogg Opus encoding, the listener fan-out, the HTTP server and the Icecast source (SwiftNIO).
        .target(name: "NetworkStreaming", dependencies: [
            "Audio", "Streaming", "COpus",
            .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
        ]),
        // The content policy: normalization (NFKC, case folding, invisibles, diacritics, TR39
        // skeletons, substitutes, split and repeated letters) and matching of terms and patterns.
        .target(name: "Guardrails", dependencies: ["Checkpoints", "CICU"]),
        // The keyed audio watermark: streaming embedder, detector, key files and the robustness eval.
        .target(name: "Watermark", dependencies: ["Audio", "Checkpoints", "Tensors"]),
        // Modalities reads and resamples reference audio through Audio.
        .target(name: "Modalities", dependencies: ["Tensors", "Checkpoints", "CImage", "Bark", "Encodec", "Audio"]),
        // Live control events from any source (OSC, HTTP, MIDI, files, stdin), their bounded inbox,
        // counters and JSON-lines event log, and the OSC server (UDP, messages decoded by liblo).
        .target(name: "LiveControl", dependencies: ["Modalities", "Checkpoints", "CLiblo"]),
        .target(name: "OmniBark", dependencies: [
            "Bark", "Encodec", "Audio", "Streaming", "Checkpoints", "Tensors", "Guardrails", "Modalities", "NetworkStreaming", "Watermark",
            "LiveControl", "CJack",  // CJack: the benchmark's JACK probe client
            .product(name: "Atomics", package: "swift-atomics"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Metrics", package: "swift-metrics"), .product(name: "Prometheus", package: "swift-prometheus"),
        ]),
        .executableTarget(name: "omnibark", dependencies: [
            "OmniBark", "Bark", "Audio", "Streaming", "Checkpoints", "Tensors", "Guardrails", "Modalities", "NetworkStreaming", "Watermark",
            "LiveControl", "Encodec",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // Helpers shared by the test targets: fixture paths, a seeded generator, test signals, tools.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "TensorsTests", dependencies: ["Tensors", "CKernels", "TestSupport"]),
        .testTarget(name: "CheckpointsTests", dependencies: ["Checkpoints", "Tensors", "TestSupport"]),
        .testTarget(name: "BarkTests", dependencies: ["Bark", "Checkpoints", "Tensors", "OmniBark", "TestSupport"]),
        .testTarget(name: "EncodecTests", dependencies: ["Encodec", "Checkpoints", "Tensors", "TestSupport"]),
        .testTarget(name: "GuardrailsTests", dependencies: ["Guardrails", "TestSupport"]),
        .testTarget(name: "AudioTests", dependencies: ["Audio", "TestSupport"]),
        .testTarget(name: "WatermarkTests", dependencies: ["Watermark", "Audio", "TestSupport"]),
        // A real jackd dummy server and a recording JACK client, shared by the JACK tests.
        .target(name: "JackTestSupport", dependencies: ["CJack", "TestSupport", .product(name: "Atomics", package: "swift-atomics")],
                path: "Tests/JackTestSupport"),
        .testTarget(name: "StreamingTests", dependencies: ["Streaming", "Audio", "JackTestSupport", "TestSupport"]),
        // A malloc-family interposer that counts allocator calls on one watched thread. All test
        // targets link into one test binary, so it is process-wide there (one relaxed load per call
        // on unwatched threads); only RealtimeAllocationTests uses it.
        .target(name: "CAllocationCounter", path: "Tests/CAllocationCounter"),
        // Proves the JACK process callback never allocates (jackd dummy server, all inputs busy).
        .testTarget(name: "RealtimeAllocationTests", dependencies: ["Streaming", "OmniBark", "CAllocationCounter", "CJack", "JackTestSupport",
                                                                   "TestSupport"]),
        .testTarget(name: "LiveControlTests", dependencies: ["LiveControl", "Modalities", "TestSupport"]),
        .testTarget(name: "ModalitiesTests", dependencies: ["Modalities", "Bark", "Checkpoints", "Tensors", "Audio", "TestSupport"]),
        .testTarget(name: "OmniBarkTests", dependencies: ["OmniBark", "Bark", "Encodec", "Audio", "Streaming", "Checkpoints", "Tensors",
                                                         "Modalities", "Watermark", "LiveControl", "JackTestSupport", "TestSupport"],
                    exclude: ["FakeHub"]),
        .testTarget(name: "NetworkStreamingTests", dependencies: ["NetworkStreaming", "OmniBark", "Audio", "Streaming", "Bark", "Watermark",
                                                                 "Checkpoints", "CBLAS", "Modalities", "LiveControl",
                                                                 .product(name: "Atomics", package: "swift-atomics")]),
        .testTarget(name: "SystemLibrariesTests", dependencies: ["CBLAS", "CJack", "COpus"]),
    ],
    swiftLanguageModes: [.v6]
)
