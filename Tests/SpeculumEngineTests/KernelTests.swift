import CKernels
import Foundation
import Testing
import SpeculumEngine

struct DequantCase: Decodable {
    let name: String
    let type: Int32
    let bytes: String
    let values: [Double]
    var raw: [UInt8] {
        var out: [UInt8] = []
        var it = bytes.makeIterator()
        while let a = it.next(), let b = it.next() { out.append(UInt8(String([a, b]), radix: 16)!) }
        return out
    }
}

struct DequantFile: Decodable { let cases: [DequantCase] }

/// Every format the engine computes with.
let kernelTypes: [Int32] = [Int32(CK_F32), Int32(CK_F16), Int32(CK_BF16), Int32(CK_Q4_0), Int32(CK_Q5_0),
                            Int32(CK_Q8_0), Int32(CK_Q4_K), Int32(CK_Q5_K), Int32(CK_Q6_K)]

/// Random but well-formed blocks: the fp16 scale fields are set to small finite values.
func randomRow(type: Int32, n: Int, rng: inout SplitMix64, scale: ClosedRange<Float> = 0.0005...0.02) -> [UInt8] {
    let blockSize = Int(ck_block_size(type)), typeSize = Int(ck_type_size(type)), nb = n / blockSize
    var bytes = (0..<(nb * typeSize)).map { _ in UInt8.random(in: 0...255, using: &rng) }
    func setHalf(_ at: Int) {
        let h = ck_fp32_to_fp16(Float.random(in: scale, using: &rng))
        bytes[at] = UInt8(h & 0xFF)
        bytes[at + 1] = UInt8(h >> 8)
    }
    for b in 0..<nb {
        let o = b * typeSize
        switch type {
        case Int32(CK_F32):
            let f = (Float.random(in: -1...1, using: &rng) * scale.upperBound * 4).bitPattern
            for k in 0..<4 { bytes[o + k] = UInt8((f >> (8 * UInt32(k))) & 0xFF) }
        case Int32(CK_F16):
            let h = ck_fp32_to_fp16(Float.random(in: -1...1, using: &rng) * scale.upperBound * 4)
            bytes[o] = UInt8(h & 0xFF); bytes[o + 1] = UInt8(h >> 8)
        case Int32(CK_BF16):
            let f = (Float.random(in: -1...1, using: &rng) * scale.upperBound * 4).bitPattern >> 16
            bytes[o] = UInt8(f & 0xFF); bytes[o + 1] = UInt8(f >> 8)
        case Int32(CK_Q4_0), Int32(CK_Q5_0), Int32(CK_Q8_0): setHalf(o)
        case Int32(CK_Q4_K), Int32(CK_Q5_K): setHalf(o); setHalf(o + 2)
        case Int32(CK_Q6_K): setHalf(o + 208)
        default: break
        }
    }
    return bytes
}

func dequantize(_ type: Int32, _ bytes: [UInt8], _ n: Int) -> [Float] {
    var out = [Float](repeating: 0, count: n)
    bytes.withUnsafeBytes { ck_dequantize_row_ref(type, $0.baseAddress, &out, Int64(n)) }
    return out
}

/// An activation row as the matrix products consume it: the blocks, and for Q8_K the sums after them.
func quantizeActivations(_ x: [Float], type: Int32) -> [UInt8] {
    var q = [UInt8](repeating: 0, count: max(1, ck_activation_row_size(type, Int64(x.count))))
    if type == Int32(CK_F32) { return x.withUnsafeBytes { Array($0) } }
    ck_quantize_activation_row(type, x, &q, Int64(x.count))
    return q
}

@Suite(.serialized) struct KernelTests {
    static let golden: [DequantCase] = {
        let url = TestSupport.fixtures.appendingPathComponent("dequant-golden.json")
        guard let d = try? Data(contentsOf: url), let f = try? JSONDecoder().decode(DequantFile.self, from: d) else { return [] }
        return f.cases
    }()

