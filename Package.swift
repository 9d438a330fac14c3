// swift-tools-version:6.0
// Speculum: a terminal playground for watching and steering how language models decode.
//
// Targets, bottom to top (read `A ⇒ B` as "A imports B"; no edge ever points the other way):
//   SpeculumEngine     ⇒ CKernels, COpenBLAS
//   SpeculumRender     (pure: no curses, no engine)
//   SpeculumPlayground ⇒ SpeculumEngine, SpeculumRender
//   CursesBackend      ⇒ SpeculumRender, CNcursesw
//   speculum           ⇒ SpeculumPlayground, CursesBackend, SpeculumEngine, ArgumentParser
//   gguf-fuzz          ⇒ SpeculumEngine (the fuzzer's harness)
// docs/ARCHITECTURE.md draws the full picture, including the targets later issues add.
import PackageDescription

let package = Package(
    name: "Speculum",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "speculum", targets: ["speculum"]),
        .library(name: "SpeculumEngine", targets: ["SpeculumEngine"]),
        .library(name: "CKernels", targets: ["CKernels"]),
        .library(name: "SpeculumRender", targets: ["SpeculumRender"]),
        .library(name: "SpeculumPlayground", targets: ["SpeculumPlayground"]),
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

        // OpenBLAS (CBLAS), for the f32 products over the vocabulary keys (analysis).
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),

        // Engine library: GGUF, tokenizer, model, sampling, speculation, analysis, session.
        .target(name: "SpeculumEngine", dependencies: ["CKernels", "COpenBLAS"]),

        // Rendering into a ScreenBuffer: geometry, styles, widgets. No terminal code.
        .target(name: "SpeculumRender"),

        // The playground: snapshot, worker, key bindings, reducer, panes, themes.
        .target(name: "SpeculumPlayground", dependencies: ["SpeculumEngine", "SpeculumRender"]),

        // ncursesw (wide characters) through a shim; the backend is the only code that calls it.
        .systemLibrary(name: "CNcursesw", providers: [.apt(["libncursesw5-dev"])]),
        .target(name: "CursesBackend", dependencies: ["SpeculumRender", "CNcursesw"]),

        // The thin executable.
        .executableTarget(
            name: "speculum",
            dependencies: [
                "SpeculumEngine", "SpeculumPlayground", "CursesBackend",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // The GGUF fuzzer's harness (libFuzzer with -DFUZZING; a file replayer otherwise). See the Makefile.
        .executableTarget(name: "gguf-fuzz", dependencies: ["SpeculumEngine"]),

        // Tests
        .testTarget(
            name: "SpeculumPlaygroundTests",
            dependencies: ["SpeculumPlayground", "SpeculumRender", "SpeculumEngine"],
            exclude: ["Expected"]
        ),
        .testTarget(
            name: "SpeculumEngineTests",
            dependencies: ["SpeculumEngine", "CKernels"],
            exclude: ["Fixtures"]
        ),
    ]
)
