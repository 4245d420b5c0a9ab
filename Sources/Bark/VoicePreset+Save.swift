import Checkpoints
import Foundation

extension VoicePreset {
    /// Writes the preset as an `.npz` in the layout of Suno's `save_as_prompt` (which calls
    /// `np.savez` on Bark's own generation output): stored members `semantic_prompt` int64 (T,),
    /// `coarse_prompt` int64 (2, T), `fine_prompt` int32 (n, T) in that order. The dtypes are those
    /// Bark's generation functions return and its shipped v2 presets hold (fine codes are int32
    /// there); any reader, ours and numpy's, widens them. Written to a temporary file beside `url`
    /// and renamed, so a failure never leaves a partial file under `url`.
    public func save(to url: URL) throws {
        let semantic = try NumpyWriter.npyBytes(integers: semanticPrompt, shape: [semanticPrompt.count], as: .int64)
        let coarse = try NumpyWriter.npyBytes(integers: coarsePrompt.flatMap { $0 },
                                              shape: [coarsePrompt.count, coarsePrompt.first?.count ?? 0], as: .int64)
        let fine = try NumpyWriter.npyBytes(integers: finePrompt.flatMap { $0 },
                                            shape: [finePrompt.count, finePrompt.first?.count ?? 0], as: .int32)
        try NPZWriter.write([("semantic_prompt", semantic), ("coarse_prompt", coarse), ("fine_prompt", fine)], to: url)
    }
}
