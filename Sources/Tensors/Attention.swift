import CKernels

/// Multi-head scaled dot-product self-attention over the fused `q|k|v` projection that GPT-style
/// models (Bark's `att_proj`) produce: row `t` of `qkv` is `[q (hidden) | k (hidden) | v (hidden)]`,
/// with head `h` occupying columns `h·headDim ..< (h+1)·headDim` of each part.
///
/// Scores are scaled by `1/√headDim`; causal attention lets query `i` (absolute position
/// `past + i`) see keys `0 … past + i`, i.e. the mask is aligned bottom-right as in Bark and
/// transformers. Masked scores get zero weight (the reference fills them with the most negative
/// float, which softmax turns into exactly zero).
///
/// Threading: none of these functions allocate; scratch space is passed in. Concurrent calls with
/// distinct scratch/output/cache are safe.
public enum Attention {
    /// Scratch floats needed by `selfAttention`/`cachedSelfAttention` for `rows` queries over
    /// `keys` keys with `heads` heads (one head's scores at a time, or every head's for one query).
    public static func scratchCount(rows: Int, keys: Int, heads: Int = 1) -> Int { max(rows, heads) * keys }

    /// Non-cached self-attention of `rows` tokens over themselves.
    ///
    /// - Parameters:
    ///   - qkv: `[rows, 3·hidden]`.
    ///   - output: receives `[rows, hidden]` (heads merged back side by side).
    ///   - scratch: at least `scratchCount(rows: rows, keys: rows)` floats.
    public static func selfAttention(
        qkv: [Float], rows: Int, hidden: Int, heads: Int, causal: Bool,
        scratch: inout [Float], output: inout [Float]
    ) {
        precondition(hidden % heads == 0, "hidden \(hidden) not divisible by heads \(heads)")
        precondition(qkv.count >= rows * 3 * hidden && output.count >= rows * hidden
                     && scratch.count >= scratchCount(rows: rows, keys: rows), "selfAttention: arrays too small")
        qkv.withUnsafeBufferPointer { q in
            scratch.withUnsafeMutableBufferPointer { s in
                output.withUnsafeMutableBufferPointer { o in
                    guard let qp = q.baseAddress, let sp = s.baseAddress, let op = o.baseAddress else { return }
                    attend(queries: qp, queryStride: 3 * hidden,
                           keys: qp + hidden, values: qp + 2 * hidden, keyStride: 3 * hidden, keyHeadStride: hidden / heads,
                           rows: rows, keyCount: rows, past: 0, hidden: hidden, heads: heads,
                           causal: causal, scores: sp, output: op)
                }
            }
        }
    }

    /// Causal self-attention of `rows` new tokens that first appends their keys and values to
    /// `cache` (layer `layer`) at positions `cache.count …`, then attends over every cached
    /// position. The caller advances `cache.count` once all layers are done (see
    /// `KVCache.advance(by:)`).
    ///
    /// - Parameters:
    ///   - qkv: `[rows, 3·hidden]`.
    ///   - output: receives `[rows, hidden]`.
    ///   - scratch: at least `scratchCount(rows: rows, keys: cache.count + rows, heads: heads)` floats.
    ///   - path: the kernels for one query row (decoding), which runs every head on
    ///     `ThreadPool.shared` instead of two BLAS calls per head.
    /// - Precondition: `cache.count + rows ≤ cache.capacity`.
    public static func cachedSelfAttention(
        qkv: [Float], rows: Int, heads: Int, cache: inout KVCache, layer: Int,
        scratch: inout [Float], output: inout [Float], path: KernelPath = .active
    ) {
        let hidden = cache.hidden
        let past = cache.count
        precondition(hidden % heads == 0, "hidden \(hidden) not divisible by heads \(heads)")
        precondition(layer >= 0 && layer < cache.layers, "layer \(layer) outside cache")
        precondition(past + rows <= cache.capacity, "KV cache full: \(past) + \(rows) > \(cache.capacity)")
        precondition(qkv.count >= rows * 3 * hidden && output.count >= rows * hidden
                     && scratch.count >= scratchCount(rows: rows, keys: past + rows, heads: heads), "cachedSelfAttention: arrays too small")
        if cache.precision == .f16 {
            cachedHalfSelfAttention(qkv: qkv, rows: rows, heads: heads, cache: &cache, layer: layer,
                                    scratch: &scratch, output: &output, path: path)
            return
        }
        let layerBase = layer * cache.capacity * hidden
        qkv.withUnsafeBufferPointer { q in
            cache.keys.withUnsafeMutableBufferPointer { kc in
                cache.values.withUnsafeMutableBufferPointer { vc in
                    scratch.withUnsafeMutableBufferPointer { s in
                        output.withUnsafeMutableBufferPointer { o in
                            guard let qp = q.baseAddress, let kp = kc.baseAddress, let vp = vc.baseAddress,
                                  let sp = s.baseAddress, let op = o.baseAddress else { return }
                            // Head-major within the layer (see KVCache): each head's keys are one
                            // contiguous run of positions.
                            let headDim = hidden / heads, headStride = cache.capacity * headDim
                            for r in 0..<rows {
                                let source = qp + r * 3 * hidden
                                for h in 0..<heads {
                                    let dst = layerBase + h * headStride + (past + r) * headDim
                                    (kp + dst).update(from: source + hidden + h * headDim, count: headDim)
                                    (vp + dst).update(from: source + 2 * hidden + h * headDim, count: headDim)
                                }
                            }
                            if rows == 1 {
                                // Decoding: one query, all heads on the pool, no BLAS call per head.
                                ck_attend_one(path.code, ThreadPool.shared.handle, qp, kp + layerBase, vp + layerBase,
                                              Int32(headDim), headStride, Int32(past + 1), Int32(hidden), Int32(heads),
                                              1 / Float(headDim).squareRoot(), sp, op)
                            } else {
                                attend(queries: qp, queryStride: 3 * hidden,
                                       keys: kp + layerBase, values: vp + layerBase, keyStride: headDim, keyHeadStride: headStride,
                                       rows: rows, keyCount: past + rows, past: past, hidden: hidden, heads: heads,
                                       causal: true, scores: sp, output: op)
                            }
                        }
                    }
                }
            }
        }
    }

