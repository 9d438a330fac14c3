import Foundation

/// Where one of Speculum's caches lives: `$variable` when it is set and not empty, else
/// `~/.cache/speculum/<under>`. Tests and CI point the variables at scratch folders.
func cacheDirectory(variable: String, under name: String) -> String {
    if let env = ProcessInfo.processInfo.environment[variable], !env.isEmpty { return env }
    return FileManager.default.homeDirectoryForCurrentUser.path + "/.cache/speculum/" + name
}
