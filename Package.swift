// swift-tools-version:6.1
// OmniBark: a streaming Bark text-to-audio engine. Layout and layering follow ../shared/DESIGN.md:
// a target imports only the targets listed before it here.
import PackageDescription

let package = Package(
    name: "OmniBark",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "Tensors", targets: ["Tensors"]),
        .library(name: "Checkpoints", targets: ["Checkpoints"]),
        .library(name: "Bark", targets: ["Bark"]),
        .library(name: "Encodec", targets: ["Encodec"]),
        .library(name: "Streaming", targets: ["Streaming"]),
        .library(name: "Modalities", targets: ["Modalities"]),
        .library(name: "OmniBark", targets: ["OmniBark"]),
        .executable(name: "omnibark", targets: ["omnibark"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-atomics", from: "1.3.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    ],
    targets: [
        // System-library shims (pkg-config names as Debian 12 ships them).
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CJack", pkgConfig: "jack", providers: [.apt(["libjack-jackd2-dev"])]),
        .systemLibrary(name: "COpus", pkgConfig: "libopusenc", providers: [.apt(["libopus-dev", "libopusenc-dev"])]),
        .systemLibrary(name: "CSoxr", pkgConfig: "soxr", providers: [.apt(["libsoxr-dev"])]),
        // libpng/libjpeg behind a small C helper (their errors longjmp, which Swift cannot host).
        .target(name: "CImage", publicHeadersPath: ".", linkerSettings: [.linkedLibrary("png16"), .linkedLibrary("jpeg")]),

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
        .target(name: "Streaming", dependencies: ["Tensors", "CSoxr", "CJack", .product(name: "Atomics", package: "swift-atomics")]),
        // Ogg Opus encoding, the listener fan-out, the HTTP server and the Icecast source (SwiftNIO).
        .target(name: "NetworkStreaming", dependencies: [
            "Streaming", "COpus", .product(name: "Atomics", package: "swift-atomics"),
            .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
        ]),
        // Modalities also uses Streaming (WAV reading and resampling of reference audio).
        .target(name: "Modalities", dependencies: ["Tensors", "Checkpoints", "CImage", "Bark", "Encodec", "Streaming"]),
        .target(name: "OmniBark", dependencies: [
            "Bark", "Encodec", "Streaming", "Checkpoints", "Tensors", "Modalities", "NetworkStreaming",
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        .executableTarget(name: "omnibark", dependencies: [
            "OmniBark", "Bark", "Encodec", "Streaming", "Checkpoints", "Tensors", "Modalities", "NetworkStreaming",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        .testTarget(name: "TensorsTests", dependencies: ["Tensors"]),
        .testTarget(name: "CheckpointsTests", dependencies: ["Checkpoints", "Tensors"]),
        .testTarget(name: "BarkTests", dependencies: ["Bark", "Checkpoints", "Tensors", "OmniBark"]),
        .testTarget(name: "EncodecTests", dependencies: ["Encodec", "Checkpoints", "Tensors"]),
        // A real jackd dummy server and a recording JACK client, shared by the JACK tests.
        .target(name: "JackTestSupport", dependencies: ["CJack", .product(name: "Atomics", package: "swift-atomics")],
                path: "Tests/JackTestSupport"),
        .testTarget(name: "StreamingTests", dependencies: ["Streaming", "Tensors", "CJack", "JackTestSupport",
                                                          .product(name: "Atomics", package: "swift-atomics")]),
        .testTarget(name: "ModalitiesTests", dependencies: ["Modalities", "Checkpoints", "Tensors", "Bark", "Encodec", "Streaming"]),
        .testTarget(name: "OmniBarkTests", dependencies: ["OmniBark", "Bark", "Encodec", "Streaming", "Checkpoints", "Tensors",
                                                         "Modalities", "JackTestSupport"],
                    exclude: ["FakeHub"]),
        .testTarget(name: "NetworkStreamingTests", dependencies: ["NetworkStreaming", "OmniBark", "Streaming", "Bark", "COpus", "CBLAS",
                                                                 .product(name: "NIOCore", package: "swift-nio"),
                                                                 .product(name: "NIOPosix", package: "swift-nio")]),
        .testTarget(name: "SystemLibrariesTests", dependencies: ["CBLAS", "CJack", "COpus"]),
    ],
    swiftLanguageModes: [.v6]
)
