import CKernels

extension InferenceContext {
    /// Evaluates `tokens` after the cached prefix and computes the logits of `rows` (batch indices).
    ///
    /// - Without `parents` the tokens are a chain: token i sits at position length + i and sees the
    ///   prefix and tokens 0 … i. Chains longer than `maxBatch` are evaluated in pieces.
    /// - With `parents` they are a tree in topological order: `parents[i]` is the batch index of token
    ///   i's parent, or −1 for a child of the prefix's last token. Token i sits at position
    ///   length + depth(i) and sees the prefix, its ancestors and itself.
    ///
    /// - With `extendingTree` the tokens continue the tree of the previous tree evaluations (nothing
    ///   else evaluated or truncated since): `parents[i]` indexes the whole tree, earlier rows first,
    ///   so a tree grows level by level without evaluating its upper levels again.
    ///
    /// Every row's arithmetic depends only on what it sees, in slot order, so a node's logits are
    /// bitwise those of its root-to-node path evaluated as a chain, or one token at a time.
    public func evaluate(_ tokens: [TokenID], parents: [Int]? = nil, extendingTree: Bool = false, logitsFor rows: [Int],
                         options: ForwardOptions = ForwardOptions()) throws(InferenceError) {
        let c = model.config, n = tokens.count
        for t in tokens where t < 0 || t >= c.vocabulary { throw .invalidToken(t, vocabulary: c.vocabulary) }
        for r in rows where r < 0 || r >= n { throw .invalidRow(r, batch: n) }
        for r in options.captureRows where r < 0 || r >= n { throw .invalidRow(r, batch: n) }
        guard cache.length + n <= capacity else { throw .contextFull(needed: cache.length + n, capacity: capacity) }
        // Scratch arrays keep their capacity between calls: decoding allocates nothing per token here.
        depthScratch.removeAll(keepingCapacity: true)
        let earlier = extendingTree ? treeParents.count : 0   // tree rows already in the cache
        if let parents {
            guard parents.count == n else { throw .invalidTree("\(parents.count) parents for \(n) tokens") }
            guard n <= maxBatch else { throw .batchTooLarge(n, maximum: maxBatch) }
            guard !extendingTree || cache.length == treeBase + earlier else { throw .invalidTree("there is no tree to extend") }
            for (i, p) in parents.enumerated() {
                guard p >= -1, p < earlier + i else { throw .invalidTree("token \(i) has parent \(p); parents must come earlier in the tree") }
                depthScratch.append(p < 0 ? 0 : p < earlier ? treeDepths[p] + 1 : depthScratch[p - earlier] + 1)
            }
        } else {
            guard !extendingTree else { throw .invalidTree("a chain cannot extend a tree") }
            for i in 0..<n { depthScratch.append(i) }
        }
        if logitsCapacity < rows.count {
            logitsBuffer.deallocate()
            logitsCapacity = max(rows.count, 2 * logitsCapacity)
            logitsBuffer = .allocate(capacity: logitsCapacity * c.vocabulary)
        }
        logitSlots.removeAll(keepingCapacity: true)
        for _ in rows { logitSlots.append(0) }
        if !options.captureRows.isEmpty || !capturedHidden.isEmpty {
            capturedHidden = options.captureRows.isEmpty ? [] : Array(repeating: [], count: min(options.blockLimit ?? c.blocks, c.blocks))
        }
        // The tree this evaluation starts or extends; a chain ends any tree.
        if !extendingTree {
            treeBase = cache.length
            treeParents.removeAll(keepingCapacity: true)
            treeDepths.removeAll(keepingCapacity: true)
        }
        if let parents {
            treeParents += parents
            treeDepths += depthScratch
        }
        if headIncludesContext, let h = headRows, h < c.vocabulary {
            if contextHead == nil { contextHead = ContextHeadRows(model: model, first: h) }
            // A tree's rows all count from the batch's first slot: its drafted ids are already in a
            // draft's subset, and the path it keeps stays inside the cache.
            contextHead!.add(tokens, at: cache.length, tree: parents != nil)
        }
        let base = cache.length
        var nextSlot = 0
        var start = 0
        while start < n {
            let end = parents == nil ? min(n, start + maxBatch) : n
            let produced = forwardChunk(tokens: tokens, range: start..<end, tree: parents != nil, batchBase: base,
                                        rows: rows, firstSlot: nextSlot, captureRows: options.captureRows,
                                        blockLimit: min(options.blockLimit ?? c.blocks, c.blocks))
            nextSlot += produced
            start = end
        }
        lastBatchSize = parents == nil ? n : treeParents.count
    }