    @Test func goldenCoverEveryQuantizedType() {
        let types = Set(Self.golden.map(\.type))
        #expect(types.isSuperset(of: kernelTypes.filter { $0 != Int32(CK_F32) }))
        #expect(Self.golden.contains { $0.name.contains("1.5b") && $0.type == Int32(CK_Q4_K) }, "real Q4_K blocks")
    }

    @Test(arguments: golden)
    func dequantizationEqualsGGUFPyBitForBit(_ c: DequantCase) {
        let got = dequantize(c.type, c.raw, c.values.count)
        let mismatches = zip(got, c.values).enumerated().filter { $0.element.0.bitPattern != Float($0.element.1).bitPattern }
        #expect(mismatches.isEmpty, "\(c.name): first mismatch at \(mismatches.first.map { "\($0.offset): \($0.element.0) vs \($0.element.1)" } ?? "")")
    }

    @Test func fp16RoundingMatchesSwiftFloat16() {
        var rng = SplitMix64(seed: 16)
        for _ in 0..<200_000 {
            let f = Float(bitPattern: UInt32.random(in: 0...UInt32.max, using: &rng))
            if f.isNaN { continue }
            #expect(ck_fp32_to_fp16(f) == Float16(f).bitPattern, "\(f)")
        }
        for h in 0...UInt16.max where !Float16(bitPattern: h).isNaN {
            #expect(ck_fp16_to_fp32(h).bitPattern == Float(Float16(bitPattern: h)).bitPattern)
        }
    }

    /// SIMD against the scalar reference on random and real rows: the same integers, summed in another order.
    @Test(arguments: kernelTypes)
    func simdAgreesWithReference(_ type: Int32) throws {
        try #require(String(cString: ck_simd_name()).hasPrefix("avx2"), "this machine has AVX2; the SIMD kernels must be tested")
        var rng = SplitMix64(seed: UInt64(type) &+ 99)
        for n in [256, 1536, 4864] where n % Int(ck_block_size(type)) == 0 {
            let w = randomRow(type: type, n: n, rng: &rng)
            let x = (0..<n).map { _ in Float.random(in: -2...2, using: &rng) }
            let q = quantizeActivations(x, type: ck_vec_dot_type(type))
            let ref = w.withUnsafeBytes { wb in q.withUnsafeBytes { ck_vec_dot_ref(type, Int64(n), wb.baseAddress, $0.baseAddress) } }
            let simd = w.withUnsafeBytes { wb in q.withUnsafeBytes { ck_vec_dot(type, Int64(n), wb.baseAddress, $0.baseAddress) } }
            // Bound: float rounding of a sum of n terms of the dequantized magnitudes.
            let wf = dequantize(type, w, n)
            let scale = zip(wf, x).reduce(Float(0)) { $0 + abs($1.0 * $1.1) }
            #expect(abs(ref - simd) <= 1e-5 * scale + 1e-6, "type \(type) n \(n): ref \(ref) simd \(simd)")
            // The quantized dot equals the dot of the dequantized weights and dequantized activations.
            let xq = dequantize(ck_vec_dot_type(type), q, n)
            let identity = zip(wf, xq).reduce(Double(0)) { $0 + Double($1.0) * Double($1.1) }
            #expect(abs(Double(ref) - identity) <= 1e-5 * Double(scale) + 1e-6)
        }
        let a = (0..<1000).map { _ in Float.random(in: -1...1, using: &rng) }
        let b = (0..<1000).map { _ in Float.random(in: -1...1, using: &rng) }
        #expect(abs(ck_dot_f32(1000, a, b) - ck_dot_f32_ref(1000, a, b)) < 1e-4)
    }

