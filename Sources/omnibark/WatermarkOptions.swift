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

    /// The key for this run (read, or created on first use), or nil with `--no-watermark`. Called
    /// before the model loads, so a bad key path fails early.
    func loadKey() throws -> WatermarkKey? {
        disabled ? nil : try WatermarkKey.loadOrCreate(at: key.keyURL)
    }

    /// The payload settings: the key's id, a model id from the model directory's name (0–15) and
    /// the session from the run's seed (its low 8 bits), so equal seeds still give equal audio.
    static func settings(key: WatermarkKey?, modelDirectory: URL, seed: UInt64) -> WatermarkSettings? {
        guard let key else { return nil }
        let name = modelDirectory.standardizedFileURL.lastPathComponent
        let modelID = Int(name.utf8.reduce(UInt32(2_166_136_261)) { ($0 ^ UInt32($1)) &* 16_777_619 } & 0xF)
        return WatermarkSettings(key: key, modelID: modelID, session: Int(seed & 0xFF))
    }
}
