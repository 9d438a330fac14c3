/// Keys and values of every evaluated token, per block, in slots 0 ..< length.
///
/// Keys are stored after rotation, so a slot's contents do not depend on where it sits: rolling back
/// is setting `length`, and compacting a tree to one path is moving rows.
final class KVCache {
    let blocks: Int
    let capacity: Int          // slots
    let rowFloats: Int         // kv_dim
    let keys: [UnsafeMutablePointer<Float>]    // per block: (capacity, kv_dim)
    let values: [UnsafeMutablePointer<Float>]  // per block: (capacity, kv_dim)
    var length = 0

    init(blocks: Int, capacity: Int, rowFloats: Int) {
        self.blocks = blocks
        self.capacity = capacity
        self.rowFloats = rowFloats
        // Zero-filled now, so the whole cache is resident from the start (as llama.cpp clears its KV
        // buffer): memory use is what --ctx says, and it does not creep up as a long run fills the
        // slots, which would look like a leak.
        func zeroed() -> UnsafeMutablePointer<Float> {
            let p = UnsafeMutablePointer<Float>.allocate(capacity: capacity * rowFloats)
            p.initialize(repeating: 0, count: capacity * rowFloats)
            return p
        }
        keys = (0..<blocks).map { _ in zeroed() }
        values = (0..<blocks).map { _ in zeroed() }
    }

    deinit {
        for p in keys { p.deallocate() }
        for p in values { p.deallocate() }
    }

    /// Moves rows `slots` (ascending, each ≥ `start`) to `start`, `start + 1`, … and sets the length to
    /// `start + slots.count`: the kept path of a tree becomes a plain prefix.
    func compact(start: Int, keeping slots: [Int]) {
        for (i, s) in slots.enumerated() where s != start + i {
            for b in 0..<blocks {
                (keys[b] + (start + i) * rowFloats).update(from: keys[b] + s * rowFloats, count: rowFloats)
                (values[b] + (start + i) * rowFloats).update(from: values[b] + s * rowFloats, count: rowFloats)
            }
        }
        length = start + slots.count
    }
}
