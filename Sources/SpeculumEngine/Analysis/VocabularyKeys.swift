import CKernels
import COpenBLAS
import Foundation

/// The vocabulary's keys — the LM-head rows, whose dot products with the final hidden state are the
/// logits — normalised to unit length, so that one matrix–vector product gives every token's cosine
/// to a query (after "Correlation and Navigation in the Vocabulary Key Representation Space of
/// Language Models"). Prepared once: the rows are dequantized from the file and kept in memory.
public final class VocabularyKeys: @unchecked Sendable {
    // @unchecked: the key matrix is written once in init and only read afterwards; the scratch query
    // buffer is per call.

    /// How the normalised keys are stored and multiplied.
    public enum Precision: String, Sendable, CaseIterable, Codable {
        /// f32 keys, products by OpenBLAS's sgemv.
        case f32
        /// binary16 keys (half the memory and bandwidth), products by our F16C dot-product kernel
        /// (the matrix product's f16 path: scalar reference plus AVX2, agreement-tested).
        case f16
    }

    public let precision: Precision
    public let rows: Int        // keys (the LM head's rows; may include padding past the tokenizer)
    public let dimension: Int   // the embedding width
    /// Keys that are real tokens: neighbours are searched among 0 ..< usable.
    public let usable: Int
    /// One-time preparation: wall time and the bytes the key matrix holds.
    public let preparationNs: UInt64
    public var bytes: Int { rows * dimension * (precision == .f32 ? 4 : 2) }

    private let keys32: UnsafeMutablePointer<Float>?    // (rows, dimension), unit rows
    private let keys16: UnsafeMutablePointer<UInt16>?   // (rows, dimension), unit rows in binary16
    private let pool: ComputePool

    /// Dequantizes and normalises `model`'s LM head (`output.weight`, or the tied token embedding).
    /// - Parameter usable: how many leading rows are tokens (the tokenizer's vocabulary size).
    public init(model: TransformerModel, usable: Int? = nil, precision: Precision = .f16, pool: ComputePool = .shared) {
        let t0 = DispatchTime.now().uptimeNanoseconds
        let head = model.output   // the LM head, or the tied token embedding
        rows = head.rows
        dimension = head.cols
        self.usable = min(usable ?? rows, rows)
        self.precision = precision
        self.pool = pool
        let d = dimension
        let keys32: UnsafeMutablePointer<Float>? = precision == .f32 ? .allocate(capacity: rows * d) : nil
        let keys16: UnsafeMutablePointer<UInt16>? = precision == .f16 ? .allocate(capacity: rows * d) : nil
        self.keys32 = keys32
        self.keys16 = keys16
        var raw = head.raw
        ck_unit_rows(pool.raw, &raw, keys32, keys16)
        preparationNs = DispatchTime.now().uptimeNanoseconds - t0
    }

    deinit {
        keys32?.deallocate()
        keys16?.deallocate()
    }

    /// Cosine of every key with `query` (any length-`dimension` vector; normalised here).
    /// Returns (rows) values.
    public func cosines(to query: [Float]) -> [Float] {
        precondition(query.count == dimension, "a query has \(dimension) components")
        var norm = 0.0
        for x in query { norm += Double(x) * Double(x) }
        let scale = norm > 0 ? Float(1 / norm.squareRoot()) : 0
        let unit = query.map { $0 * scale }
        var out = [Float](repeating: 0, count: rows)
        if let keys32 {
            // One sgemv over the whole vocabulary: y = K · u.
            unit.withUnsafeBufferPointer { u in
                out.withUnsafeMutableBufferPointer { y in
                    cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(rows), Int32(dimension), 1, keys32, Int32(dimension),
                                u.baseAddress, 1, 0, y.baseAddress, 1)
                }
            }
        } else if let keys16 {
            var m = ck_matrix(type: Int32(CK_F16), data: UnsafeRawPointer(keys16), rows: Int64(rows), cols: Int64(dimension),
                              row_bytes: dimension * 2)
            // f16 weights take f32 activations as they are (no quantization buffer is needed).
            unit.withUnsafeBufferPointer { u in
                out.withUnsafeMutableBufferPointer { y in
                    ck_matmul(pool.raw, &m, u.baseAddress, 1, y.baseAddress, Int32(CK_Q8_ACTIVATIONS), nil)
                }
            }
        }
        return out
    }

    /// The key of `token` as stored (unit length, rounded to the precision).
    public func key(_ token: TokenID) -> [Float] {
        if let keys32 { return Array(UnsafeBufferPointer(start: keys32 + token * dimension, count: dimension)) }
        return (0..<dimension).map { ck_fp16_to_fp32(keys16![token * dimension + $0]) }
    }

    /// Cosine of every key with `token`'s key.
    public func cosines(to token: TokenID) -> [Float] { cosines(to: key(token)) }

    /// The k keys nearest to `token`'s by cosine, nearest first (ties by lower id), without the token itself.
    public func neighbours(of token: TokenID, k: Int) -> [(token: TokenID, cosine: Float)] {
        VocabularyKeys.largest(cosines(to: token), k: k, below: usable, excluding: [token])
    }

    /// The k largest values among indices 0 ..< below, largest first (ties by lower index).
    static func largest(_ values: [Float], k: Int, below: Int, excluding: Set<TokenID> = []) -> [(token: TokenID, cosine: Float)] {
        guard k > 0 else { return [] }
        var best: [(token: TokenID, cosine: Float)] = []   // sorted, at most k
        best.reserveCapacity(k + 1)
        for i in 0..<min(below, values.count) where !excluding.contains(i) {
            let v = values[i]
            if best.count == k, v <= best[k - 1].cosine { continue }
            var at = best.count
            while at > 0 && best[at - 1].cosine < v { at -= 1 }
            best.insert((i, v), at: at)
            if best.count > k { best.removeLast() }
        }
        return best
    }
}

/// One neighbour of a token, placed in the current next-token distribution.
public struct KeyNeighbour: Sendable, Equatable, Codable {
    public var token: TokenID
    public var cosine: Float
    /// Its probability and 1-based rank in the distribution the view was asked about.
    public var p: Float
    public var rank: Int
}

extension VocabularyKeys {
    /// `token`'s k nearest keys, each with its probability and rank under `distribution` (a full softmax).
    public func neighbourhood(of token: TokenID, k: Int, in distribution: Distribution) -> [KeyNeighbour] {
        neighbours(of: token, k: k).map {
            KeyNeighbour(token: $0.token, cosine: $0.cosine, p: distribution.p($0.token),
                         rank: distribution.rank(of: $0.token) ?? distribution.tokens.count + 1)
        }
    }
}
