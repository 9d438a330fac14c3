// swift-tools-version:6.0
// Speculum: a terminal playground for watching and steering how language models decode.
//
// Targets, bottom to top (read `A ⇒ B` as "A imports B"; no edge ever points the other way):
//   SpeculumEngine ⇒ (Foundation only for now; CKernels and COpenBLAS join with the forward pass)
//   speculum       ⇒ SpeculumEngine, ArgumentParser
// docs/ARCHITECTURE.md draws the full picture, including the targets later issues add.
import PackageDescription

let package = Package(
    name: "Speculum",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "speculum", targets: ["speculum"]),
        .library(name: "SpeculumEngine", targets: ["SpeculumEngine"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // Engine library: GGUF, tokenizer, model registry (model, sampling, speculation … follow).
        .target(name: "SpeculumEngine"),

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
            dependencies: ["SpeculumEngine"],
            exclude: ["Fixtures"]
        ),
    ]
)
