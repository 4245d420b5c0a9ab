import ArgumentParser
import Checkpoints
import Foundation
import Watermark

/// `omnibark watermark detect FILE…`: per file, whether it carries the mark of a key.
struct WatermarkDetectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "detect",
        abstract: "Tell whether audio files carry the watermark of a key.",
        discussion: """
        Per file: detected or not, the score (normalized correlation; about N(0,1) on unmarked audio at \
        any one alignment), the false-alarm probability (chance that unmarked audio scores as high \
        over the whole search), the payload (key id, model id, session) when its CRC checks, the \
        speed factor found and the seconds that carry the mark. WAV is read directly; other formats \
        (Ogg Opus, MP3, AAC…) are decoded with ffmpeg. Exit status: 0 when every file was read \
        (marked or not), 1 when one could not be.
        """)

    @Argument(help: ArgumentHelp("Audio files.", valueName: "file"))
    var files: [String]

    @Option(help: ArgumentHelp("Key file (default: $OMNIBARK_HOME/watermark.key, else ~/.config/omnibark/watermark.key).", valueName: "file"))
    var key: String?

    @Flag(help: "One JSON object per file and line: file, detected, score, false_alarm_probability, payload, …")
    var json = false

    @Option(help: "Largest false-alarm probability reported as detected.")
    var threshold = WatermarkDetector.defaultThreshold

    @Option(name: .customLong("speed-one-share"), help: ArgumentHelp("Share of the false-alarm budget given to the alignments at speed 1 (the rest goes to the 24 other speeds searched; 0.04 gives every alignment the same share, the plain union bound).", valueName: "0…1"))
    var speedOneShare = WatermarkDetector.defaultNominalSpeedShare

    func validate() throws {
        guard speedOneShare > 0, speedOneShare < 1 else { throw ValidationError("--speed-one-share must be between 0 and 1 (exclusive), got \(speedOneShare)") }
    }

    func run() throws {
        let keyURL = key.map { URL(fileURLWithPath: ($0 as NSString).expandingTildeInPath) } ?? WatermarkKey.defaultPath()
        let detector = WatermarkDetector(key: try WatermarkKey.load(from: keyURL), threshold: threshold, nominalSpeedShare: speedOneShare)
        var failed = false
        for file in files {
            do {
                let audio = try AudioFileInput.read(URL(fileURLWithPath: file))
                let result = try detector.detect(audio.samples, sampleRate: audio.sampleRate)
                print(json ? jsonLine(file: file, result) : textLine(file: file, result))
            } catch {
                failed = true
                let message = ErrorMessage.describe(error)
                if json {
                    print(Self.encode(["file": file, "error": message]))
                } else {
                    FileHandle.standardError.write(Data("omnibark: \(message)\n".utf8))
                }
            }
        }
        if failed { throw ExitCode(1) }
    }

    private func textLine(file: String, _ result: WatermarkDetection) -> String {
        var line = "\(file): \(result.detected ? "marked" : "not marked") (score \(String(format: "%.1f", result.score)), "
            + "false-alarm probability \(String(format: "%.1e", result.falseAlarmProbability)))"
        if let payload = result.payload { line += ", payload \(payload)" }
        if result.detected {
            if abs(result.speed - 1) > 1e-9 { line += String(format: ", speed ×%.3f", result.speed) }
            line += ", marked seconds: \(Self.ranges(result.markedSeconds))"
        }
        return line
    }

    private func jsonLine(file: String, _ result: WatermarkDetection) -> String {
        let payload: Any = result.payload.map { payload -> [String: Any] in
            ["value": payload.value, "hex": String(format: "0x%04x", payload.value), "key_id": payload.keyID,
             "model_id": payload.modelID, "session": payload.session]
        } ?? NSNull()
        let object: [String: Any] = [
            "file": file, "detected": result.detected, "score": result.score,
            "false_alarm_probability": result.falseAlarmProbability, "payload": payload, "speed": result.speed,
            "marked_seconds": result.markedSeconds,
            "second_scores": result.secondScores.map { score -> Any in score.map { ($0 * 100).rounded() / 100 } ?? NSNull() },
        ]
        return Self.encode(object)
    }

    static func encode(_ object: [String: Any]) -> String {
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }

    /// "0–4, 6, 9–12" (seconds from the start).
    static func ranges(_ seconds: [Int]) -> String {
        guard !seconds.isEmpty else { return "none" }
        var parts: [String] = []
        var start = seconds[0]
        var end = start
        for second in seconds.dropFirst() {
            if second == end + 1 { end = second; continue }
            parts.append(start == end ? "\(start)" : "\(start)–\(end)")
            start = second
            end = second
        }
        parts.append(start == end ? "\(start)" : "\(start)–\(end)")
        return parts.joined(separator: ", ") + " s"
    }
}