    /// One forward pass over at most `maxBatch` tokens; see `evaluate`.
    /// Returns how many logit rows it wrote (the requested rows inside `range`).
    private func forwardChunk(tokens: [TokenID], range: Range<Int>, tree: Bool, batchBase: Int,
                              rows: [Int], firstSlot: Int, captureRows: [Int], blockLimit: Int) -> Int {
        let c = model.config, b = buffers, n = range.count, past = cache.length, seen = past + n, first = range.lowerBound
        let E = c.embedding, F = c.feedForward, Q = c.qDim, KV = c.kvDim, R = c.ropeDimensions

        // Visibility: mask row i spans slots 0 ..< past + n.
        for i in 0..<n {
            let row = b.mask + i * seen
            if tree {  // the prefix, then the ancestors and the token itself (tree row t sits at slot treeBase + t)
                row.update(repeating: 1, count: treeBase)
                (row + treeBase).update(repeating: 0, count: seen - treeBase)
                var t = treeParents.count - n + i
                while t >= 0 {
                    row[treeBase + t] = 1
                    t = treeParents[t]
                }
            } else {  // a chain: everything up to and including the token
                row.update(repeating: 1, count: past + i + 1)
                (row + past + i + 1).update(repeating: 0, count: n - i - 1)
            }
        }

        // Token embeddings (Gemma scales them by √n_embd) and rotary angles.
        for i in 0..<n {
            let x = b.x + i * E
            ck_dequantize_row(model.tokenEmbedding.raw.type, model.tokenEmbedding.row(tokens[first + i]), x, Int64(E))
            if c.embeddingScale != 1 { for j in 0..<E { x[j] *= c.embeddingScale } }
            let position = tree ? treeBase + depthScratch[i] : batchBase + depthScratch[first + i]
            ck_rope_angles(Int64(position), Int32(R), c.ropeBase, nil, b.rope + i * R)
            if let window = c.slidingWindow {
                ck_rope_angles(Int64(position), Int32(R), c.localRopeBase, nil, b.localRope + i * R)
                slideWindow(row: i, position: position, window: window, tree: tree, seen: seen)
            }
        }

        for l in 0..<blockLimit {
            let w = model.blocks[l]
            let local = c.isLocal(block: l)
            let rope = local ? b.localRope : b.rope, mask = local ? b.localMask : b.mask
            // Attention: x += post(Wo · attention(rope(qn(Wq·h + bq)), rope(kn(Wk·h + bk)), Wv·h + bv)), h = rmsnorm(x)
            // (qn, kn: Gemma's per-head norms; post: Gemma's output norm; identities elsewhere)
            ck_rmsnorm_rows(pool.raw, b.x, w.attentionNorm, b.xb, Int64(n), Int64(E), c.rmsEpsilon)
            matmuls((w.wq, b.q, w.bq), (w.wk, b.k, w.bk), (w.wv, b.v, w.bv), x: b.xb, n: n)
            if let qNorm = w.qNorm, let kNorm = w.kNorm {
                for h in 0..<(n * c.heads) { ck_rmsnorm(b.q + h * c.headDim, qNorm, b.q + h * c.headDim, Int64(c.headDim), c.rmsEpsilon) }
                for h in 0..<(n * c.kvHeads) { ck_rmsnorm(b.k + h * c.headDim, kNorm, b.k + h * c.headDim, Int64(c.headDim), c.rmsEpsilon) }
            }
            for i in 0..<n {
                ck_rope_apply(b.q + i * Q, Int32(c.heads), Int32(c.headDim), Int32(R), rope + i * R, c.neoxRope ? 1 : 0)
                ck_rope_apply(b.k + i * KV, Int32(c.kvHeads), Int32(c.headDim), Int32(R), rope + i * R, c.neoxRope ? 1 : 0)
            }
            (cache.keys[l] + past * KV).update(from: b.k, count: n * KV)
            (cache.values[l] + past * KV).update(from: b.v, count: n * KV)
            ck_attention(pool.raw, b.q, cache.keys[l], cache.values[l], mask, Int32(n), Int32(seen),
                         Int32(c.heads), Int32(c.kvHeads), Int32(c.headDim), c.attentionScale, b.attention)
            matmul(w.wo, b.attention, n, b.proj)
            if let post = w.postAttentionNorm { for i in 0..<n { ck_rmsnorm(b.proj + i * E, post, b.proj + i * E, Int64(E), c.rmsEpsilon) } }
            add(b.proj, into: b.x, count: n * E)

            // Feed-forward: x += post(W_down · (act(W_gate·h) ⊙ W_up·h)), h = rmsnorm(x); act = silu, or gelu for Gemma
            ck_rmsnorm_rows(pool.raw, b.x, w.ffnNorm, b.xb, Int64(n), Int64(E), c.rmsEpsilon)
            matmuls((w.wGate, b.gate, nil), (w.wUp, b.up, nil), x: b.xb, n: n)
            if c.geluGate { ck_geglu(b.gate, b.up, b.gate, Int64(n * F)) } else { ck_swiglu_pool(pool.raw, b.gate, b.up, b.gate, Int64(n * F)) }
            matmul(w.wDown, b.gate, n, b.proj)
            if let post = w.postFFNNorm { for i in 0..<n { ck_rmsnorm(b.proj + i * E, post, b.proj + i * E, Int64(E), c.rmsEpsilon) } }
            add(b.proj, into: b.x, count: n * E)

            for r in captureRows where range.contains(r) {
                capturedHidden[l].append(Array(UnsafeBufferPointer(start: b.x + (r - first) * E, count: E)))
            }
        }
        cache.length = seen

        // Logits of the requested rows: final norm, then the LM head over the gathered rows.
        var outputs = 0
        for (k, r) in rows.enumerated() where range.contains(r) {
            ck_rmsnorm(b.x + (r - first) * E, model.outputNorm, b.xb + outputs * E, Int64(E), c.rmsEpsilon)
            logitSlots[k] = firstSlot + outputs
            outputs += 1
        }
        if outputs > 0 { head(b.xb, outputs, logitsBuffer + firstSlot * c.vocabulary) }
        return outputs
    }

