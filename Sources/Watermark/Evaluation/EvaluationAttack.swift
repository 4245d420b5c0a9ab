import Audio
import Foundation

/// One edit applied to a whole signal before excerpts are cut from it: 24 kHz mono in, mono at
/// any rate out (the detector resamples).
public struct EvaluationAttack: Sendable {
    public let name: String
    /// What the edit does, with the tool and its settings.
    public let summary: String
    public let apply: @Sendable ([Float]) throws -> (samples: [Float], sampleRate: Int)
    /// True for the attack that changes nothing (excerpts are cut straight from the source).
    public let isIdentity: Bool

    public init(name: String, summary: String, isIdentity: Bool = false,
                apply: @escaping @Sendable ([Float]) throws -> (samples: [Float], sampleRate: Int)) {
        self.name = name
        self.summary = summary
        self.isIdentity = isIdentity
        self.apply = apply
    }

    /// The edits of issue 14, run with the real tools (ffmpeg, sox) in `work`:
    /// none, Opus 32/64 kbit/s, MP3 64, AAC 64, resampling to 16 and 48 kHz, white noise at 20 dB
    /// SNR, gain ±6 dB, high-pass 1.5 kHz, low-pass 4 kHz, speed ×1.05, and mixing at −10 dB with
    /// `interference` (other audio, repeated to length).
    public static func standard(work: URL, interference: [Float]) -> [EvaluationAttack] {
        func ffmpeg(_ name: String, _ summary: String, codec: [String], ext: String) -> EvaluationAttack {
            EvaluationAttack(name: name, summary: summary) { samples in
                try ToolRoundTrip.run(samples, work: work, ext: ext) { input, encoded, output in
                    try ExternalTool.run("ffmpeg", ["-nostdin", "-loglevel", "error", "-y", "-i", input] + codec + [encoded])
                    try ExternalTool.run("ffmpeg", ["-nostdin", "-loglevel", "error", "-y", "-i", encoded, "-ac", "1", "-c:a", "pcm_f32le", output])
                }
            }
        }
        func sox(_ name: String, _ summary: String, effect: [String], rate: Int? = nil) -> EvaluationAttack {
            EvaluationAttack(name: name, summary: summary) { samples in
                try ToolRoundTrip.run(samples, work: work, ext: "wav") { input, _, output in
                    try ExternalTool.run("sox", [input, "-e", "floating-point", "-b", "32"] + (rate.map { ["-r", "\($0)"] } ?? []) + [output] + effect)
                }
            }
        }
        return [
            EvaluationAttack(name: "none (3 s crop)", summary: "random 3 s excerpt, nothing else", isIdentity: true) { ($0, WatermarkLayout.sampleRate) },
            ffmpeg("Opus 32 kbit/s", "ffmpeg libopus -b:a 32k", codec: ["-c:a", "libopus", "-b:a", "32k"], ext: "ogg"),
            ffmpeg("Opus 64 kbit/s", "ffmpeg libopus -b:a 64k", codec: ["-c:a", "libopus", "-b:a", "64k"], ext: "ogg"),
            ffmpeg("MP3 64 kbit/s", "ffmpeg libmp3lame -b:a 64k", codec: ["-c:a", "libmp3lame", "-b:a", "64k"], ext: "mp3"),
            ffmpeg("AAC 64 kbit/s", "ffmpeg aac -b:a 64k", codec: ["-c:a", "aac", "-b:a", "64k"], ext: "m4a"),
            sox("resample 16 kHz", "sox -r 16000", effect: [], rate: 16_000),
            sox("resample 48 kHz", "sox -r 48000", effect: [], rate: 48_000),
            EvaluationAttack(name: "white noise 20 dB", summary: "Gaussian noise at 20 dB SNR (whole-signal power)") { samples in
                (Edits.addNoise(samples, snr: 20, seed: 77), WatermarkLayout.sampleRate)
            },
            EvaluationAttack(name: "gain +6 dB", summary: "×2 (clipping at ±1 is left to the float path)") { samples in
                (samples.map { $0 * 2 }, WatermarkLayout.sampleRate)
            },
            EvaluationAttack(name: "gain −6 dB", summary: "×0.5") { samples in (samples.map { $0 * 0.5 }, WatermarkLayout.sampleRate) },
            sox("high-pass 1500 Hz", "sox highpass 1500", effect: ["highpass", "1500"]),
            sox("low-pass 4 kHz", "sox lowpass 4000", effect: ["lowpass", "4000"]),
            sox("speed ×1.05", "sox speed 1.05 (tempo and pitch)", effect: ["speed", "1.05"]),
            EvaluationAttack(name: "mix −10 dB", summary: "other speech and tones added 10 dB below") { samples in
                (Edits.mix(samples, with: interference, relativeDB: -10), WatermarkLayout.sampleRate)
            },
        ]
    }
}

/// Writes a signal, runs a tool chain on it and reads the result back.
enum ToolRoundTrip {
    static func run(_ samples: [Float], work: URL, ext: String,
                    _ body: (_ input: String, _ encoded: String, _ output: String) throws -> Void) throws -> (samples: [Float], sampleRate: Int) {
        let stem = work.appendingPathComponent("attack-\(UUID().uuidString)")
        let input = stem.appendingPathExtension("in.wav")
        let encoded = stem.appendingPathExtension("enc.\(ext)")
        let output = stem.appendingPathExtension("out.wav")
        defer { for url in [input, encoded, output] { try? FileManager.default.removeItem(at: url) } }
        try WAVWriter.write(samples, sampleRate: WatermarkLayout.sampleRate, format: .f32, to: input)
        try body(input.path, encoded.path, output.path)
        let result = try WAVReader.read(output)
        return (AudioFileInput.mono(result.samples, channels: result.channels), result.sampleRate)
    }
}

/// In-process edits.
enum Edits {
    /// `samples` plus Gaussian noise whose power is `snr` dB below the signal's.
    static func addNoise(_ samples: [Float], snr: Double, seed: UInt64) -> [Float] {
        var random = SeededRandom(seed: seed)
        let power = samples.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(max(1, samples.count))
        let sigma = (power / pow(10, snr / 10)).squareRoot()
        return samples.map { x in
            let u1 = max(1e-12, random.uniform(0, 1))
            let u2 = random.uniform(0, 1)
            return x + Float(sigma * (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2))
        }
    }

    /// `samples` plus `other` (repeated to length) scaled to `relativeDB` of their power.
    static func mix(_ samples: [Float], with other: [Float], relativeDB: Double) -> [Float] {
        guard !other.isEmpty else { return samples }
        let power = samples.reduce(0.0) { $0 + Double($1) * Double($1) }
        let otherPower = (0..<samples.count).reduce(0.0) { $0 + Double(other[$1 % other.count]) * Double(other[$1 % other.count]) }
        guard otherPower > 0 else { return samples }
        let scale = Float((power / otherPower * pow(10, relativeDB / 10)).squareRoot())
        return samples.indices.map { samples[$0] + scale * other[$0 % other.count] }
    }
}
