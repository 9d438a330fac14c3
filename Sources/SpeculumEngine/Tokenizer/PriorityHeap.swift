/// Something a `PriorityHeap` can order: `before` is true when `self` comes out first.
protocol HeapOrdered {
    func before(_ other: Self) -> Bool
}

/// A binary heap: `pop` returns the element that comes before all others. The tokenizers' merge
/// loops use it so that a pathological megabyte-long word still merges in O(n log n).
struct PriorityHeap<Element: HeapOrdered> {
    private var items: [Element] = []

    mutating func push(_ e: Element) {
        items.append(e)
        var i = items.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard items[i].before(items[parent]) else { break }
            items.swapAt(i, parent)
            i = parent
        }
    }

    mutating func pop() -> Element? {
        guard let top = items.first else { return nil }
        let last = items.removeLast()
        if !items.isEmpty {
            items[0] = last
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < items.count, items[l].before(items[m]) { m = l }
                if r < items.count, items[r].before(items[m]) { m = r }
                if m == i { break }
                items.swapAt(i, m)
                i = m
            }
        }
        return top
    }
}
