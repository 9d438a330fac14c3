/// Builds a GGUF (v3) file in memory: metadata, then tensors with their data.
///
/// Used by tests to make small and corrupt files, and to write tiny models with random weights.
/// Tensor data is padded to the alignment exactly as llama.cpp's writer does.
public struct GGUFWriter {
    public var version: UInt32 = 3
    public var alignment = 32
    private var kvs: [(String, GGUFValue)] = []
    private var tensors: [(name: String, shape: [Int], type: GGMLType, data: [UInt8])] = []

    public init() {}

    public mutating func add(_ key: String, _ value: GGUFValue) {
        kvs.append((key, value))
    }

    /// Replaces the value of `key` where it was added (or adds it): for tests that break one field.
    public mutating func set(_ key: String, _ value: GGUFValue) {
        if let i = kvs.firstIndex(where: { $0.0 == key }) { kvs[i].1 = value } else { kvs.append((key, value)) }
    }

    /// Adds a tensor; `data` must hold exactly the bytes its shape and type need.
    public mutating func addTensor(_ name: String, shape: [Int], type: GGMLType, data: [UInt8]) {
        precondition(shape[0] % type.blockSize == 0, "row length must be a multiple of the block size")
        let bytes = shape[0] / type.blockSize * type.typeSize * shape.dropFirst().reduce(1, *)
        precondition(data.count == bytes, "tensor \(name): \(data.count) bytes given, \(bytes) needed")
        tensors.append((name, shape, type, data))
    }

    /// Adds an F32 tensor from floats.
    public mutating func addTensor(_ name: String, shape: [Int], floats: [Float]) {
        var data: [UInt8] = []
        data.reserveCapacity(floats.count * 4)
        for f in floats { data.append(contentsOf: withUnsafeBytes(of: f.bitPattern.littleEndian, Array.init)) }
        addTensor(name, shape: shape, type: .f32, data: data)
    }

    /// The file's bytes. `layout` reports where each section starts, for tests that cut or corrupt them.
    public func bytes() -> [UInt8] { build().bytes }

    public struct Layout: Sendable {
        /// Offsets where the key/value records, tensor records, data section, and each tensor's data start.
        public var metadataStart = 24, tensorInfoStart = 0, dataStart = 0
        public var tensorDataStarts: [Int] = []
        /// Offsets of each metadata record and tensor record.
        public var recordStarts: [Int] = []
    }

    public func build() -> (bytes: [UInt8], layout: Layout) {
        var out: [UInt8] = []
        var layout = Layout()
        out += Array("GGUF".utf8)
        put(&out, version)
        put(&out, UInt64(tensors.count))
        put(&out, UInt64(kvs.count))
        for (key, value) in kvs {
            layout.recordStarts.append(out.count)
            putString(&out, key)
            put(&out, value.type.rawValue)
            putValue(&out, value)
        }
        layout.tensorInfoStart = out.count
        var offset = 0
        var offsets: [Int] = []
        for t in tensors {
            layout.recordStarts.append(out.count)
            putString(&out, t.name)
            put(&out, UInt32(t.shape.count))
            for d in t.shape { put(&out, UInt64(d)) }
            put(&out, t.type.rawValue)
            put(&out, UInt64(offset))
            offsets.append(offset)
            offset += t.data.count
            offset += (alignment - offset % alignment) % alignment
        }
        out += [UInt8](repeating: 0, count: (alignment - out.count % alignment) % alignment)
        layout.dataStart = out.count
        for (t, off) in zip(tensors, offsets) {
            out += [UInt8](repeating: 0, count: layout.dataStart + off - out.count)
            layout.tensorDataStarts.append(out.count)
            out += t.data
        }
        return (out, layout)
    }

    private func put<T: FixedWidthInteger>(_ out: inout [UInt8], _ v: T) {
        withUnsafeBytes(of: v.littleEndian) { out += $0 }
    }

    private func putString(_ out: inout [UInt8], _ s: String) {
        put(&out, UInt64(s.utf8.count))
        out += Array(s.utf8)
    }

    private func putValue(_ out: inout [UInt8], _ v: GGUFValue) {
        switch v {
        case .uint8(let x): put(&out, x)
        case .int8(let x): put(&out, x)
        case .uint16(let x): put(&out, x)
        case .int16(let x): put(&out, x)
        case .uint32(let x): put(&out, x)
        case .int32(let x): put(&out, x)
        case .float32(let x): put(&out, x.bitPattern)
        case .bool(let x): put(&out, UInt8(x ? 1 : 0))
        case .string(let s): putString(&out, s)
        case .uint64(let x): put(&out, x)
        case .int64(let x): put(&out, x)
        case .float64(let x): put(&out, x.bitPattern)
        case .array(let t, let a):
            put(&out, t.rawValue)
            put(&out, UInt64(a.count))
            for e in a { putValue(&out, e) }
        }
    }
}