    /// Attention's weighted sum of value rows: the SIMD version equals the reference bit for bit, for
    /// head sizes that fill 8 registers, part of them, several passes, and one it leaves to the reference.
    @Test(arguments: [32, 64, 80, 128, 256, 36])
    func weightedSumEqualsTheReferenceBitwise(_ hd: Int) {
        var rng = SplitMix64(seed: UInt64(hd))
        let slots = 300, stride = hd * 3
        let v = (0..<(slots * stride)).map { _ in Float.random(in: -2...2, using: &rng) }
        let p = (0..<slots).map { _ in Float.random(in: 0...0.01, using: &rng) }
        let visible = (0..<slots).map { _ in UInt8(Int.random(in: 0..<4, using: &rng) == 0 ? 0 : 1) }
        let start = (0..<hd).map { _ in Float.random(in: -1...1, using: &rng) }
        var fast = start, reference = start
        ck_weighted_sum(Int32(slots), visible, p, v, Int64(stride), Int32(hd), &fast)
        ck_weighted_sum_ref(Int32(slots), visible, p, v, Int64(stride), Int32(hd), &reference)
        #expect(fast.map(\.bitPattern) == reference.map(\.bitPattern))
        #expect(fast != start, "it adds to what the buffer held")
        // The slots in pieces (as attention takes them, block by block) give bitwise the one call's sum.
        var pieces = start
        for s0 in Swift.stride(from: 0, to: slots, by: 64) {
            let len = min(64, slots - s0)
            visible.withUnsafeBufferPointer { vis in
                p.withUnsafeBufferPointer { pp in
                    v.withUnsafeBufferPointer { vv in
                        ck_weighted_sum(Int32(len), vis.baseAddress! + s0, pp.baseAddress! + s0, vv.baseAddress! + s0 * stride, Int64(stride), Int32(hd), &pieces)
                    }
                }
            }
        }
        #expect(pieces.map(\.bitPattern) == fast.map(\.bitPattern))
        // No visible slot: the buffer unchanged.
        var none = start
        ck_weighted_sum(Int32(slots), [UInt8](repeating: 0, count: slots), p, v, Int64(stride), Int32(hd), &none)
        #expect(none == start)
    }

    /// Attention that reads each KV head once for many (row, head) pairs equals the one-pair-at-a-time
    /// reference bit for bit: grouped-query ratios 1, 2, 6 and 7, head sizes 64 to 128, one row to a
    /// tree of 40, contexts inside one key block and across several, tree-shaped masks, and thread
    /// counts 1, 2 and 3.
    @Test(arguments: [[1, 1], [2, 1], [6, 2], [7, 1], [4, 4]])
    func attentionEqualsThePerPairReferenceBitwise(_ groupAndKVHeads: [Int]) {
        let shape = (group: groupAndKVHeads[0], kvHeads: groupAndKVHeads[1])
        var rng = SplitMix64(seed: UInt64(shape.group * 10 + shape.kvHeads))
        let heads = shape.group * shape.kvHeads
        // Head sizes: 64 and 128 take the 512-bit score loop, 96 and 80 the per-score one (80: no 512-bit loop at all).
        let cases = [64, 80, 96, 128].flatMap { hd in [(1, 5), (1, 300), (3, 64), (40, 200)].map { (hd, $0.0, $0.1) } }
        for (hd, n, past) in cases {
            let nKV = past + n
            let q = (0..<(n * heads * hd)).map { _ in Float.random(in: -1...1, using: &rng) }
            let k = (0..<(nKV * shape.kvHeads * hd)).map { _ in Float.random(in: -1...1, using: &rng) }
            let v = (0..<(nKV * shape.kvHeads * hd)).map { _ in Float.random(in: -1...1, using: &rng) }
            // Row i sees the past and a random subset of the new rows up to itself (a tree's ancestors).
            var mask = [UInt8](repeating: 0, count: n * nKV)
            for i in 0..<n {
                for s in 0..<past { mask[i * nKV + s] = 1 }
                for j in 0...i where j == i || Bool.random(using: &rng) { mask[i * nKV + past + j] = 1 }
            }
            var reference = [Float](repeating: .nan, count: n * heads * hd)
            ck_attention_ref(q, k, v, mask, Int32(n), Int32(nKV), Int32(heads), Int32(shape.kvHeads), Int32(hd), 0.125, &reference)
            for threads in [1, 2, 3] {
                let pool = ck_pool_create(Int32(threads))
                defer { ck_pool_destroy(pool) }
                var fast = [Float](repeating: .nan, count: n * heads * hd)
                ck_attention(pool, q, k, v, mask, Int32(n), Int32(nKV), Int32(heads), Int32(shape.kvHeads), Int32(hd), 0.125, &fast)
                #expect(fast.map(\.bitPattern) == reference.map(\.bitPattern), "hd \(hd) n \(n) past \(past) threads \(threads)")
            }
        }
    }

