import ArgumentParser
import SpeculumEngine

@main
struct Speculum: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "speculum",
        abstract: "A terminal playground for watching and steering how language models decode.",
        discussion: """
            Models are named from the built-in registry (`speculum models list`) or given as a path to any \
            GGUF file. The cache is $SPECULUM_MODELS, else ~/.cache/speculum/models.
            """,
        subcommands: [PlayCommand.self, ModelsCommand.self, InspectCommand.self, TokenizeCommand.self, GenerateCommand.self,
                      PerplexityCommand.self, BenchCommand.self, ReplayCommand.self, AnalyzeCommand.self, StrategiesCommand.self, TuneCommand.self],
        defaultSubcommand: PlayCommand.self
    )
}

/// Resolves a model name or path to a file, with the store's clear errors.
func resolveModel(_ nameOrPath: String) throws -> String {
    try ModelStore().resolve(nameOrPath)
}

/// A failure while running a command (not a usage mistake): printed as one `Error:` line.
struct CommandError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
