import Foundation
import SpeculumEngine
import SpeculumRender

/// Why a theme file was refused; names the file, the line and the key.
public struct ThemeError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(description: String) { self.description = description }
}

extension Theme {
    /// A built-in theme by name, else `themes/NAME.toml`, else a path to a `.toml` file.
    public static func load(_ nameOrPath: String, directory: String = "themes") throws(ThemeError) -> Theme {
        if let t = builtIn[nameOrPath] { return t }
        let path = nameOrPath.hasSuffix(".toml") ? nameOrPath : "\(directory)/\(nameOrPath).toml"
        guard FileManager.default.fileExists(atPath: path) else {
            throw ThemeError(description: "theme '\(nameOrPath)': no built-in theme of that name (\(builtIn.keys.sorted().joined(separator: ", "))) and no file \(path)")
        }
        let text: String
        // A theme is a few dozen lines; a megabyte is not a theme.
        do { text = try TextFile.read(path, maximumBytes: 1 << 20) } catch {
            throw ThemeError(description: error.message(path: path, expected: "a TOML theme"))
        }
        return try parse(text, source: path)
    }

    /// The theme format, a small part of TOML:
    ///
    ///     name = "dark"
    ///     [roles.accepted]
    ///     fg = "#87d787"     # "#rrggbb", a 256-colour index 0–255, or "default"
    ///     bg = "default"
    ///     bold = true        # also dim, reverse, underline
    ///
    /// Terminals without direct colour get RGB reduced to the 256-colour cube, and 256-colour indices
    /// reduced to the 16 basic colours. Roles the file leaves out keep the dark theme's style.
    public static func parse(_ text: String, source: String) throws(ThemeError) -> Theme {
        var theme = Theme(name: source, styles: dark.styles)
        var role: Role?
        for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let at = "\(source):\(n + 1)"
            let line = stripComment(String(raw)).trimmingCharacters(in: .whitespaces)
            if line.isEmpty { continue }
            if line.hasPrefix("[") {
                guard line.hasSuffix("]"), line.hasPrefix("[roles.") else {
                    throw ThemeError(description: "\(at): expected a table header like [roles.accepted], got \(line)")
                }
                let name = String(line.dropFirst(7).dropLast())
                guard let r = Role(rawValue: name) else {
                    throw ThemeError(description: "\(at): unknown role '\(name)' (roles: \(Role.allCases.map(\.rawValue).joined(separator: ", ")))")
                }
                role = r
                theme.styles[r] = Style()
                continue
            }
            let parts = line.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, !parts[0].isEmpty else { throw ThemeError(description: "\(at): expected key = value, got \(line)") }
            let (key, value) = (parts[0], parts[1])
            guard let r = role else {
                guard key == "name" else { throw ThemeError(description: "\(at): key '\(key)' outside a [roles.NAME] table (only name = \"…\" may come first)") }
                theme.name = try string(value, at, key)
                continue
            }
            var style = theme.styles[r] ?? Style()
            switch key {
            case "fg": style.foreground = try color(value, at, key)
            case "bg": style.background = try color(value, at, key)
            case "bold": style.bold = try bool(value, at, key)
            case "dim": style.dim = try bool(value, at, key)
            case "reverse": style.reverse = try bool(value, at, key)
            case "underline": style.underline = try bool(value, at, key)
            default: throw ThemeError(description: "\(at): unknown key '\(key)' in [roles.\(r.rawValue)] (keys: fg, bg, bold, dim, reverse, underline)")
            }
            theme.styles[r] = style
        }
        return theme
    }

    /// The theme as a file `parse` reads back to the same theme.
    public func toml() -> String {
        var lines = ["# Speculum theme (see themes/README.md)", "name = \"\(name)\"", ""]
        func text(_ c: Color) -> String {
            switch c {
            case .default: return "\"default\""
            case .indexed(let i): return "\(i)"
            case .rgb(let r, let g, let b): return "\"#" + [r, g, b].map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined() + "\""
            }
        }
        for r in Role.allCases {
            let s = self[r]
            lines.append("[roles.\(r.rawValue)]")
            if s.foreground != .default { lines.append("fg = \(text(s.foreground))") }
            if s.background != .default { lines.append("bg = \(text(s.background))") }
            for (k, v) in [("bold", s.bold), ("dim", s.dim), ("reverse", s.reverse), ("underline", s.underline)] where v { lines.append("\(k) = true") }
            lines.append("")
        }
        return lines.joined(separator: "\n")
    }

    private static func stripComment(_ line: String) -> String {
        var inString = false
        for (i, ch) in line.enumerated() {
            if ch == "\"" { inString.toggle() }
            if ch == "#" && !inString { return String(line.prefix(i)) }
        }
        return line
    }

    private static func string(_ v: String, _ at: String, _ key: String) throws(ThemeError) -> String {
        guard v.count >= 2, v.hasPrefix("\""), v.hasSuffix("\"") else { throw ThemeError(description: "\(at): \(key) must be a quoted string, got \(v)") }
        return String(v.dropFirst().dropLast())
    }

    private static func bool(_ v: String, _ at: String, _ key: String) throws(ThemeError) -> Bool {
        switch v {
        case "true": return true
        case "false": return false
        default: throw ThemeError(description: "\(at): \(key) must be true or false, got \(v)")
        }
    }

    private static func color(_ v: String, _ at: String, _ key: String) throws(ThemeError) -> Color {
        if let i = Int(v) {
            guard (0...255).contains(i) else { throw ThemeError(description: "\(at): \(key) = \(i) is not a 256-colour index (0–255)") }
            return .indexed(UInt8(i))
        }
        let s = try string(v, at, key)
        if s == "default" { return .default }
        let hex = s.dropFirst()
        guard s.hasPrefix("#"), hex.count == 6, let n = UInt32(hex, radix: 16) else {
            throw ThemeError(description: "\(at): \(key) = \(v) is not a colour (\"#rrggbb\", 0–255 or \"default\")")
        }
        return .rgb(UInt8(n >> 16), UInt8((n >> 8) & 0xFF), UInt8(n & 0xFF))
    }
}
