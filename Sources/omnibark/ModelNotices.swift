import Foundation
import OmniBark
import Synchronization

/// What a command says once about the model it loaded: that it is the random-weight demo model,
/// and each load warning (e.g. a missing generation_config.json and the defaults used instead).
enum ModelNotices {
    static func print(for speech: SpeechModel) {
        var lines = speech.warnings
        if speech.isDemo { lines.append(DemoModel.warning) }
        if let cache = speech.weightCache {
            lines += cache.notes.map { "note: " + $0 }
            if cache.outcome == .built, let file = cache.file {
                lines.append("note: wrote the pre-quantized weight cache \(file.path); later loads in this format skip quantization")
            }
        }
        for line in lines { FileHandle.standardError.write(Data((line + "\n").utf8)) }
    }

    private static let printed = Mutex<Set<String>>([])

    /// Prints `line` on standard error unless this process already printed it.
    static func printOnce(_ line: String) {
        let isNew = printed.withLock { $0.insert(line).inserted }
        if isNew { FileHandle.standardError.write(Data((line + "\n").utf8)) }
    }
}
