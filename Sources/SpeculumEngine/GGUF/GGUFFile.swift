/// One tensor's record: name, shape (ne[0] first = row length), type, and where its bytes are.
public struct GGUFTensorInfo: Sendable, Equatable {
    public let name: String
    /// ne[0] … ne[n-1]; ne[0] is the contiguous row length (the input dimension of a weight).
    public let shape: [Int]
    public let type: GGMLType
    /// Offset from the start of the data section.
    public let offset: Int
    /// Total bytes of the tensor's data.
    public let byteCount: Int

    public var elementCount: Int { shape.reduce(1, *) }
    /// Bytes per row of ne[0] elements.
    public var rowBytes: Int { shape[0] / type.blockSize * type.typeSize }
    /// Number of rows (all dimensions after the first).
    public var rowCount: Int { shape.dropFirst().reduce(1, *) }
}

/// A parsed GGUF file (versions 2 and 3): metadata, tensor records, and the mapped data section.
///
/// Every count, length, offset and dimension product is checked against the file size before use,
/// so a truncated or hostile file throws `GGUFError` rather than reading out of bounds.
public final class GGUFFile: Sendable {
    public let path: String
    public let version: UInt32
    /// Metadata in file order.
    public let metadata: [(key: String, value: GGUFValue)]
    public let tensors: [GGUFTensorInfo]
    public let alignment: Int
    /// Absolute file offset of the data section.
    public let dataOffset: Int
    public let file: MappedFile

    private let metadataIndex: [String: Int]
    private let tensorIndex: [String: Int]

    /// Maps and parses the file at `path`.
    public convenience init(path: String) throws(GGUFError) {
        try self.init(file: MappedFile(path: path))
    }

    /// Parses already mapped (or in-memory) bytes.
    public init(file: MappedFile) throws(GGUFError) {
        self.file = file
        self.path = file.path
        do {
            var parser = Parser(reader: ByteReader(base: file.base, count: file.count))
            let parsed = try parser.parse()
            version = parsed.version
            metadata = parsed.metadata
            tensors = parsed.tensors
            alignment = parsed.alignment
            dataOffset = parsed.dataOffset
            metadataIndex = parsed.metadataIndex
            tensorIndex = Dictionary(uniqueKeysWithValues: parsed.tensors.enumerated().map { ($1.name, $0) })
        } catch {
            throw GGUFError(path: file.path, problem: error)
        }
    }

    public subscript(key: String) -> GGUFValue? {
        metadataIndex[key].map { metadata[$0].value }
    }

    public func tensor(named name: String) -> GGUFTensorInfo? {
        tensorIndex[name].map { tensors[$0] }
    }

    /// The tensor's bytes, in place in the mapping (bounds were checked when the file was parsed).
    public func data(of tensor: GGUFTensorInfo) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: file.base + dataOffset + tensor.offset, count: tensor.byteCount)
    }

    /// Total bytes of all tensors.
    public var tensorBytes: Int { tensors.reduce(0) { $0 + $1.byteCount } }
}

/// The parsing steps, in file order: header, key/value records, tensor records, data section.
private struct Parser {
    var reader: ByteReader

    struct Result {
        var version: UInt32 = 0
        var metadata: [(key: String, value: GGUFValue)] = []
        var metadataIndex: [String: Int] = [:]
        var tensors: [GGUFTensorInfo] = []
        var alignment = 32
        var dataOffset = 0
    }

