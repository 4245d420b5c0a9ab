import ArgumentParser
import Audio
import Foundation
import NetworkStreaming
import OmniBark
import Watermark

/// `omnibark watermark eval`: the robustness table of the README.
struct WatermarkEvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Measure the watermark: detection per attack, false positives, SI-SNR, embedding cost.",
        discussion: """
        Builds a speech corpus with espeak-ng (8 voices) and flite (4 voices) reading 10 sentences, \
        plus synthetic babble, noise and tones, marks the speech with a fresh random key, runs every \
        attack (ffmpeg: Opus 32/64, MP3 64, AAC 64 kbit/s; sox: resampling to 16/48 kHz, high-pass \
        1.5 kHz, low-pass 4 kHz, speed ×1.05; white noise at 20 dB SNR, gain ±6 dB, mixing at −10 dB; \
        the serve path: our Ogg Opus encoder at serve's 48 kbit/s, decoded by ffmpeg) on marked and \
        unmarked audio, and detects the mark in random 3 s excerpts. The EnCodec round trip (encode, \
        quantize to 6 kbit/s, or the codec's highest when it lacks 6, decode) uses the codec of --encodec-model \
        (e.g. models/omnibark-tiny, a trained codec at 2.7 kbit/s), by default the random-weight \
        demo model's (written to the work directory), whose result says nothing about a trained \
        codec. The default is 10,000 unmarked excerpts of unedited audio plus 200 marked and 200 \
        unmarked per attack (10–25 minutes on two shared cores). Needs espeak-ng, sox and ffmpeg \
        (flite optional). Prints a Markdown table.
        """)

    @Option(help: "Marked (and unmarked) 3 s excerpts per attack.")
    var excerpts = 200

    @Option(help: "Unmarked excerpts of unedited audio (the headline false-positive rate).")
    var unmarked = 10_000

    @Option(help: ArgumentHelp("Directory for the synthesized corpus and temporary files (default: a temporary one).", valueName: "dir"))
    var work: String?

    @Option(name: .customLong("extra-speech"), help: ArgumentHelp("More speech to mark (WAV; e.g. `omnibark speak --no-watermark` output); repeatable.", valueName: "file"))
    var extraSpeech: [String] = []

    @Option(name: .customLong("encodec-model"), help: ArgumentHelp("Bark model directory whose EnCodec (24 kHz) does the round trip (default: the random-weight demo model, written under the work directory).", valueName: "dir"))
    var encodecModel: String?

    @Option(help: "Detection threads.")
    var threads = 2

    @Option(help: "Seed for excerpt positions.")
    var seed: UInt64 = 1

    @Option(help: ArgumentHelp("Mark and detect with this key file instead of a fresh random key (e.g. to compare detector settings on the same marks).", valueName: "file"))
    var key: String?

    @Option(name: .customLong("speed-one-share"), help: ArgumentHelp("Share of the false-alarm budget given to the alignments at speed 1 (the rest goes to the 24 other speeds searched; 0.04 gives every alignment the same share, the plain union bound).", valueName: "0…1"))
    var speedOneShare = WatermarkDetector.defaultNominalSpeedShare

    func validate() throws {
        guard speedOneShare > 0, speedOneShare < 1 else { throw ValidationError("--speed-one-share must be between 0 and 1 (exclusive), got \(speedOneShare)") }
    }

    func run() throws {
        let directory = work.map { URL(fileURLWithPath: ($0 as NSString).expandingTildeInPath) }
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("omnibark-watermark-eval")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        func log(_ line: String) { FileHandle.standardError.write(Data((line + "\n").utf8)) }
        log("building the corpus in \(directory.path)")
        let corpus = try EvaluationCorpus.build(in: directory.appendingPathComponent("corpus"),
                                                extraWAVs: extraSpeech.map { URL(fileURLWithPath: $0) })
        // Other audio to mix in: unmarked speech from the other end of the corpus, and tones.
        let speech = corpus.items.filter { $0.kind == .speech }
        let interference = speech.reversed().prefix(20).flatMap(\.samples)
            + corpus.items.filter { $0.kind == .music }.prefix(6).flatMap(\.samples)
        let attacks = EvaluationAttack.standard(work: directory, interference: interference)
            + [try encodecAttack(work: directory), Self.servePath(work: directory)]
        var settings = WatermarkEvaluation.Settings()
        settings.markedExcerpts = excerpts
        settings.unmarkedExcerpts = excerpts
        settings.cleanUnmarkedExcerpts = unmarked
        settings.threads = threads
        settings.seed = seed
        settings.nominalSpeedShare = speedOneShare
        let markKey = try key.map { try WatermarkKey.load(from: URL(fileURLWithPath: ($0 as NSString).expandingTildeInPath)) } ?? WatermarkKey.random()
        let report = try WatermarkEvaluation.run(corpus: corpus, attacks: attacks, key: markKey, settings: settings, log: log)
        print(report.markdown())
    }

    /// The EnCodec round trip with `--encodec-model`'s codec, or the demo model's (created in
    /// `work/encodec-demo` when missing).
    func encodecAttack(work: URL) throws -> EvaluationAttack {
        if let encodecModel {
            let directory = URL(fileURLWithPath: (encodecModel as NSString).expandingTildeInPath)
            return try EncodecRoundTripAttack.make(codec: try SpeechModel(directory: directory).codec, codecName: directory.lastPathComponent)
        }
        let demo = work.appendingPathComponent("encodec-demo")
        if !DemoModel.isDemo(directory: demo) { try DemoModel.create(at: demo, overwrite: true) }
        return try EncodecRoundTripAttack.make(codec: try SpeechModel(directory: demo).codec, codecName: "random-weight demo codec")
    }

    /// The serve path's codec: our `OggOpusEncoder` with serve's defaults (48 kbit/s, 20 ms,
    /// application audio, 24 kHz), decoded by ffmpeg as a listener would.
    static func servePath(work: URL) -> EvaluationAttack {
        EvaluationAttack(name: "serve (Ogg Opus 48 kbit/s)", summary: "OggOpusEncoder with serve's defaults, decoded by ffmpeg") { samples in
            let encoder = try OggOpusEncoder(settings: OggOpusEncoder.Settings())
            var bytes = encoder.headerPages.flatMap(\.bytes)
            bytes += try encoder.write(samples).flatMap(\.bytes)
            bytes += try encoder.finish().flatMap(\.bytes)
            let stem = work.appendingPathComponent("serve-\(UUID().uuidString)")
            let ogg = stem.appendingPathExtension("opus")
            let wav = stem.appendingPathExtension("wav")
            defer { for url in [ogg, wav] { try? FileManager.default.removeItem(at: url) } }
            try Data(bytes).write(to: ogg)
            try ExternalTool.run("ffmpeg", ["-nostdin", "-loglevel", "error", "-y", "-i", ogg.path, "-ac", "1", "-ar", "24000",
                                            "-c:a", "pcm_f32le", wav.path])
            let decoded = try WAVReader.read(wav)
            return (decoded.samples, decoded.sampleRate)
        }
    }
}
