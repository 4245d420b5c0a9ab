import Audio
import Foundation
import NetworkStreaming
import OmniBark
import Testing
import Watermark

/// The serve path end to end: a marked utterance goes through the Ogg Opus stream, ffmpeg records
/// it as a listener would, and the recording carries the mark. The demo model speaks noise (random
/// weights), whose fine band structure Opus keeps only at high rates, so the stream runs at
/// 128 kbit/s here; speech through serve's default 48 kbit/s is measured by `watermark eval`.
@Suite(.serialized) struct ServeWatermarkTests {
    @Test func opusStreamRecordedByFFmpegCarriesTheMark() throws {
        guard let ffmpeg = NetworkTestSupport.require("ffmpeg"), NetworkTestSupport.require("curl") != nil else { return }
        let directory = try NetworkTestSupport.temporaryDirectory("serve-watermark")
        defer { try? FileManager.default.removeItem(at: directory) }
        let modelDirectory = directory.appendingPathComponent("demo")
        try DemoModel.create(at: modelDirectory)
        let key = try WatermarkKey(bytes: (0..<32).map { UInt8($0 * 7 + 1) })
        var options = ServeOptions()
        options.engine.speech.maxSemanticTokens = 450
        options.engine.speech.watermark = WatermarkSettings(key: key, modelID: 2, session: 5)
        options.http.port = 0
        // No silence between pages when generation falls behind (a loaded machine): the recording
        // is then the utterance alone, the same whatever the load.
        options.broadcaster.fillsSilence = false
        options.broadcaster.encoder.bitrate = 128_000
        let session = try ServeSession(model: try SpeechModel(directory: modelDirectory), options: options, log: { _ in })
        let port = try session.start()
        let recorder = try NetworkTestSupport.launch(ffmpeg, ["-nostdin", "-loglevel", "error", "-i", "http://127.0.0.1:\(port)/stream.opus",
                                                              "-ar", "24000", "-ac", "1", "-c:a", "pcm_f32le", "-y", "stream.wav"],
                                                     in: directory, label: "ffmpeg")
        #expect(NetworkTestSupport.waitFor(20) { session.broadcaster.listenerCount == 1 })
        let (status, body) = try NetworkTestSupport.curl(["-H", "Content-Type: application/json", "--data-binary",
                                                          #"{"text": "Hello world, this is a longer demo of the engine.", "seed": 3}"#,
                                                          "http://127.0.0.1:\(port)/say"])
        #expect(status == 202, "\(body)")
        #expect(NetworkTestSupport.waitFor(120) { session.engine.statistics.utterances == 1 })
        Thread.sleep(forTimeInterval: 0.5)
        try session.stop()
        #expect(NetworkTestSupport.wait(recorder, timeout: 20), "ffmpeg ends with the stream")
        let recorded = try WAVReader.read(directory.appendingPathComponent("stream.wav"))
        #expect(recorded.samples.count > 24_000 * 6)
        let result = try WatermarkDetector(key: key, speeds: [1]).detect(recorded.samples, sampleRate: recorded.sampleRate)
        #expect(result.detected, "score \(result.score)")
        let other = try WatermarkDetector(key: try WatermarkKey(bytes: [UInt8](repeating: 3, count: 32)), speeds: [1]).detect(recorded.samples, sampleRate: recorded.sampleRate)
        #expect(!other.detected, "another key: score \(other.score)")
    }
}
