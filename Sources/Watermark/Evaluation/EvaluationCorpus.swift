import Audio
import Foundation

/// The audio the robustness evaluation marks and attacks: speech from the Debian TTS engines
/// (espeak-ng in eight voices, flite in four) reading fixed sentences, any extra WAV files
/// (e.g. the engine's own output), and unmarked-only material: synthetic babble (speech-like
/// pulses through moving formants), white and pink noise and tone sequences. All at 24 kHz mono.
public struct EvaluationCorpus: Sendable {
    public struct Item: Sendable {
        /// Speech is marked and attacked; babble, noise and music are unmarked material only.
        public enum Kind: String, Sendable { case speech, babble, noise, music }
        public let name: String
        public let kind: Kind
        public let samples: [Float]
    }

    public let items: [Item]

    public static let sentences = [
        "The quick brown fox jumps over the lazy dog while the farmer watches from the porch.",
        "Streaming speech synthesis turns text into audio a little at a time, so the listener hears the first words quickly.",
        "In the early morning the harbour was quiet, and only the gulls called over the grey water near the lighthouse.",
        "Please remember to bring your umbrella tomorrow, because the forecast says it will rain for most of the afternoon.",
        "Scientists measured the temperature of the lake every hour for three weeks and found a surprising pattern.",
        "My grandmother kept a small garden behind the house, with tomatoes, beans and a row of sunflowers.",
        "The train to the capital leaves at seven fifteen from platform nine; tickets are sold at the counter.",
        "Could you tell me, please, whether the museum is open on Sundays and how much the entrance costs?",
        "Numbers such as three hundred and forty two, or nineteen eighty four, are read aloud in full.",
        "After the storm the village worked together for days to clear the roads and repair the roofs.",
    ]
    static let espeakVoices = ["en-us", "en-gb", "en-us+f3", "en-gb+m3", "en-us+f2", "en-gb-scotland", "en-029", "en-us+klatt"]
    static let fliteVoices = ["kal", "awb", "rms", "slt"]

    /// Synthesizes the corpus in `directory` (reused when the files are there already).
    /// - Parameters:
    ///   - extraWAVs: more speech to include (read, mixed to mono, resampled to 24 kHz).
    ///   - syntheticSeconds: seconds of each synthetic kind (babble, white noise, pink noise, tones).
    public static func build(in directory: URL, extraWAVs: [URL] = [], syntheticSeconds: Double = 300) throws -> EvaluationCorpus {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var items: [Item] = []
        for (v, voice) in espeakVoices.enumerated() {
            for (s, sentence) in sentences.enumerated() {
                let raw = directory.appendingPathComponent("espeak-\(v)-\(s).wav")
                if !FileManager.default.fileExists(atPath: raw.path) {
                    try ExternalTool.run("espeak-ng", ["-v", voice, "-w", raw.path, sentence])
                }
                items.append(Item(name: "espeak-ng \(voice) #\(s)", kind: .speech, samples: try read(raw)))
            }
        }
        if ExternalTool.find("flite") != nil {
            for voice in fliteVoices {
                for (s, sentence) in sentences.enumerated() {
                    let raw = directory.appendingPathComponent("flite-\(voice)-\(s).wav")
                    if !FileManager.default.fileExists(atPath: raw.path) {
                        try ExternalTool.run("flite", ["-voice", voice, "-t", sentence, "-o", raw.path])
                    }
                    items.append(Item(name: "flite \(voice) #\(s)", kind: .speech, samples: try read(raw)))
                }
            }
        }
        for url in extraWAVs { items.append(Item(name: url.lastPathComponent, kind: .speech, samples: try read(url))) }
        let chunk = 10.0
        for index in 0..<Int((syntheticSeconds / chunk).rounded(.up)) {
            let seed = UInt64(index + 1)
            items.append(Item(name: "babble \(index)", kind: .babble, samples: SyntheticAudio.speechLike(seconds: chunk, seed: seed)))
            items.append(Item(name: "white noise \(index)", kind: .noise, samples: SyntheticAudio.noise(seconds: chunk, seed: seed, pink: false)))
            items.append(Item(name: "pink noise \(index)", kind: .noise, samples: SyntheticAudio.noise(seconds: chunk, seed: seed, pink: true)))
            items.append(Item(name: "tones \(index)", kind: .music, samples: SyntheticAudio.tones(seconds: chunk, seed: seed)))
        }
        return EvaluationCorpus(items: items)
    }

    /// A WAV file as 24 kHz mono, peak-normalized to 0.5 (the TTS engines' levels differ widely).
    static func read(_ url: URL) throws -> [Float] {
        let audio = try WAVReader.read(url)
        let mono = AudioFileInput.mono(audio.samples, channels: audio.channels)
        let resampled = audio.sampleRate == WatermarkLayout.sampleRate ? mono
            : try StreamingResampler.resample(mono, from: Double(audio.sampleRate), to: Double(WatermarkLayout.sampleRate))
        let peak = resampled.reduce(0) { max($0, abs($1)) }
        return peak > 0 ? resampled.map { $0 * 0.5 / peak } : resampled
    }
}
