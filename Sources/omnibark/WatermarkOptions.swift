import ArgumentParser
import Foundation
import Watermark

/// `--watermark-key FILE`: where the watermark key lives.
struct WatermarkKeyOption: ParsableArguments {
    @Option(name: .customLong("watermark-key"),
            help: ArgumentHelp("Watermark key file, created (mode 0600) on first use (default: $OMNIBARK_HOME/watermark.key, else ~/.config/omnibark/watermark.key).",
                               valueName: "file"))
    var path: String?

    var keyURL: URL { path.map { URL(fileURLWithPath: ($0 as NSString).expandingTildeInPath) } ?? WatermarkKey.defaultPath() }
}

/// The watermark options of speak, live and serve: every output is marked unless `--no-watermark`.
struct WatermarkOutputOptions: ParsableArguments {
    @OptionGroup var key: WatermarkKeyOption

    @Flag(name: .customLong("no-watermark"), help: "Do not watermark the output (it is marked by default; see `omnibark watermark`).")
    var disabled = false

    /// The settings for this run, or nil with `--no-watermark`: the key (read, or created on first
    /// use), a model id from the model directory's name (0–15) and a fresh session number (0–255).
    func settings(modelDirectory: URL?) throws -> WatermarkSettings? {
        guard !disabled else { return nil }
        let name = modelDirectory?.standardizedFileURL.lastPathComponent ?? ""
        let modelID = Int(name.utf8.reduce(UInt32(2166136261)) { ($0 ^ UInt32($1)) &* 16777619 } & 0xF)
        return WatermarkSettings(key: try WatermarkKey.loadOrCreate(at: key.keyURL), modelID: modelID, session: Int.random(in: 0...255))
    }
}
