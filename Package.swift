// swift-tools-version:6.0
// Speculum: a terminal playground for watching and steering how language models decode.
//
// Targets, bottom to top (read `A ⇒ B` as "A imports B"; no edge ever points the other way):
//   SpeculumEngine ⇒ CKernels
//   speculum       ⇒ SpeculumEngine, ArgumentParser
// docs/ARCHITECTURE.md draws the full picture, including the targets later issues add.
import PackageDescription

let package = Package(
    name: "Speculum",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "speculum", targets: ["speculum"]),
        .library(name: "SpeculumEngine", targets: ["SpeculumEngine"]),
        .library(name: "CKernels", targets: ["CKernels"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // C kernels: scalar references and SIMD versions chosen at run time. Optimised in every
        // configuration (at -O0 the real-model tests would crawl); no fused multiply-add contraction,
        // so the references round exactly as written.
        .target(
            name: "CKernels",
            cSettings: [.unsafeFlags(["-O3", "-fno-math-errno", "-ffp-contract=off"])]
        ),

        // Engine library: GGUF, tokenizer, model registry, transformer (sampling, speculation … follow).
        .target(name: "SpeculumEngine", dependencies: ["CKernels"]),

        // The thin executable.
        .executableTarget(
            name: "speculum",
            dependencies: [
                "SpeculumEngine",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // Tests
        .testTarget(
            name: "SpeculumEngineTests",
            dependencies: ["SpeculumEngine", "CKernels"],
            exclude: ["Fixtures"]
        ),
    ]
)