    /// `cachedSelfAttention` on an f16 cache: the new keys and values are rounded to binary16 as
    /// they are appended; a decoding step reads them through the f16 kernel, a pass of several
    /// rows widens the layer's positions into `cache.staging` and attends there, so every query
    /// sees the same rounded keys whichever way it was computed.
    private static func cachedHalfSelfAttention(
        qkv: [Float], rows: Int, heads: Int, cache: inout KVCache, layer: Int,
        scratch: inout [Float], output: inout [Float], path: KernelPath
    ) {
        let hidden = cache.hidden, past = cache.count
        let headDim = hidden / heads, headStride = cache.capacity * headDim
        let layerBase = layer * cache.capacity * hidden
        qkv.withUnsafeBufferPointer { q in
            cache.halfKeys.withUnsafeMutableBufferPointer { kc in
                cache.halfValues.withUnsafeMutableBufferPointer { vc in
                    cache.staging.withUnsafeMutableBufferPointer { st in
                        scratch.withUnsafeMutableBufferPointer { s in
                            output.withUnsafeMutableBufferPointer { o in
                                guard let qp = q.baseAddress, let kp = kc.baseAddress, let vp = vc.baseAddress,
                                      let sp = s.baseAddress, let op = o.baseAddress else { return }
                                for r in 0..<rows {
                                    let source = qp + r * 3 * hidden
                                    for h in 0..<heads {
                                        let dst = layerBase + h * headStride + (past + r) * headDim
                                        ck_f32_to_f16(path.code, source + hidden + h * headDim, kp + dst, headDim)
                                        ck_f32_to_f16(path.code, source + 2 * hidden + h * headDim, vp + dst, headDim)
                                    }
                                }
                                if rows == 1 {
                                    ck_attend_one_f16(path.code, ThreadPool.shared.handle, qp, kp + layerBase, vp + layerBase,
                                                      Int32(headDim), headStride, Int32(past + 1), Int32(hidden), Int32(heads),
                                                      1 / Float(headDim).squareRoot(), sp, op)
                                    return
                                }
                                guard let stp = st.baseAddress else { return }
                                let valuesBase = cache.capacity * hidden, run = (past + rows) * headDim
                                for h in 0..<heads {
                                    ck_f16_to_f32(path.code, kp + layerBase + h * headStride, stp + h * headStride, run)
                                    ck_f16_to_f32(path.code, vp + layerBase + h * headStride, stp + valuesBase + h * headStride, run)
                                }
                                attend(queries: qp, queryStride: 3 * hidden,
                                       keys: stp, values: stp + valuesBase, keyStride: headDim, keyHeadStride: headStride,
                                       rows: rows, keyCount: past + rows, past: past, hidden: hidden, heads: heads,
                                       causal: true, scores: sp, output: op)
                            }
                        }
                    }
                }
            }
        }
    }

    /// The shared kernel: for each head, `scores = Q·Kᵀ/√d` (GEMM), masked softmax, `out = P·V` (GEMM).
    /// Head `h`'s keys and values start `h · keyHeadStride` floats after `keys`/`values`, one
    /// position every `keyStride` floats.
    private static func attend(
        queries: UnsafePointer<Float>, queryStride: Int,
        keys: UnsafePointer<Float>, values: UnsafePointer<Float>, keyStride: Int, keyHeadStride: Int,
        rows: Int, keyCount: Int, past: Int, hidden: Int, heads: Int, causal: Bool,
        scores: UnsafeMutablePointer<Float>, output: UnsafeMutablePointer<Float>
    ) {
        let headDim = hidden / heads
        let scale = 1 / Float(headDim).squareRoot()
        for h in 0..<heads {
            let offset = h * headDim
            MatrixMultiply.multiplyTransposed(queries + offset, lda: queryStride, keys + h * keyHeadStride, ldb: keyStride,
                                              into: scores, ldc: keyCount, m: rows, n: keyCount, k: headDim,
                                              alpha: scale, beta: 0)
            Elementwise.softmaxRows(scores, rows: rows, width: keyCount, stride: keyCount, causalPast: causal ? past : nil)
            MatrixMultiply.multiply(scores, lda: keyCount, values + h * keyHeadStride, ldb: keyStride,
                                    into: output + offset, ldc: hidden, m: rows, n: headDim, k: keyCount, alpha: 1)
        }
    }
}

extension KVCache {
    /// Marks `rows` more positions as stored, after every layer has appended them with
    /// `Attention.cachedSelfAttention`.
    public mutating func advance(by rows: Int) {
        precondition(rows >= 0 && count + rows <= capacity, "KVCache.advance(by: \(rows)) past capacity")
        count += rows
    }
}