    /// The two-, three- and four-row kernels give, bitwise, what the one-row kernel gives for each row.
    @Test(arguments: [Int32(CK_Q4_K), Int32(CK_Q5_K), Int32(CK_Q6_K), Int32(CK_Q4_0), Int32(CK_Q5_0), Int32(CK_Q8_0)])
    func multiRowKernelsEqualTheOneRowKernelBitwise(_ type: Int32) throws {
        var rng = SplitMix64(seed: UInt64(type) &+ 7)
        for count in 2...4 {
            let dot = try #require(ck_vec_dot_rows_kernel(type, Int32(count)), "AVX2 machines have a \(count)-row kernel for type \(type)")
            for n in [256, 1536, 8960] where n % Int(ck_block_size(type)) == 0 {
                let w = randomRow(type: type, n: n, rng: &rng)
                let rows = (0..<count).map { _ in quantizeActivations((0..<n).map { _ in Float.random(in: -3...3, using: &rng) }, type: ck_vec_dot_type(type)) }
                var out = [Float](repeating: 0, count: 4)
                let pointers = rows.map { r in r.withUnsafeBytes { UnsafeMutableRawPointer.allocate(byteCount: $0.count, alignment: 16) } }
                defer { pointers.forEach { $0.deallocate() } }
                for (p, r) in zip(pointers, rows) { r.withUnsafeBytes { p.copyMemory(from: $0.baseAddress!, byteCount: $0.count) } }
                w.withUnsafeBytes { wb in
                    let xs: [UnsafeRawPointer?] = pointers.map { UnsafeRawPointer($0) }
                    xs.withUnsafeBufferPointer { dot(Int64(n), wb.baseAddress, $0.baseAddress, &out) }
                }
                for r in 0..<count {
                    let one = w.withUnsafeBytes { wb in rows[r].withUnsafeBytes { ck_vec_dot(type, Int64(n), wb.baseAddress, $0.baseAddress) } }
                    #expect(out[r].bitPattern == one.bitPattern, "type \(type) n \(n) rows \(count) row \(r): \(out[r]) vs \(one)")
                }
            }
        }
        #expect(ck_vec_dot_rows_kernel(type, 1) == nil && ck_vec_dot_rows_kernel(type, 5) == nil)
        // (In scalar mode ck_vec_dot_rows_kernel returns NULL; not switched here: tests run in parallel.)
    }

    @Test(arguments: golden.filter { $0.name.contains(".gguf:") })
    func simdAgreesOnRealBlocks(_ c: DequantCase) {
        let n = c.values.count
        var rng = SplitMix64(seed: 5)
        let x = (0..<n).map { _ in Float.random(in: -1...1, using: &rng) }
        let q = quantizeActivations(x, type: ck_vec_dot_type(c.type))
        let w = c.raw
        let ref = w.withUnsafeBytes { wb in q.withUnsafeBytes { ck_vec_dot_ref(c.type, Int64(n), wb.baseAddress, $0.baseAddress) } }
        let simd = w.withUnsafeBytes { wb in q.withUnsafeBytes { ck_vec_dot(c.type, Int64(n), wb.baseAddress, $0.baseAddress) } }
        let scale = zip(c.values, x).reduce(Float(0)) { $0 + abs(Float($1.0) * $1.1) }
        #expect(abs(ref - simd) <= 1e-5 * scale + 1e-7, "\(c.name): \(ref) vs \(simd)")
    }

