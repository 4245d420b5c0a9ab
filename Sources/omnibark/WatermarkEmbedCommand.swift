import ArgumentParser
import Audio
import Foundation
import Watermark

/// `omnibark watermark embed IN OUT`: marks an existing recording (24 kHz processing).
struct WatermarkEmbedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Mark an audio file with the watermark (as speak does), e.g. to test detection.",
        discussion: """
        The input (WAV, or anything ffmpeg decodes) is mixed to mono and resampled to 24 kHz, the \
        rate the mark is made at, and written as a 24 kHz WAV.
        """)

    @Argument(help: ArgumentHelp("Input audio file.", valueName: "input"))
    var input: String

    @Argument(help: ArgumentHelp("Output WAV file.", valueName: "output"))
    var output: String

    @OptionGroup var watermark: WatermarkKeyOption

    @Option(help: "Payload session number (0–255).")
    var session = 0

    @Option(name: .customLong("model-id"), help: "Payload model id (0–15).")
    var modelID = 0

    @Option(name: .customLong("sample-format"), help: "WAV sample format: s16 or f32.")
    var sampleFormat: SampleFormatArgument = .s16

    func run() throws {
        let key = try WatermarkKey.loadOrCreate(at: watermark.keyURL)
        let audio = try AudioFileInput.read(URL(fileURLWithPath: input))
        let samples = audio.sampleRate == WatermarkLayout.sampleRate ? audio.samples
            : try StreamingResampler.resample(audio.samples, from: Double(audio.sampleRate), to: Double(WatermarkLayout.sampleRate))
        let marked = WatermarkEmbedder.embed(samples, settings: WatermarkSettings(key: key, modelID: modelID, session: session))
        try WAVWriter.write(marked, sampleRate: WatermarkLayout.sampleRate, format: sampleFormat.format, toPath: output)
    }
}
