import Foundation
import Testing
import SpeculumEngine

/// A small valid file with every metadata value type, an array of strings, and three tensors.
func sampleWriter() -> GGUFWriter {
    var w = GGUFWriter()
    w.add("general.architecture", .string("llama"))
    w.add("general.name", .string("tiny"))
    w.add("test.u8", .uint8(200)); w.add("test.i8", .int8(-5)); w.add("test.u16", .uint16(60000))
    w.add("test.i16", .int16(-300)); w.add("test.u32", .uint32(4_000_000_000)); w.add("test.i32", .int32(-7))
    w.add("test.f32", .float32(0.25)); w.add("test.bool", .bool(true)); w.add("test.u64", .uint64(1 << 40))
    w.add("test.i64", .int64(-(1 << 40))); w.add("test.f64", .float64(1e-6))
    w.add("test.strings", .array(.string, [.string("a"), .string("ü"), .string("")]))
    w.add("test.ints", .array(.int32, [.int32(1), .int32(-2), .int32(3)]))
    w.add("llama.block_count", .uint32(2))
    w.addTensor("a.weight", shape: [4, 2], floats: [1, 2, 3, 4, 5, 6, 7, 8])
    w.addTensor("b.weight", shape: [32, 3], type: .q8_0, data: (0..<(34 * 3)).map { UInt8($0 % 251) })
    w.addTensor("c.bias", shape: [3], floats: [0.5, -0.5, 1.5])
    return w
}

func parse(_ bytes: [UInt8]) throws(GGUFError) -> GGUFFile {
    try GGUFFile(file: MappedFile(bytes: bytes, name: "test.gguf"))
}

func problem(_ bytes: [UInt8]) -> GGUFProblem? {
    do {
        _ = try parse(bytes)
        return nil
    } catch {
        return error.problem
    }
}

/// Overwrites `bytes[at..<at+8]` with a little-endian u64 (or u32 when `width` is 4).
func poke(_ bytes: inout [UInt8], at: Int, _ value: UInt64, width: Int = 8) {
    for i in 0..<width where at + i < bytes.count { bytes[at + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(i))) }
}

@Suite struct GGUFReaderTests {
    @Test func readsBackEveryValueTypeAndTensor() throws {
        let w = sampleWriter()
        let f = try parse(w.bytes())
        #expect(f.version == 3)
        #expect(f.metadata.count == 16)
        #expect(f["test.u8"] == .uint8(200))
        #expect(f["test.i16"] == .int16(-300))
        #expect(f["test.u32"]?.intValue == 4_000_000_000)
        #expect(f["test.f32"] == .float32(0.25))
        #expect(f["test.bool"] == .bool(true))
        #expect(f["test.i64"]?.intValue == -(1 << 40))
        #expect(f["test.f64"] == .float64(1e-6))
        #expect(f["test.strings"] == .array(.string, [.string("a"), .string("ü"), .string("")]))
        #expect(f["test.ints"]?.arrayValue?.compactMap(\.intValue) == [1, -2, 3])
        #expect(f.tensors.map(\.name) == ["a.weight", "b.weight", "c.bias"])
        let b = try #require(f.tensor(named: "b.weight"))
        #expect(b.shape == [32, 3] && b.type == .q8_0 && b.byteCount == 102 && b.rowBytes == 34 && b.rowCount == 3)
        #expect(Array(f.data(of: b)) == (0..<102).map { UInt8($0 % 251) })
        let a = try #require(f.tensor(named: "a.weight"))
        let floats = f.data(of: a).withMemoryRebound(to: Float.self) { Array($0) }
        #expect(floats == [1, 2, 3, 4, 5, 6, 7, 8])
        #expect(f.dataOffset % 32 == 0)
        #expect(f.tensors.allSatisfy { $0.offset % 32 == 0 })
    }

