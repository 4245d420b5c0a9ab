import Foundation
import Tensors

/// Coarse tokens → all EnCodec codebooks, as transformers' `BarkFineModel.generate` (Suno's
/// `generate_fine`).
///
/// Codebooks `0 ..< coarse.codebooks` come from the coarse tokens (`(t − S) mod codebookSize`), the
/// rest start at the pad value `codebookSize`. Up to `maxHistoryLength` frames of the voice's
/// `fine_prompt` are prepended; the sequence is padded to `maxInputLength` if shorter. Windows of
/// `maxInputLength` frames with hop `maxHistoryLength` predict codebooks `coarse.codebooks ..<
/// codebooks` one after another (later codebooks see earlier writes), in place. Temperature nil or
/// 1.0 means argmax (transformers' rule); any other value samples from the softmax over the
/// `codebookSize` code logits.
public enum FineGeneration {
    /// Windows the offline fine stage runs for `frames` coarse frames after `historyFrames` of history
    /// (transformers' `n_loops`).
    public static func windowCount(frames: Int, historyFrames: Int, configuration c: BarkGenerationConfiguration) -> Int {
        max(0, Int((Double(frames - (c.fine.maxInputLength - historyFrames)) / Double(c.fine.maxHistoryLength)).rounded(.up))) + 1
    }

    /// - Parameters:
    ///   - coarse: interleaved coarse tokens (`CoarseGeneration.generate`'s output).
    ///   - history: the voice's `fine_prompt` (`codebooks` rows), or nil.
    /// - Returns: `codebooks` rows of codes, one column per coarse frame.
    public static func generate(
        model: BarkFineModel, coarse: [Int], history: [[Int]]?,
        configuration c: BarkGenerationConfiguration, generator: inout SeededRandomGenerator,
        progress: GenerationProgressHandler? = nil
    ) throws -> [[Int]] {
        let nCoarse = c.coarse.codebooks, nFine = c.fine.codebooks, size = c.codebookSize
        let windowLength = c.fine.maxInputLength, hop = c.fine.maxHistoryLength
        guard model.configuration.codebooksTotal == nFine else {
            throw BarkError.invalidInput(stage: .fine, reason: "the fine model has \(model.configuration.codebooksTotal) codebooks, the generation config n_fine_codebooks is \(nFine)")
        }
        guard coarse.count % nCoarse == 0 else {
            throw BarkError.invalidInput(stage: .fine, reason: "\(coarse.count) coarse tokens do not divide into \(nCoarse) codebooks")
        }
        let frames = coarse.count / nCoarse
        if let history, history.count != nFine || Set(history.map(\.count)).count > 1 {
            throw BarkError.invalidInput(stage: .fine, reason: "the voice's fine prompt must have \(nFine) rows of equal length, got \(history.map(\.count))")
        }

        // Position-major buffer [position][codebook], as transformers' fine_input[0].
        var codes: [Int] = []
        let historyFrames = min(history?.first?.count ?? 0, hop)
        if let history {
            let first = history[0].count - historyFrames
            for t in first..<history[0].count { for k in 0..<nFine { codes.append(history[k][t]) } }
        }
        for t in 0..<frames {
            for k in 0..<nFine {
                codes.append(k < nCoarse ? PythonArithmetic.modulo(coarse[t * nCoarse + k] - c.semantic.vocabularySize, size) : size)
            }
        }
        var length = historyFrames + frames
        let removeFromEnd = max(0, windowLength - length)
        codes += [Int](repeating: size, count: removeFromEnd * nFine)
        length += removeFromEnd

        let loops = windowCount(frames: frames, historyFrames: historyFrames, configuration: c)
        let passes = loops * (nFine - nCoarse)
        var predictor = FineCodebookPredictor(model: model, configuration: c)
        var done = 0
        for outer in 0..<loops {
            let start = min(outer * hop, length - windowLength)
            let fillStart = min(historyFrames + outer * hop, length - hop)
            let relativeFill = fillStart - start
            var window = Array(codes[(start * nFine)..<((start + windowLength) * nFine)])
            try predictor.predict(&window, positions: relativeFill..<windowLength, generator: &generator) {
                done += 1
                progress?(GenerationProgress(stage: .fine, completed: done, total: passes))
            }
            for position in relativeFill..<windowLength {
                for k in nCoarse..<nFine { codes[(start + position) * nFine + k] = window[position * nFine + k] }
            }
        }
        return (0..<nFine).map { k in (historyFrames..<(historyFrames + frames)).map { codes[$0 * nFine + k] } }
    }
}