    mutating func parse() throws(GGUFProblem) -> Result {
        var r = Result()
        // Header: magic, version, tensor count, key/value count (24 bytes).
        guard reader.count >= 4 else { throw .notGGUF(firstBytes: Array(UnsafeRawBufferPointer(start: reader.base, count: reader.count))) }
        let magic = Array(UnsafeRawBufferPointer(start: reader.base, count: 4))
        guard magic == Array("GGUF".utf8) else { throw .notGGUF(firstBytes: magic) }
        reader.skip(to: 4)
        r.version = try reader.read(UInt32.self, "version")
        // A byte-swapped (big-endian) file reads its version as 0x0?000000: low 16 bits zero.
        if r.version & 0xFFFF == 0 && r.version != 0 { throw .bigEndian }
        guard r.version == 2 || r.version == 3 else { throw .unsupportedVersion(r.version) }
        let tensorCount = try reader.read(UInt64.self, "tensor count")
        let kvCount = try reader.read(UInt64.self, "metadata count")
        // Each KV record takes at least 8 (key length) + 4 (type) + 1 bytes; each tensor record at least 8 + 4 + 8 + 4 + 8.
        guard kvCount <= UInt64(reader.remaining / 13) else { throw .countTooLarge(what: "metadata count", count: kvCount, offset: 16) }
        guard tensorCount <= UInt64(reader.remaining / 32) else { throw .countTooLarge(what: "tensor count", count: tensorCount, offset: 8) }

        for i in 0..<Int(kvCount) {
            let key = try reader.readString("key of metadata entry \(i)")
            let typeOffset = reader.offset
            let rawType = try reader.read(UInt32.self, "value type of '\(key)'")
            guard let type = GGUFValueType(rawValue: rawType) else {
                throw .unknownValueType(key: key, type: rawType, offset: typeOffset)
            }
            let value = try readValue(type, key: key, allowArray: true)
            guard r.metadataIndex[key] == nil else { throw .duplicateKey(key) }
            r.metadataIndex[key] = r.metadata.count
            r.metadata.append((key, value))
        }

        if let i = r.metadataIndex["general.alignment"] {
            guard case .uint32(let a) = r.metadata[i].value else { throw .badAlignment("expected a u32 value") }
            guard a > 0, a & (a - 1) == 0, a <= 1 << 20 else { throw .badAlignment("\(a) is not a power of two up to 1 MiB") }
            r.alignment = Int(a)
        }

        var names = Set<String>()
        for i in 0..<Int(tensorCount) {
            let info = try readTensorInfo(index: i, alignment: r.alignment)
            guard names.insert(info.name).inserted else { throw .duplicateTensor(info.name) }
            r.tensors.append(info)
        }

        // The data section starts at the next multiple of the alignment.
        let end = reader.offset
        r.dataOffset = end + (r.alignment - end % r.alignment) % r.alignment
        let dataSize = max(0, reader.count - r.dataOffset)
        try checkPlacement(r.tensors, dataSize: dataSize)
        return r
    }

    mutating func readValue(_ type: GGUFValueType, key: String, allowArray: Bool) throws(GGUFProblem) -> GGUFValue {
        let what = "value of '\(key)'"
        switch type {
        case .uint8: return .uint8(try reader.read(UInt8.self, what))
        case .int8: return .int8(try reader.read(Int8.self, what))
        case .uint16: return .uint16(try reader.read(UInt16.self, what))
        case .int16: return .int16(try reader.read(Int16.self, what))
        case .uint32: return .uint32(try reader.read(UInt32.self, what))
        case .int32: return .int32(try reader.read(Int32.self, what))
        case .float32: return .float32(try reader.readFloat(what))
        case .uint64: return .uint64(try reader.read(UInt64.self, what))
        case .int64: return .int64(try reader.read(Int64.self, what))
        case .float64: return .float64(try reader.readDouble(what))
        case .string: return .string(try reader.readString(what))
        case .bool:
            let at = reader.offset
            let b = try reader.read(UInt8.self, what)
            guard b <= 1 else { throw .invalidBool(key: key, byte: b, offset: at) }
            return .bool(b == 1)
        case .array:
            let at = reader.offset
            guard allowArray else { throw .nestedArray(key: key, offset: at) }
            let rawElement = try reader.read(UInt32.self, "element type of '\(key)'")
            guard let element = GGUFValueType(rawValue: rawElement) else {
                throw .unknownValueType(key: key, type: rawElement, offset: at)
            }
            guard element != .array else { throw .nestedArray(key: key, offset: at) }
            let countAt = reader.offset
            let count = try reader.read(UInt64.self, "element count of '\(key)'")
            guard count <= UInt64(reader.remaining / element.minimumSize) else {
                throw .countTooLarge(what: "element count of '\(key)'", count: count, offset: countAt)
            }
            var values: [GGUFValue] = []
            values.reserveCapacity(Int(count))
            for _ in 0..<Int(count) {
                values.append(try readValue(element, key: key, allowArray: false))
            }
            return .array(element, values)
        }
    }

