import CKernels

/// The LM-head rows a vocabulary-subset head adds to its first `headRows` ids: every id at or past them
/// that is in the context (the prompt and the text so far), gathered from the file as stored.
///
/// Why: over the 24 prompts of the bench set, the first 16,384 ids cover 89.2% of the tokens the 1.5B
/// writes at T=0 and the first 32,768 cover 95.2%; the first 16,384 plus the ids already in the context
/// cover 95.0%, for a few hundred rows more (a prompt's names, a language's words). A ranking by token
/// counts over 50 MB of code, markdown, prose and eleven languages did worse than the ids' own order
/// (88.4% at 16,384): byte-level BPE numbers its merges by frequency in a far larger corpus.
final class ContextHeadRows {
    private let first: Int                  // ids below this are the head's leading rows, not here
    private let source: UnsafeRawPointer    // the head in the file: (vocab, row_bytes)
    private let rowBytes: Int, type: Int32, cols: Int
    /// Where each id here first entered the cache: a truncation below it takes the id out again.
    private var entered: [TokenID: Int] = [:]
    /// The gathered rows, in `ids` order: (capacity, row_bytes).
    private(set) var ids: [TokenID] = []
    private var storage: UnsafeMutableRawPointer
    private var capacity = 0
    /// (n, ids.count): the rows' logits for a batch, before they are spread to the ids' places.
    private(set) var scratch: UnsafeMutablePointer<Float>
    private var scratchCapacity = 0
    /// Whether the head these rows join is repacked; then so are they (`repacked`, rebuilt when `dirty`).
    private let repack: Bool
    private var repacked: UnsafeMutableRawPointer?
    private var repackedCapacity = 0
    private var built: ck_matrix?
    private var dirty = true

    /// Starts empty: ids already in the cache when a context turns this on (or changes `headRows`)
    /// join only when evaluated again; `ModelPair` turns it on before the draft's first evaluation.
    init(model: TransformerModel, first: Int) {
        let tensor = model.file.tensor(named: model.output.name)!
        self.first = first
        source = model.file.data(of: tensor).baseAddress!
        rowBytes = tensor.rowBytes
        type = Int32(tensor.type.rawValue)
        cols = model.config.embedding
        repack = model.output.raw.type != type  // the loader repacked the head
        storage = .allocate(byteCount: 64, alignment: 64)
        scratch = .allocate(capacity: 1)
    }

    deinit {
        storage.deallocate()
        scratch.deallocate()
        repacked?.deallocate()
    }

    /// `tokens` entered the cache at slots `position` … (a tree's rows all count from `position`:
    /// after a tree the cache keeps a path of it, whose rows move down to `position` …).
    func add(_ tokens: [TokenID], at position: Int, tree: Bool) {
        for (i, t) in tokens.enumerated() where t >= first && entered[t] == nil {
            entered[t] = tree ? position : position + i
            append(t)
        }
    }

    /// The cache keeps its first `n` slots: ids that entered after them leave.
    func truncate(to n: Int) {
        let before = entered.count
        entered = entered.filter { $0.value < n }
        guard entered.count != before else { return }
        let kept = ids.filter { entered[$0] != nil }
        ids.removeAll(keepingCapacity: true)
        for t in kept { append(t) }  // marks the copy dirty
    }

    /// The rows as a matrix for ck_matmul: (ids.count rounded up to 16, cols), the last row repeated
    /// to fill the tile. Repacked as the model's head is (rebuilt after each change), because the
    /// file-layout kernels sum in another order: the logits would differ in the last bits from the
    /// full head's (on the 0.5B's Q8_0 head, 5 of a prompt's ids differed by ~1e-7 relative).
    func matrix(pool: ComputePool) -> ck_matrix {
        let padded = (ids.count + 15) / 16 * 16
        if let built, !dirty { return built }
        reserve(padded)
        for i in ids.count..<padded { (storage + i * rowBytes).copyMemory(from: storage + (ids.count - 1) * rowBytes, byteCount: rowBytes) }
        var file = ck_matrix(type: type, data: storage, rows: Int64(padded), cols: Int64(cols), row_bytes: rowBytes)
        let bytes = repack ? ck_repacked_size(type, file.rows, file.cols) : 0
        dirty = false
        guard bytes > 0 else { built = file; return file }
        if bytes > repackedCapacity {
            repacked?.deallocate()
            repackedCapacity = max(bytes, 2 * repackedCapacity)
            repacked = .allocate(byteCount: repackedCapacity, alignment: 64)
        }
        var out = ck_matrix()
        ck_repack(pool.raw, &file, repacked, &out)
        built = out
        return out
    }

    /// Room for `n` rows of logits in `scratch`: (n, padded row count).
    func reserveScratch(rows n: Int) {
        let need = n * ((ids.count + 15) / 16 * 16)
        guard need > scratchCapacity else { return }
        scratch.deallocate()
        scratchCapacity = max(need, 2 * scratchCapacity)
        scratch = .allocate(capacity: scratchCapacity)
    }

    /// Room for `rows` rows in `storage`, growing geometrically: a long generation adds ids one at a time.
    private func reserve(_ rows: Int) {
        guard rows > capacity else { return }
        capacity = max(256, 2 * capacity, rows)
        let grown = UnsafeMutableRawPointer.allocate(byteCount: capacity * rowBytes, alignment: 64)
        grown.copyMemory(from: storage, byteCount: ids.count * rowBytes)
        storage.deallocate()
        storage = grown
    }

    private func append(_ t: TokenID) {
        reserve(ids.count + 1)
        (storage + ids.count * rowBytes).copyMemory(from: source + t * rowBytes, byteCount: rowBytes)
        ids.append(t)
        dirty = true
    }
}
