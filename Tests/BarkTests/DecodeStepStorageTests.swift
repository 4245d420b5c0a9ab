import Foundation
@testable import Tensors
import Testing
@testable import Bark
import TestSupport

/// After a prefill, one-token decoding steps reuse the KV cache and workspace storage in place:
/// no buffer is reallocated or copied (a copy-on-write copy would move its base address).
@Suite struct DecodeStepStorageTests {
    private func addresses(_ w: TransformerWorkspace, _ c: KVCache) -> [UnsafeRawPointer?] {
        [w.hidden, w.normed, w.qkv, w.attention, w.mlp, w.scores, w.logits, c.keys, c.values, c.staging].map { buffer in
            buffer.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress) }
        } + [c.halfKeys, c.halfValues].map { buffer in buffer.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress) } }
    }

    @Test(arguments: KVCachePrecision.allCases)
    func decodingStepsKeepCacheAndWorkspaceStorage(precision: KVCachePrecision) throws {
        let models = try BarkModels(contentsOf: FixturePaths.fixtures.appendingPathComponent("bark-tiny-nobias"))
        let model = models.withCachePrecision(precision).coarse
        #expect(model.makeCache().precision == precision)
        var cache = model.makeCache()
        var workspace = TransformerWorkspace()
        try model.forward(tokens: Array(0..<32), cache: &cache, workspace: &workspace, lastPositionOnly: true)
        let before = addresses(workspace, cache)
        let tokens = [Int](repeating: 7, count: 1)
        for _ in 0..<16 { try model.forward(tokens: tokens, cache: &cache, workspace: &workspace, lastPositionOnly: true) }
        #expect(addresses(workspace, cache) == before)
        #expect(cache.count == 48)
        let elements = model.configuration.layers * model.configuration.blockSize * model.configuration.hiddenSize
        #expect((precision == .f32 ? cache.keys.count : cache.halfKeys.count) == elements)
    }
}
