// swift-tools-version:6.1
// OmniBark fuzz targets: one libFuzzer executable per reader of untrusted bytes. A package of its
// own so the main build stays free of sanitizers. Depends on the root package by path.
//
//   scripts/fuzz.sh --seconds 60                 build with -sanitize=fuzzer,address and run each
//   scripts/fuzz.sh --seconds 600 fuzz-wav       one target, longer
//
// Each target defines `LLVMFuzzerTestOneInput` and a two-line `@main` that hands control to
// libFuzzer's driver (`CFuzzDriver`); SwiftPM links executables with `main` aliased to the
// module's entry point, so libFuzzer's own `main` cannot be used directly.
import PackageDescription

/// A fuzz executable `name` with its sources in `Sources/<name>`.
func fuzzTarget(_ name: String, _ products: [String]) -> Target {
    .executableTarget(
        name: name,
        dependencies: ["CFuzzDriver", "FuzzSupport"] + products.map { .product(name: $0, package: "OmniBark") })
}

let package = Package(
    name: "OmniBarkFuzz",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(name: "OmniBark", path: ".."),
    ],
    targets: [
        // Calls libFuzzer's LLVMFuzzerRunDriver (present only when linked with -sanitize=fuzzer).
        .target(name: "CFuzzDriver"),
        // Per-process scratch files for readers that take a URL.
        .target(name: "FuzzSupport"),
        fuzzTarget("fuzz-safetensors", ["Checkpoints"]),
        fuzzTarget("fuzz-torch", ["Checkpoints"]),
        fuzzTarget("fuzz-numpy", ["Checkpoints", "Bark"]),
        fuzzTarget("fuzz-wav", ["Audio"]),
        fuzzTarget("fuzz-image", ["Modalities"]),
        fuzzTarget("fuzz-control-events", ["Modalities"]),
        fuzzTarget("fuzz-adapter-metadata", ["Modalities", "Checkpoints", "Tensors"]),
        fuzzTarget("fuzz-say-request", ["OmniBark"]),
        fuzzTarget("fuzz-live-control-json", ["LiveControl"]),
        fuzzTarget("fuzz-osc-packet", ["LiveControl"]),
    ],
    swiftLanguageModes: [.v6]
)
