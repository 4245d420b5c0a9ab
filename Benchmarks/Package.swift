// swift-tools-version:6.1
// OmniBark benchmarks, a package of their own so the main build stays light. Depends on the root
// package by path. Run: `cd Benchmarks && swift run -c release pipeline-benchmark`.
import PackageDescription

let package = Package(
    name: "OmniBarkBenchmarks",
    platforms: [.macOS(.v14)],
    dependencies: [.package(name: "OmniBark", path: "..")],
    targets: [
        .executableTarget(
            name: "pipeline-benchmark",
            dependencies: [
                .product(name: "OmniBark", package: "OmniBark"),
                .product(name: "Bark", package: "OmniBark"),
                .product(name: "Streaming", package: "OmniBark"),
            ],
            path: "Sources/PipelineBenchmark"),
    ],
    swiftLanguageModes: [.v6]
)