    /// The sliding-window mask of batch row `i` at `position`: its row of the causal/tree mask, less
    /// every slot whose position is `window` or more before it (llama.cpp's LLAMA_SWA_TYPE_STANDARD:
    /// a query sees itself and the window − 1 tokens before it). Prefix slots sit at their own
    /// position; tree slot treeBase + t at treeBase + depth(t).
    private func slideWindow(row i: Int, position: Int, window: Int, tree: Bool, seen: Int) {
        let b = buffers, global = b.mask + i * seen, local = b.localMask + i * seen
        local.update(from: global, count: seen)
        let prefix = tree ? treeBase : seen
        let cut = min(prefix, max(0, position - window + 1))
        local.update(repeating: 0, count: cut)
        if tree {
            for s in treeBase..<seen where position - (treeBase + treeDepths[s - treeBase]) >= window { local[s] = 0 }
        }
    }

    /// logits (n, vocab) = LM head · x (n, n_embd), over the first `headRows` rows when set.
    private func head(_ x: UnsafePointer<Float>, _ n: Int, _ logits: UnsafeMutablePointer<Float>) {
        let v = model.config.vocabulary
        guard let h = headRows, h < v else { return matmul(model.output, x, n, logits) }
        var sub = model.output.raw
        sub.rows = Int64(h)
        ck_matmul(pool.raw, &sub, x, Int64(n), logits, arithmetic.raw, buffers.qbuf)
        // The product packed the rows with stride h; spread them to stride vocab, last row first (no
        // row's destination overlaps a row still to move), and mask the rest of each row.
        for k in stride(from: n - 1, through: 0, by: -1) {
            if k > 0 { (logits + k * v).update(from: logits + k * h, count: h) }
            (logits + k * v + h).update(repeating: -.infinity, count: v - h)
        }
        // Then the context's ids past the first h: their own rows, one product, spread to their places.
        guard headIncludesContext, let extra = contextHead, !extra.ids.isEmpty else { return }
        extra.reserveScratch(rows: n)
        var rows = extra.matrix(pool: pool)
        let e = Int(rows.rows)  // padded to whole tiles; the padding rows' logits are dropped
        ck_matmul(pool.raw, &rows, x, Int64(n), extra.scratch, arithmetic.raw, buffers.qbuf)
        for k in 0..<n {
            for (i, id) in extra.ids.enumerated() { logits[k * v + id] = extra.scratch[k * e + i] }
        }
    }

