import ArgumentParser
import OmniBark

/// `--fine-codebooks` (or a preset's `fine_codebooks`) against the loaded model: the fine stage can
/// predict from the coarse stage's codebooks up to its own count (Bark: 2…8; OmniBark-tiny: 2…4).
enum FineCodebooksCheck {
    /// Throws a `ValidationError` naming `source` and the model's range when `count` is outside it.
    static func validate(_ count: Int?, model: SpeechModel, source: String = "--fine-codebooks") throws {
        let c = model.generator.configuration
        guard let count, !(c.coarse.codebooks...c.fine.codebooks).contains(count) else { return }
        throw ValidationError("\(source) \(count): this model's fine stage has \(c.fine.codebooks) codebooks (use \(c.coarse.codebooks)…\(c.fine.codebooks))")
    }
}