    mutating func readTensorInfo(index: Int, alignment: Int) throws(GGUFProblem) -> GGUFTensorInfo {
        let nameBytes = try reader.readStringBytes("name of tensor \(index)")
        let name = String(decoding: nameBytes, as: UTF8.self)
        guard nameBytes.count <= 63 else { throw .tensorNameTooLong(name: name, length: nameBytes.count) }
        let nDims = try reader.read(UInt32.self, "dimension count of '\(name)'")
        guard (1...4).contains(nDims) else { throw .badDimensionCount(tensor: name, count: nDims) }
        var dims: [UInt64] = []
        for d in 0..<Int(nDims) { dims.append(try reader.read(UInt64.self, "dimension \(d) of '\(name)'")) }
        let rawType = try reader.read(UInt32.self, "type of '\(name)'")
        let offset = try reader.read(UInt64.self, "data offset of '\(name)'")
        // Every dimension must be positive and the element count must fit in 63 bits.
        guard dims.allSatisfy({ $0 > 0 && $0 <= UInt64(Int64.max) }) else { throw .badDimension(tensor: name, dims: dims) }
        guard let type = GGMLType(rawValue: rawType) else { throw .unknownTensorType(tensor: name, type: rawType) }
        guard dims[0] % UInt64(type.blockSize) == 0 else {
            throw .rowNotMultipleOfBlock(tensor: name, type: type, rowLength: dims[0])
        }
        let (rowBytes, rowOverflow) = (dims[0] / UInt64(type.blockSize)).multipliedReportingOverflow(by: UInt64(type.typeSize))
        guard !rowOverflow, rowBytes <= UInt64(Int64.max) else { throw .tensorTooLarge(tensor: name) }
        var bytes = rowBytes
        var elements = dims[0]
        for d in dims.dropFirst() {
            let (b, o1) = bytes.multipliedReportingOverflow(by: d)
            let (e, o2) = elements.multipliedReportingOverflow(by: d)
            guard !o1, !o2, b <= UInt64(Int64.max), e <= UInt64(Int64.max) else { throw .tensorTooLarge(tensor: name) }
            bytes = b
            elements = e
        }
        guard offset % UInt64(alignment) == 0 else {
            throw .misalignedTensor(tensor: name, offset: offset, alignment: alignment)
        }
        guard offset <= UInt64(Int64.max) else { throw .tensorOutOfBounds(tensor: name, offset: offset, bytes: bytes, dataSize: 0) }
        return GGUFTensorInfo(name: name, shape: dims.map { Int($0) }, type: type, offset: Int(offset), byteCount: Int(bytes))
    }

    /// Every tensor lies inside the data section and no two overlap.
    func checkPlacement(_ tensors: [GGUFTensorInfo], dataSize: Int) throws(GGUFProblem) {
        for t in tensors {
            let (end, overflow) = t.offset.addingReportingOverflow(t.byteCount)
            guard !overflow, end <= dataSize else {
                throw .tensorOutOfBounds(tensor: t.name, offset: UInt64(t.offset), bytes: UInt64(t.byteCount), dataSize: dataSize)
            }
        }
        let sorted = tensors.sorted { $0.offset < $1.offset }
        for (a, b) in zip(sorted, sorted.dropFirst()) where a.offset + a.byteCount > b.offset {
            throw .tensorsOverlap(a.name, b.name)
        }
    }
}
