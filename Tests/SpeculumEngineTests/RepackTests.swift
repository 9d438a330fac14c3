import CKernels
import Testing
import SpeculumEngine

/// Q4_K, Q5_0, Q6_K and Q8_0 matrices repacked in groups of 8 rows at load time (CK_Q4_K_X8,
/// CK_Q5_0_X8, CK_Q6_K_X8, CK_Q8_0_X8): the copy holds the same numbers, the SIMD kernels equal their
/// scalar reference bit for bit, and matrix products stay batch-invariant.
@Suite struct RepackTests {
    static let types = [Int32(CK_Q4_K), Int32(CK_Q5_0), Int32(CK_Q6_K), Int32(CK_Q8_0)]

    /// A random matrix (rows, cols) of `type` and its repacked copy, which lives as long as the value.
    final class Repacked {
        let type: Int32, rows: Int, cols: Int
        let original: [UInt8]
        let originalData: UnsafeMutableRawPointer  // the original rows, at a stable address for ck_matrix
        let buffer: UnsafeMutableRawPointer        // the repacked copy
        var matrix = ck_matrix()
        var source: ck_matrix { ck_matrix(type: type, data: originalData, rows: Int64(rows), cols: Int64(cols), row_bytes: ck_row_size(type, Int64(cols))) }

        /// `extreme`: every value the largest, with the largest scales (Q6_K's: −128; Q8_0's values −128):
        /// the integer sums' extremes. Q6_K's blocks alternate every value 63 (stored 31) and every value 0
        /// (stored −32, the 512-bit kernel's 16-bit bound: 8·32·127).
        init(type: Int32, rows: Int, cols: Int, rng: inout SplitMix64, extreme: Bool = false) {
            self.type = type
            self.rows = rows
            self.cols = cols
            var bytes: [UInt8] = []
            for _ in 0..<rows { bytes += randomRow(type: type, n: cols, rng: &rng) }
            let size = Int(ck_type_size(type))
            for b in 0..<(bytes.count / size) where extreme {
                switch type {
                case Int32(CK_Q4_K): for i in 4..<size { bytes[b * size + i] = 0xFF }        // scales and values
                case Int32(CK_Q5_0): for i in 2..<size { bytes[b * size + i] = 0xFF }        // fifth bits and values
                case Int32(CK_Q8_0): for i in 2..<size { bytes[b * size + i] = 0x80 }        // values −128
                default:
                    for i in 0..<192 { bytes[b * size + i] = b % 2 == 0 ? 0xFF : 0x00 }       // Q6_K: ql and qh, every value 63 or 0
                    for i in 192..<208 { bytes[b * size + i] = 0x80 }                         // scales −128
                }
            }
            original = bytes
            originalData = .allocate(byteCount: bytes.count, alignment: 64)
            originalData.copyMemory(from: bytes, byteCount: bytes.count)
            buffer = .allocate(byteCount: ck_repacked_size(type, Int64(rows), Int64(cols)), alignment: 64)
            var src = source
            let pool = ck_pool_create(2)
            defer { ck_pool_destroy(pool) }
            let done = ck_repack(pool, &src, buffer, &matrix)
            precondition(done == 1)
        }

        deinit { buffer.deallocate(); originalData.deallocate() }

        func originalRow(_ r: Int) -> [UInt8] {
            let rb = ck_row_size(type, Int64(cols))
            return Array(original[(r * rb)..<((r + 1) * rb)])
        }

        func group(_ g: Int) -> UnsafeRawPointer { UnsafeRawPointer(buffer) + g * 8 * matrix.row_bytes }
    }

    static func activations(_ count: Int, _ n: Int, type: Int32, rng: inout SplitMix64, constant: Float? = nil) -> [[UInt8]] {
        (0..<count).map { _ in quantizeActivations((0..<n).map { _ in constant ?? Float.random(in: -3...3, using: &rng) }, type: ck_vec_dot_type(type)) }
    }