    /// The final norm and the LM head applied to one residual-stream vector (the logit lens), with
    /// the arithmetic of a real forward pass: after the last block this is the model's own output.
    /// `hidden`: (n_embd); returns (vocab) logits.
    public func headLogits(_ hidden: [Float]) -> [Float] {
        let c = model.config
        precondition(hidden.count == c.embedding, "a hidden state has \(c.embedding) components")
        var out = [Float](repeating: 0, count: c.vocabulary)
        hidden.withUnsafeBufferPointer { h in
            ck_rmsnorm(h.baseAddress!, model.outputNorm, buffers.xb, Int64(c.embedding), c.rmsEpsilon)
        }
        out.withUnsafeMutableBufferPointer { head(buffers.xb, 1, $0.baseAddress!) }
        return out
    }

    /// y (n, w.rows) = x (n, w.cols) · Wᵀ. (Biased products share their input: see `matmuls`.)
    private func matmul(_ w: WeightMatrix, _ x: UnsafePointer<Float>, _ n: Int, _ y: UnsafeMutablePointer<Float>) {
        var raw = w.raw
        ck_matmul(pool.raw, &raw, x, Int64(n), y, arithmetic.raw, buffers.qbuf)
    }

    /// y (n, w.rows) = x (n, cols) · Wᵀ (+ bias per row) for each product, all of the same input `x`,
    /// in one pool run (one quantization of x, one barrier); each y bitwise what `matmul` gives.
    private func matmuls(_ products: (w: WeightMatrix, y: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>?)...,
                         x: UnsafePointer<Float>, n: Int) {
        withUnsafeTemporaryAllocation(of: ck_matrix.self, capacity: products.count) { raws in
            withUnsafeTemporaryAllocation(of: UnsafePointer<ck_matrix>?.self, capacity: products.count) { ws in
                withUnsafeTemporaryAllocation(of: UnsafeMutablePointer<Float>?.self, capacity: products.count) { ys in
                    for (m, p) in products.enumerated() {
                        raws[m] = p.w.raw
                        ws[m] = UnsafePointer(raws.baseAddress! + m)
                        ys[m] = p.y
                    }
                    ck_matmul_many(pool.raw, ws.baseAddress!, Int32(products.count), x, Int64(n), ys.baseAddress!, arithmetic.raw, buffers.qbuf)
                }
            }
        }
        for p in products {
            guard let bias = p.bias else { continue }
            for i in 0..<n {
                let row = p.y + i * p.w.rows
                for j in 0..<p.w.rows { row[j] += bias[j] }
            }
        }
    }

    private func add(_ a: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { y[i] += a[i] }
    }
}
