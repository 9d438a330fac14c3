/// A rectangle of terminal cells: columns x ..< x + width, rows y ..< y + height.
public struct Rect: Sendable, Equatable, CustomStringConvertible {
    public var x, y, width, height: Int

    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = max(0, width)
        self.height = max(0, height)
    }

    public var isEmpty: Bool { width == 0 || height == 0 }
    public var maxX: Int { x + width }
    public var maxY: Int { y + height }
    public var description: String { "\(width)×\(height)+\(x)+\(y)" }

    /// The rectangle shrunk by `n` cells on every side.
    public func inset(_ n: Int) -> Rect { Rect(x: x + n, y: y + n, width: width - 2 * n, height: height - 2 * n) }

    /// The top `n` rows, and the rest.
    public func splitTop(_ n: Int) -> (Rect, Rect) {
        let h = min(n, height)
        return (Rect(x: x, y: y, width: width, height: h), Rect(x: x, y: y + h, width: width, height: height - h))
    }

    /// The bottom `n` rows, and the rest above them.
    public func splitBottom(_ n: Int) -> (rest: Rect, bottom: Rect) {
        let h = min(n, height)
        return (Rect(x: x, y: y, width: width, height: height - h), Rect(x: x, y: maxY - h, width: width, height: h))
    }

    /// Columns split by `sizes`; the last part takes what remains.
    public func columns(_ sizes: [Size]) -> [Rect] {
        Size.resolve(sizes, total: width).map { Rect(x: x + $0.offset, y: y, width: $0.length, height: height) }
    }

    /// Rows split by `sizes`; the last part takes what remains.
    public func rows(_ sizes: [Size]) -> [Rect] {
        Size.resolve(sizes, total: height).map { Rect(x: x, y: y + $0.offset, width: width, height: $0.length) }
    }
}

/// How much of a split a part takes.
public enum Size: Sendable, Equatable {
    case cells(Int)
    case percent(Int)
    /// Shares what the fixed and percentage parts leave.
    case fill

    static func resolve(_ sizes: [Size], total: Int) -> [(offset: Int, length: Int)] {
        var lengths = sizes.map { s -> Int in
            switch s {
            case .cells(let n): return max(0, n)
            case .percent(let p): return total * max(0, p) / 100
            case .fill: return 0
            }
        }
        let fills = sizes.indices.filter { sizes[$0] == .fill }
        let left = max(0, total - lengths.reduce(0, +))
        for (k, i) in fills.enumerated() { lengths[i] = left / fills.count + (k < left % fills.count ? 1 : 0) }
        var offset = 0
        return lengths.map { l in
            let part = (offset: min(offset, total), length: max(0, min(l, total - offset)))
            offset += l
            return part
        }
    }
}