    @Test func onlyQ4KQ5_0Q6KAndQ8_0WithWholeGroupsAreRepacked() {
        #expect(ck_repacked_size(Int32(CK_Q4_K), 16, 512) == 2 * 2 * 1184)
        #expect(ck_repacked_size(Int32(CK_Q5_0), 16, 512) == 2 * 16 * 176)
        #expect(ck_repacked_size(Int32(CK_Q6_K), 16, 512) == 2 * 2 * 1680)
        #expect(ck_repacked_size(Int32(CK_Q8_0), 16, 512) == 2 * 16 * 272)
        #expect(ck_repacked_size(Int32(CK_Q4_K), 12, 512) == 0 && ck_repacked_size(Int32(CK_Q5_0), 4, 512) == 0
                && ck_repacked_size(Int32(CK_Q6_K), 20, 512) == 0, "rows not a multiple of 8")
        #expect(ck_repacked_size(Int32(CK_Q4_0), 16, 512) == 0 && ck_repacked_size(Int32(CK_Q5_K), 16, 512) == 0)
        #expect(ck_vec_dot_type(Int32(CK_Q4_K_X8)) == Int32(CK_Q8_K) && ck_vec_dot_type(Int32(CK_Q6_K_X8)) == Int32(CK_Q8_K)
                && ck_vec_dot_type(Int32(CK_Q5_0_X8)) == Int32(CK_Q8_0) && ck_vec_dot_type(Int32(CK_Q8_0_X8)) == Int32(CK_Q8_0))
    }

    /// Every row of the copy dequantizes to exactly what the original row gives.
    @Test(arguments: types)
    func theCopyHoldsTheSameNumbers(_ type: Int32) {
        var rng = SplitMix64(seed: 41)
        let m = Repacked(type: type, rows: 24, cols: 768, rng: &rng)
        #expect(m.matrix.type == ck_repacked_type(type) && m.matrix.row_bytes == ck_row_size(type, 768) + (type == Int32(CK_Q4_K) ? 3 * 4 : 0))
        for r in 0..<m.rows {
            var got = [Float](repeating: 0, count: m.cols)
            ck_dequantize_row_x8(m.matrix.type, m.group(r / 8), Int32(r % 8), &got, Int64(m.cols))
            let want = dequantize(type, m.originalRow(r), m.cols)
            #expect(got.map(\.bitPattern) == want.map(\.bitPattern), "row \(r)")
        }
    }

    /// Every SIMD kernel this machine has (AVX2; AVX-512 VNNI where present) for 1–4 activation rows
    /// equals the scalar reference bitwise, and the reference agrees with the original type's reference
    /// dot product within float rounding (the integers are the same; only the order of the float sums
    /// differs). The extreme case (every value the largest, activations all ±127) would show a 16-bit
    /// overflow.
    @Test(arguments: types, [false, true])
    func simdEqualsTheReferenceBitwise(_ type: Int32, extreme: Bool) throws {
        try #require(String(cString: ck_simd_name()).hasPrefix("avx2"), "this machine has AVX2; the SIMD kernels must be tested")
        let repacked = ck_repacked_type(type)
        let kernels = [Int32(CK_LEVEL_AVX2), Int32(CK_LEVEL_VNNI)].compactMap { level in ck_dot_x8_kernel(repacked, level).map { (level, $0) } }
        #expect(kernels.count == (String(cString: ck_simd_name()).contains("vnni") ? 2 : 1))
        var rng = SplitMix64(seed: UInt64(type) * (extreme ? 7 : 8))
        let vt = ck_vec_dot_type(type)
        for n in [256, 1536, 8960] {
            let m = Repacked(type: type, rows: 8, cols: n, rng: &rng, extreme: extreme)
            for count in 1...4 {
                let xs = Self.activations(count, n, type: type, rng: &rng, constant: extreme ? 1 : nil)
                let pointers: [UnsafeRawPointer?] = xs.map { x in x.withUnsafeBytes { UnsafeRawPointer($0.baseAddress!) } }
                let outs = kernels.map { (level, kernel) in
                    var out = [Float](repeating: 0, count: 8 * count)
                    withExtendedLifetime(xs) { kernel(Int64(n), m.group(0), pointers, Int32(count), &out) }
                    return (level, out)
                }
                for r in 0..<count {
                    var ref = [Float](repeating: 0, count: 8)
                    xs[r].withUnsafeBytes { ck_dot_x8_ref(m.matrix.type, Int64(n), m.group(0), $0.baseAddress, &ref) }
                    for (level, out) in outs {
                        #expect(Array(out[(8 * r)..<(8 * r + 8)]).map(\.bitPattern) == ref.map(\.bitPattern), "level \(level) n \(n) rows \(count) row \(r)")
                    }
                    for k in 0..<8 {
                        let w = m.originalRow(k)
                        let plain = w.withUnsafeBytes { wb in xs[r].withUnsafeBytes { ck_vec_dot_ref(type, Int64(n), wb.baseAddress, $0.baseAddress) } }
                        let wf = dequantize(type, w, n), xf = dequantize(vt, xs[r], n)
                        let scale = zip(wf, xf).reduce(Float(0)) { $0 + abs($1.0 * $1.1) }
                        #expect(abs(ref[k] - plain) <= 1e-5 * scale + 1e-6, "n \(n) row \(k): \(ref[k]) vs \(plain)")
                    }
                }
            }
        }
    }

    /// A matrix product over the copy: each output row is bitwise the same whatever the batch size, and
    /// the exact path (dequantized weights) gives bitwise what it gives over the original rows.
    @Test(arguments: types)
    func matrixProductsAreBatchInvariantAndExactModeUnchanged(_ type: Int32) {
        var rng = SplitMix64(seed: 9)
        let cols = 512
        let m = Repacked(type: type, rows: 40, cols: cols, rng: &rng)
        let pool = ck_pool_create(2)
        defer { ck_pool_destroy(pool) }
        let batch = 18  // past 16: Q6_K's 16-row pass, then the rest
        let x = (0..<(batch * cols)).map { _ in Float.random(in: -2...2, using: &rng) }
        func product(_ w: ck_matrix, _ n: Int, mode: Int32) -> [Float] {
            var w = w
            var y = [Float](repeating: 0, count: n * m.rows)
            var q = [UInt8](repeating: 0, count: max(1, ck_matmul_qbuf_size(&w, Int64(n))))
            ck_matmul(pool, &w, x, Int64(n), &y, mode, &q)
            return y
        }
        let all = product(m.matrix, batch, mode: Int32(CK_Q8_ACTIVATIONS))
        for n in 1..<batch {
            let part = product(m.matrix, n, mode: Int32(CK_Q8_ACTIVATIONS))
            #expect(part.map(\.bitPattern) == Array(all[0..<(n * m.rows)]).map(\.bitPattern), "batch of \(n)")
        }
        let original = product(m.source, batch, mode: Int32(CK_Q8_ACTIVATIONS))
        for (a, b) in zip(all, original) { #expect(abs(a - b) <= 1e-4 * max(1, abs(b)), "\(a) vs the original's \(b)") }
        let exactCopy = product(m.matrix, batch, mode: Int32(CK_EXACT)), exactOriginal = product(m.source, batch, mode: Int32(CK_EXACT))
        #expect(exactCopy.map(\.bitPattern) == exactOriginal.map(\.bitPattern))
    }

    /// Products of the same activations in one job (Q, K and V; gate and up) give each output bitwise
    /// what its own product gives: repacked and file-layout matrices mixed, several batch sizes, both
    /// arithmetics; matrices that cannot share (other columns) fall back to one product each.
    @Test func sharedProductsEqualSeparateOnesBitwise() {
        var rng = SplitMix64(seed: 23)
        let cols = 512
        let a = Repacked(type: Int32(CK_Q4_K), rows: 40, cols: cols, rng: &rng)
        let b = Repacked(type: Int32(CK_Q6_K), rows: 24, cols: cols, rng: &rng)
        let narrow = Repacked(type: Int32(CK_Q5_0), rows: 16, cols: cols / 2, rng: &rng)
        let pool = ck_pool_create(2)
        defer { ck_pool_destroy(pool) }
        let x = (0..<(17 * cols)).map { _ in Float.random(in: -2...2, using: &rng) }
        let q8k = [a.matrix, b.source, b.matrix, a.source]   // all take Q8_K activations
        for mode in [Int32(CK_Q8_ACTIVATIONS), Int32(CK_EXACT)] {
            for n in [1, 5, 17] {
                var q = [UInt8](repeating: 0, count: 17 * cols * 2)
                let separate: [[Float]] = q8k.map { w in
                    var w = w, y = [Float](repeating: .nan, count: n * Int(w.rows))
                    ck_matmul(pool, &w, x, Int64(n), &y, mode, &q)
                    return y
                }
                let ws = UnsafeMutablePointer<ck_matrix>.allocate(capacity: q8k.count)
                ws.initialize(from: q8k, count: q8k.count)
                let ys = q8k.map { w in UnsafeMutablePointer<Float>.allocate(capacity: n * Int(w.rows)) }
                defer { ws.deallocate(); ys.forEach { $0.deallocate() } }
                let wp: [UnsafePointer<ck_matrix>?] = (0..<q8k.count).map { UnsafePointer(ws + $0) }
                ck_matmul_many(pool, wp, Int32(q8k.count), x, Int64(n), ys.map { Optional($0) }, mode, &q)
                for m in 0..<q8k.count {
                    let got = Array(UnsafeBufferPointer(start: ys[m], count: n * Int(q8k[m].rows)))
                    #expect(got.map(\.bitPattern) == separate[m].map(\.bitPattern), "product \(m), batch \(n), mode \(mode)")
                }
            }
        }
        // Columns differ: no shared job, and still each product's own result.
        let pair = UnsafeMutablePointer<ck_matrix>.allocate(capacity: 2)
        pair.initialize(from: [a.matrix, narrow.matrix], count: 2)
        let pa = UnsafeMutablePointer<Float>.allocate(capacity: 3 * 40), pn = UnsafeMutablePointer<Float>.allocate(capacity: 3 * 16)
        defer { pair.deallocate(); pa.deallocate(); pn.deallocate() }
        var q = [UInt8](repeating: 0, count: 17 * cols * 2)
        ck_matmul_many(pool, [UnsafePointer(pair), UnsafePointer(pair + 1)], 2, x, 3, [pa, pn], Int32(CK_Q8_ACTIVATIONS), &q)
        let ya = Array(UnsafeBufferPointer(start: pa, count: 3 * 40)), yn = Array(UnsafeBufferPointer(start: pn, count: 3 * 16))
        var wa = a.matrix, wn = narrow.matrix
        var ea = [Float](repeating: 0, count: 3 * 40), en = [Float](repeating: 0, count: 3 * 16)
        ck_matmul(pool, &wa, x, 3, &ea, Int32(CK_Q8_ACTIVATIONS), &q)
        ck_matmul(pool, &wn, x, 3, &en, Int32(CK_Q8_ACTIVATIONS), &q)
        #expect(ya.map(\.bitPattern) == ea.map(\.bitPattern) && yn.map(\.bitPattern) == en.map(\.bitPattern))
    }

    /// A product over the first rows only (a vocabulary-subset head: here 37 of 40, cutting a group)
    /// gives the first outputs of the whole product and writes nothing past them; the unit rows of the
    /// analysis views are those of the original.
    @Test(arguments: types)
    func aLeadingSubsetOfRowsAndTheUnitRowsMatchTheWhole(_ type: Int32) {
        var rng = SplitMix64(seed: 12)
        let cols = 512, batch = 3, subset = 37
        let m = Repacked(type: type, rows: 40, cols: cols, rng: &rng)
        let pool = ck_pool_create(2)
        defer { ck_pool_destroy(pool) }
        let x = (0..<(batch * cols)).map { _ in Float.random(in: -2...2, using: &rng) }
        func product(rows: Int) -> [Float] {
            var w = m.matrix
            w.rows = Int64(rows)
            var y = [Float](repeating: .nan, count: batch * rows + 8)  // 8 sentinels past the end
            var q = [UInt8](repeating: 0, count: max(1, ck_matmul_qbuf_size(&w, Int64(batch))))
            ck_matmul(pool, &w, x, Int64(batch), &y, Int32(CK_Q8_ACTIVATIONS), &q)
            return y
        }
        let whole = product(rows: m.rows), part = product(rows: subset)
        for j in 0..<batch {
            let got = Array(part[(j * subset)..<((j + 1) * subset)]), want = Array(whole[(j * m.rows)..<(j * m.rows + subset)])
            #expect(got.map(\.bitPattern) == want.map(\.bitPattern), "activation row \(j)")
        }
        let past = part[(batch * subset)...].filter { !$0.isNaN }
        #expect(past.isEmpty, "nothing written past the subset's outputs")
        var unitCopy = [Float](repeating: 0, count: m.rows * cols), unitOriginal = unitCopy
        var copy = m.matrix, original = m.source
        ck_unit_rows(pool, &copy, &unitCopy, nil)
        ck_unit_rows(pool, &original, &unitOriginal, nil)
        #expect(unitCopy.map(\.bitPattern) == unitOriginal.map(\.bitPattern))
    }

    /// The 16-row kernel (two neighbouring groups on 512-bit registers, where the CPU has AVX-512 with
    /// VNNI) gives, for 1–8 activation rows (1–16 for Q4_K and Q6_K), each of its 16 rows bitwise what the
    /// reference gives. The extreme case alternates activations of all +127 and all −127: the kernels apply sub-block scales
    /// with 16-bit multiply-adds, whose argument rests on the partial sums' bounds on both sides.
    @Test(arguments: types, [false, true])
    func sixteenRowKernelEqualsTheReferenceBitwise(_ type: Int32, extreme: Bool) throws {
        let repacked = ck_repacked_type(type)
        guard let kernel = ck_dot_x16_kernel(repacked) else {
            #expect(String(cString: ck_simd_name()) != "avx2+avx512vnni", "AVX-512 with VNNI is here but has no kernel")
            return
        }
        var rng = SplitMix64(seed: UInt64(type) * (extreme ? 5 : 6))
        for n in [256, 1536, 8960] {
            let m = Repacked(type: type, rows: 16, cols: n, rng: &rng, extreme: extreme)
            for count in 1...Int(ck_dot_x16_rows(repacked)) {
                let xs = Self.activations(count, n, type: type, rng: &rng, constant: extreme ? (count % 2 == 0 ? -1 : 1) : nil)
                let pointers: [UnsafeRawPointer?] = xs.map { x in x.withUnsafeBytes { UnsafeRawPointer($0.baseAddress!) } }
                var out = [Float](repeating: .nan, count: 16 * count)
                withExtendedLifetime(xs) { kernel(Int64(n), m.group(0), 8 * m.matrix.row_bytes, pointers, Int32(count), &out) }
                for r in 0..<count {
                    var ref = [Float](repeating: 0, count: 16)
                    xs[r].withUnsafeBytes { x in
                        ref.withUnsafeMutableBufferPointer { o in
                            ck_dot_x8_ref(m.matrix.type, Int64(n), m.group(0), x.baseAddress, o.baseAddress!)
                            ck_dot_x8_ref(m.matrix.type, Int64(n), m.group(1), x.baseAddress, o.baseAddress! + 8)
                        }
                    }
                    #expect(Array(out[(16 * r)..<(16 * r + 16)]).map(\.bitPattern) == ref.map(\.bitPattern), "n \(n) rows \(count) row \(r)")
                }
            }
        }
    }
}