    @Test func activationQuantizersRoundAsDefined() {
        // Q8_0: d = amax/127 rounded to fp16; values round half away from zero with the unrounded 1/d.
        var x = [Float](repeating: 0, count: 32)
        x[0] = 127; x[1] = -63.5; x[2] = 0.5; x[3] = -0.49
        let q = quantizeActivations(x, type: Int32(CK_Q8_0))
        #expect(q[0] == 0x00 && q[1] == 0x3C)  // fp16(1.0) = 0x3C00, little-endian
        #expect(Int8(bitPattern: q[2]) == 127 && Int8(bitPattern: q[3]) == -64 && Int8(bitPattern: q[4]) == 1 && Int8(bitPattern: q[5]) == 0)
        // Q8_K: the largest-magnitude element maps to −127 (d negative); ties round to even.
        var y = [Float](repeating: 0, count: 256)
        y[0] = 2.54; y[1] = -0.01; y[2] = 0.03
        let k = dequantize(Int32(CK_Q8_K), quantizeActivations(y, type: Int32(CK_Q8_K)), 256)
        #expect(abs(k[0] - 2.54) < 1e-6 && k[1] == 0 && abs(k[2] - 0.04) < 1e-6)
    }

    /// The exponential SwiGLU uses is within 2 ulp of libm's expf over its whole range, and the SIMD
    /// SwiGLU gives bitwise what the reference gives: random gates, gates past both ends of the clamp,
    /// zeros of both signs, and lengths that leave a tail to the reference.
    @Test func swigluEqualsTheReferenceBitwiseAndExpIsWithinTwoUlp() {
        var x: Float = -87
        var worst: Float = 0
        while x <= 88 {
            let a = ck_exp_ref(x), b = expf(x)
            worst = max(worst, abs(a - b) / (b.nextUp - b))
            x += 0.0007 + abs(x) * 1e-4
        }
        #expect(worst <= 2, "worst error \(worst) ulp")
        #expect(ck_exp_ref(0) == 1 && ck_exp_ref(-200) > 0 && ck_exp_ref(200).isFinite)
        var rng = SplitMix64(seed: 11)
        for n in [1, 7, 8, 4864, 8963] {
            var g = (0..<n).map { _ in Float.random(in: -15...15, using: &rng) }
            let u = (0..<n).map { _ in Float.random(in: -2...2, using: &rng) }
            for (i, v) in [-120, 120, 0, -0.0, -88.5, 87.5, 1e-30].enumerated() where i < n { g[i] = Float(v) }
            var fast = [Float](repeating: .nan, count: n), reference = fast
            ck_swiglu(g, u, &fast, Int64(n))
            ck_swiglu_ref(g, u, &reference, Int64(n))
            #expect(fast.map(\.bitPattern) == reference.map(\.bitPattern), "n \(n)")
            for i in 0..<n {
                let exact = Double(g[i]) / (1 + exp(-Double(g[i]))) * Double(u[i])
                #expect(abs(Double(reference[i]) - exact) <= 1e-6 * abs(exact) + 1e-30, "g \(g[i]) u \(u[i]): \(reference[i]) vs \(exact)")
            }
        }
    }

    /// SwiGLU and RMSNorm split over a pool's threads give bitwise the one-thread results, for sizes
    /// below, at and above where the split starts, and never write past the end.
    @Test func elementwiseStepsOnThePoolEqualOneThread() {
        var rng = SplitMix64(seed: 14)
        for threads in [1, 2, 3] {
            let pool = ck_pool_create(Int32(threads))
            defer { ck_pool_destroy(pool) }
            for n in [7, 16383, 16384, 16400, 143_360] {
                let g = (0..<n).map { _ in Float.random(in: -12...12, using: &rng) }
                let u = (0..<n).map { _ in Float.random(in: -2...2, using: &rng) }
                var split = [Float](repeating: .nan, count: n + 1), one = split
                ck_swiglu_pool(pool, g, u, &split, Int64(n))
                ck_swiglu(g, u, &one, Int64(n))
                #expect(split.map(\.bitPattern) == one.map(\.bitPattern), "swiglu n \(n) threads \(threads)")
                #expect(split[n].isNaN, "nothing written past the end")
            }
            for rows in [1, 3, 4, 5, 16, 33] {
                let width = 1536
                let x = (0..<(rows * width)).map { _ in Float.random(in: -4...4, using: &rng) }
                let w = (0..<width).map { _ in Float.random(in: 0.5...1.5, using: &rng) }
                var split = [Float](repeating: .nan, count: rows * width + 1), one = split
                ck_rmsnorm_rows(pool, x, w, &split, Int64(rows), Int64(width), 1e-6)
                for r in 0..<rows {
                    x.withUnsafeBufferPointer { xp in
                        one.withUnsafeMutableBufferPointer { op in
                            ck_rmsnorm(xp.baseAddress! + r * width, w, op.baseAddress! + r * width, Int64(width), 1e-6)
                        }
                    }
                }
                #expect(split.map(\.bitPattern) == one.map(\.bitPattern), "rmsnorm rows \(rows) threads \(threads)")
            }
        }
    }

