import ArgumentParser
import Bark
import OmniBark

/// `--voice` (shared by speak, live, serve).
struct VoiceOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Voice preset: a name such as v2/en_speaker_6 (from the model's speaker_embeddings) or an .npz file.", valueName: "name|path"))
    var voice: String?

    /// The preset, checked against the model (nil without --voice).
    func preset(for model: SpeechModel) throws -> VoicePreset? {
        try voice.map { try model.voice($0) }
    }
}
