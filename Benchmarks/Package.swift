// swift-tools-version:6.1
// OmniBark benchmarks, a package of their own so the main build stays light. Depends on the root
// package by path.
//
//   swift run -c release pipeline-benchmark        end to end: TTFA, RTF, live JACK run
//   swift package benchmark                         per-step kernels with ordo-one/benchmark
//                                                   (wall clock and mallocs per decoding step)
import PackageDescription

let package = Package(
    name: "OmniBarkBenchmarks",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(name: "OmniBark", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", exact: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "pipeline-benchmark",
            dependencies: [
                .product(name: "OmniBark", package: "OmniBark"),
                .product(name: "Bark", package: "OmniBark"),
                .product(name: "Streaming", package: "OmniBark"),
            ],
            path: "Sources/PipelineBenchmark"),
        .executableTarget(
            name: "StepBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "OmniBark", package: "OmniBark"),
                .product(name: "Bark", package: "OmniBark"),
                .product(name: "Tensors", package: "OmniBark"),
            ],
            path: "Benchmarks/StepBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]),
    ],
    swiftLanguageModes: [.v6]
)