    /// Attention's softmax: the SIMD version writes bitwise the reference's probabilities, leaves
    /// invisible slots untouched (NaN stays NaN), and the probabilities match a double-precision softmax
    /// of the same float differences score − max (clamped at −87 like the exponential) to a few float
    /// ulps, and sum to 1. Lengths around the 8-slot steps, masks from none to all visible.
    @Test func softmaxEqualsTheReferenceBitwiseAndTheMaths() {
        var rng = SplitMix64(seed: 13)
        for n in [1, 5, 8, 9, 16, 31, 272, 1031] {
            for density in [0.0, 0.1, 0.5, 1.0] {
                let visible: [UInt8] = (0..<n).map { _ in Double.random(in: 0..<1, using: &rng) < density ? 1 : 0 }
                var scores = (0..<n).map { s in visible[s] == 1 ? Float.random(in: -30...12, using: &rng) : .nan }
                if n > 3, visible[3] == 1 { scores[3] = -150 }  // below the exponential's clamp
                let top: Float = zip(scores, visible).filter { $0.1 == 1 }.map(\.0).max() ?? -Float.infinity
                var fast = scores, reference = scores
                ck_softmax_visible(&fast, visible, Int32(n), top)
                ck_softmax_visible_ref(&reference, visible, Int32(n), top)
                #expect(fast.map(\.bitPattern) == reference.map(\.bitPattern), "n \(n) density \(density)")
                let shown = (0..<n).filter { visible[$0] == 1 }
                #expect((0..<n).filter { visible[$0] == 0 }.allSatisfy { reference[$0].isNaN }, "invisible slots untouched")
                guard !shown.isEmpty else { continue }
                let e = { (s: Int) in exp(Double(Swift.max(scores[s] - top, -87))) }
                let total = shown.map(e).reduce(0, +)
                var sum = 0.0
                for s in shown {
                    let exact = e(s) / total
                    #expect(abs(Double(reference[s]) - exact) <= 4e-7 * exact, "slot \(s): \(reference[s]) vs \(exact)")
                    sum += Double(reference[s])
                }
                #expect(abs(sum - 1) < 1e-5, "sum \(sum)")
            }
        }
    }

    /// The SIMD activation quantizers write bitwise the reference's bytes: random rows at two scales,
    /// rows full of exact halves (the rounding ties of both rules), an all-zero block, and two elements
    /// of equal magnitude and opposite sign (Q8_K takes the first as its scale's sign).
    @Test func activationQuantizersEqualTheReferenceBitwise() {
        var rng = SplitMix64(seed: 12)
        let n = 8960
        for round in 0..<24 {
            var x = (0..<n).map { _ in Float.random(in: -4...4, using: &rng) * (round % 5 == 0 ? 1e-3 : 1) }
            if round % 3 == 0 { for i in Swift.stride(from: 0, to: n, by: 5) { x[i] = Float(Int.random(in: -60...60, using: &rng)) * 0.5 } }
            if round % 4 == 0 { for i in 256..<512 { x[i] = 0 } }
            if round % 2 == 0 { x[700] = 9; x[701] = -9 }
            for type in [Int32(CK_Q8_0), Int32(CK_Q8_K)] {
                let size = ck_row_size(type, Int64(n))
                var fast = [UInt8](repeating: 0xAA, count: size), reference = [UInt8](repeating: 0x55, count: size)
                ck_quantize_row(type, x, &fast, Int64(n))
                ck_quantize_row_ref(type, x, &reference, Int64(n))
                #expect(fast == reference, "type \(type) round \(round)")
            }
        }
    }
}