    @Test func acceptsVersion2AndRejectsOthers() throws {
        var w = sampleWriter()
        w.version = 2
        #expect(try parse(w.bytes()).version == 2)
        for v: UInt32 in [1, 4, 0xFFFF] {
            w.version = v
            #expect(problem(w.bytes()) == .unsupportedVersion(v))
        }
        var bytes = sampleWriter().bytes()
        poke(&bytes, at: 4, UInt64(UInt32(3).byteSwapped), width: 4)
        #expect(problem(bytes) == .bigEndian)
    }

    @Test func rejectsWhatIsNotGGUF() {
        #expect(problem(Array("hello, this is not a model".utf8)) == .notGGUF(firstBytes: Array("hell".utf8)))
        #expect(problem([0x47, 0x47]) == .notGGUF(firstBytes: [0x47, 0x47]))
        #expect(problem([]) == .notGGUF(firstBytes: []))
    }

    /// Cutting the file anywhere — inside the header, a key, a value, a tensor record, the padding or the data — is an error.
    @Test func everyTruncationIsATypedError() {
        let (bytes, layout) = sampleWriter().build()
        var kinds: Set<String> = []
        for n in 0..<bytes.count {
            guard let p = problem(Array(bytes[0..<n])) else {
                Issue.record("a file cut at \(n) of \(bytes.count) bytes loaded")
                continue
            }
            kinds.insert(String("\(p)".prefix(9)))
        }
        // Cutting exactly at each section boundary names what is missing.
        // Right after the header, the 16 announced records cannot fit in what is left.
        #expect(problem(Array(bytes[0..<layout.metadataStart])) == .countTooLarge(what: "metadata count", count: 16, offset: 16))
        if case .truncated(let what, _, _, _)? = problem(Array(bytes[0..<layout.tensorInfoStart])) {
            #expect(what.contains("tensor 0"))
        } else { Issue.record("cut at the tensor-record start") }
        #expect(problem(Array(bytes[0..<layout.dataStart])) == .tensorOutOfBounds(tensor: "a.weight", offset: 0, bytes: 32, dataSize: 0))
        #expect(problem(Array(bytes[0..<(layout.tensorDataStarts[2] + 4)])) ==
                .tensorOutOfBounds(tensor: "c.bias", offset: UInt64(layout.tensorDataStarts[2] - layout.dataStart), bytes: 12, dataSize: layout.tensorDataStarts[2] + 4 - layout.dataStart))
        #expect(kinds.count >= 3)
    }

    @Test func hugeCountsAndLengthsAreRejectedBeforeUse() {
        let (bytes, layout) = sampleWriter().build()
        var b = bytes
        poke(&b, at: 16, 1 << 60)  // metadata count
        #expect(problem(b) == .countTooLarge(what: "metadata count", count: 1 << 60, offset: 16))
        b = bytes
        poke(&b, at: 8, UInt64.max)  // tensor count
        #expect(problem(b) == .countTooLarge(what: "tensor count", count: UInt64.max, offset: 8))
        b = bytes
        poke(&b, at: layout.metadataStart, UInt64.max - 3)  // length of the first key
        #expect(problem(b) == .countTooLarge(what: "length of key of metadata entry 0", count: UInt64.max - 3, offset: 24))
        // The element count of "test.strings": key record = 8 + len + type 4 + element type 4, then the count.
        let stringsRecord = layout.recordStarts[13]
        let countAt = stringsRecord + 8 + "test.strings".utf8.count + 4 + 4
        b = bytes
        poke(&b, at: countAt, 1 << 62)
        #expect(problem(b) == .countTooLarge(what: "element count of 'test.strings'", count: 1 << 62, offset: countAt))
    }

    @Test func unknownTypesAreNamed() {
        let (bytes, layout) = sampleWriter().build()
        var b = bytes
        let typeAt = layout.recordStarts[2] + 8 + "test.u8".utf8.count
        poke(&b, at: typeAt, 13, width: 4)
        #expect(problem(b) == .unknownValueType(key: "test.u8", type: 13, offset: typeAt))
        b = bytes
        let elementTypeAt = layout.recordStarts[13] + 8 + "test.strings".utf8.count + 4
        poke(&b, at: elementTypeAt, 9, width: 4)
        #expect(problem(b) == .nestedArray(key: "test.strings", offset: elementTypeAt))
        // Tensor type field of "b.weight": record = 8 + len + n_dims 4 + 2 dims × 8, then the type.
        let tensorTypeAt = layout.recordStarts[17] + 8 + "b.weight".utf8.count + 4 + 16
        for bad: UInt32 in [4, 5, 31, 99, .max] {
            b = bytes
            poke(&b, at: tensorTypeAt, UInt64(bad), width: 4)
            #expect(problem(b) == .unknownTensorType(tensor: "b.weight", type: bad))
        }
        b = bytes
        let boolAt = layout.recordStarts[9] + 8 + "test.bool".utf8.count + 4
        b[boolAt] = 2
        #expect(problem(b) == .invalidBool(key: "test.bool", byte: 2, offset: boolAt))
    }

    @Test func tensorPlacementIsChecked() {
        func with(_ edit: (inout GGUFWriter) -> Void) -> GGUFProblem? {
            var w = GGUFWriter()
            w.add("general.architecture", .string("llama"))
            edit(&w)
            return problem(w.bytes())
        }
        // Offsets are rewritten after building to point past the end, overlap, or misalign.
        var w = GGUFWriter()
        w.addTensor("x", shape: [8], floats: Array(repeating: 1, count: 8))
        w.addTensor("y", shape: [8], floats: Array(repeating: 2, count: 8))
        let (bytes, layout) = w.build()
        let yOffsetAt = layout.recordStarts[1] + 8 + 1 + 4 + 8 + 4
        var b = bytes
        poke(&b, at: yOffsetAt, 0)
        #expect(problem(b) == .tensorsOverlap("x", "y"))
        b = bytes
        poke(&b, at: yOffsetAt, 1 << 20)
        #expect(problem(b) == .tensorOutOfBounds(tensor: "y", offset: 1 << 20, bytes: 32, dataSize: 64))
        b = bytes
        poke(&b, at: yOffsetAt, 33)
        #expect(problem(b) == .misalignedTensor(tensor: "y", offset: 33, alignment: 32))
        b = bytes
        poke(&b, at: yOffsetAt, UInt64.max - 31)
        #expect(problem(b) != nil)
        // Shapes.
        let dimAt = layout.recordStarts[0] + 8 + 1 + 4
        b = bytes
        poke(&b, at: dimAt, 0)
        #expect(problem(b) == .badDimension(tensor: "x", dims: [0]))
        b = bytes
        poke(&b, at: dimAt - 4, 5, width: 4)
        #expect(problem(b) == .badDimensionCount(tensor: "x", count: 5))
        b = bytes
        poke(&b, at: dimAt - 4, 0, width: 4)
        #expect(problem(b) == .badDimensionCount(tensor: "x", count: 0))
        #expect(with { $0.add("general.alignment", .uint32(3)) } == .badAlignment("3 is not a power of two up to 1 MiB"))
        #expect(with { $0.add("general.alignment", .string("32")) } == .badAlignment("expected a u32 value"))
        #expect(with { $0.add("general.architecture", .string("qwen2")) } == .duplicateKey("general.architecture"))
        #expect(with {
            $0.addTensor("t", shape: [1], floats: [1])
            $0.addTensor("t", shape: [1], floats: [2])
        } == .duplicateTensor("t"))
        #expect(with { $0.addTensor(String(repeating: "n", count: 64), shape: [1], floats: [1]) }
                == .tensorNameTooLong(name: String(repeating: "n", count: 64), length: 64))
    }

    @Test func rowLengthMustBeAWholeNumberOfBlocks() {
        var w = GGUFWriter()
        w.addTensor("q", shape: [32, 1], type: .q8_0, data: Array(repeating: 0, count: 34))
        let (bytes, layout) = w.build()
        var b = bytes
        poke(&b, at: layout.recordStarts[0] + 8 + 1 + 4, 48)
        #expect(problem(b) == .rowNotMultipleOfBlock(tensor: "q", type: .q8_0, rowLength: 48))
        b = bytes
        poke(&b, at: layout.recordStarts[0] + 8 + 1 + 4 + 8, 1 << 62)
        #expect(problem(b) == .tensorTooLarge(tensor: "q"))
    }

    @Test func fileErrorsNameTheFile() throws {
        let dir = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let missing = "\(dir)/nope.gguf"
        #expect(throws: GGUFError(path: missing, problem: .cannotOpen(reason: "No such file or directory"))) { try GGUFFile(path: missing) }
        let empty = "\(dir)/empty.gguf"
        _ = FileManager.default.createFile(atPath: empty, contents: Data())
        #expect(throws: GGUFError(path: empty, problem: .empty)) { try GGUFFile(path: empty) }
        #expect(throws: GGUFError(path: dir, problem: .notAFile)) { try GGUFFile(path: dir) }
        let good = "\(dir)/good.gguf"
        _ = FileManager.default.createFile(atPath: good, contents: Data(sampleWriter().bytes()))
        let f = try GGUFFile(path: good)
        #expect(f.tensors.count == 3 && f.path == good)
        do {
            let truncated = "\(dir)/cut.gguf"
            _ = FileManager.default.createFile(atPath: truncated, contents: Data(sampleWriter().bytes().prefix(100)))
            _ = try GGUFFile(path: truncated)
            Issue.record("a truncated file loaded")
        } catch {
            // 100 bytes cannot hold the 16 metadata records the header announces.
            #expect(error.description == "\(dir)/cut.gguf: metadata count 16 at offset 16 is larger than the file can hold")
        }
    }

    /// 10,000 random mutations of a valid file: each either loads, with every tensor inside the file,
    /// or throws the typed error. Both outcomes must occur (so the mutations reach the checks).
    @Test func tenThousandMutationsLoadOrThrow() {
        let (valid, layout) = sampleWriter().build()
        var rng = SplitMix64(seed: 0x5EC_0001)
        var loaded = 0, rejected = 0
        let interesting: [UInt64] = [0, 1, 7, 31, 32, 33, 255, 256, 0xFFFF, 0xFFFF_FFFF, 1 << 32, 1 << 62, .max, .max - 7]
        for _ in 0..<10_000 {
            var b = valid
            for _ in 0..<Int.random(in: 1...4, using: &rng) where !b.isEmpty {
                switch Int.random(in: 0..<6, using: &rng) {
                case 0:  // flip a bit
                    let i = Int.random(in: 0..<b.count, using: &rng)
                    b[i] ^= 1 << UInt8.random(in: 0..<8, using: &rng)
                case 1:  // random byte in the structured part
                    b[Int.random(in: 0..<min(layout.dataStart, b.count), using: &rng)] = UInt8.random(in: 0...255, using: &rng)
                case 2:  // an interesting integer over a field-sized window
                    let at = Int.random(in: 0..<(layout.dataStart - 8), using: &rng)
                    poke(&b, at: at, interesting.randomElement(using: &rng)!, width: [4, 8].randomElement(using: &rng)!)
                case 3:  // truncate
                    b.removeLast(Int.random(in: 0..<b.count, using: &rng))
                case 4:  // insert bytes
                    let at = Int.random(in: 0...b.count, using: &rng)
                    b.insert(contentsOf: (0..<Int.random(in: 1...16, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }, at: at)
                default:  // delete a span
                    guard b.count > 1 else { break }
                    let at = Int.random(in: 0..<(b.count - 1), using: &rng)
                    b.removeSubrange(at..<min(b.count, at + Int.random(in: 1...16, using: &rng)))
                }
            }
            do {
                let f = try parse(b)
                loaded += 1
                for t in f.tensors {
                    #expect(f.dataOffset + t.offset + t.byteCount <= b.count, "tensor \(t.name) reaches past the file")
                }
            } catch {
                rejected += 1
                #expect(!error.description.isEmpty)
            }
        }
        #expect(loaded + rejected == 10_000)
        #expect(loaded > 100 && rejected > 1000, "loaded \(loaded), rejected \(rejected)")
    }
}
