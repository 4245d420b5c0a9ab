import Checkpoints

/// Why a Bark voice preset could not be found, read or accepted.
///
/// Every case names the file (a path as given) and, where it applies, the array (`semantic_prompt`,
/// `coarse_prompt`, `fine_prompt`) and the element at fault, so the message alone says what to fix.
public enum VoicePresetError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file could not be read as `.npz` / `.npy` / JSON (the underlying reader's error).
    case unreadable(CheckpointError)
    /// A required array is absent from the file or from the preset's index entry.
    case missingArray(file: String, array: String)
    /// The array holds floating-point (or otherwise non-integer) elements.
    case notIntegers(file: String, array: String, dtype: String)
    /// The array has the wrong number of dimensions.
    case wrongRank(file: String, array: String, expected: Int, shape: [Int])
    /// The array has the right rank but unusable extents (wrong codebook count, no frames…).
    case wrongShape(file: String, array: String, shape: [Int], reason: String)
    /// An element lies outside `0..<limit`; `row` is nil for the 1-D semantic prompt.
    case valueOutOfRange(file: String, array: String, row: Int?, column: Int, value: Int, limit: Int)
    /// `speaker_embeddings_path.json` is not the expected two-level dictionary of relative paths.
    case invalidIndex(file: String, key: String, reason: String)
    /// No preset of this name exists; `available` lists a few names that do (sorted), `total` all.
    case unknownPreset(name: String, searched: [String], available: [String], total: Int)

    /// What is wrong, without the file path: for messages to a remote client, which must not
    /// learn the server's paths.
    public var problem: String {
        switch self {
        case .unreadable: return "the preset's files cannot be read"
        case let .missingArray(_, array): return "the preset has no '\(array)' array"
        case let .notIntegers(_, array, dtype): return "array '\(array)' has dtype \(dtype); token ids must be integers"
        case let .wrongRank(_, array, expected, shape): return "array '\(array)' has shape \(shape); expected a \(expected)-D array"
        case let .wrongShape(_, array, shape, reason): return "array '\(array)' has shape \(shape): \(reason)"
        case let .valueOutOfRange(_, array, row, column, value, limit):
            let position = row.map { "[\($0), \(column)]" } ?? "[\(column)]"
            return "array '\(array)' element \(position) is \(value), outside 0..<\(limit)"
        case let .invalidIndex(_, key, reason): return "the speaker index entry '\(key)' is invalid: \(reason)"
        case let .unknownPreset(name, _, available, total):
            let list = available.isEmpty ? "none" : available.joined(separator: ", ") + (total > available.count ? ", … (\(total) in all)" : "")
            return "unknown voice preset '\(name)'; available: \(list)"
        }
    }

    public var description: String {
        switch self {
        case let .unreadable(error):
            return "voice preset: \(error.description)"
        case let .missingArray(file, array):
            return "\(file): voice preset has no '\(array)' array (expected semantic_prompt, coarse_prompt and fine_prompt)"
        case let .notIntegers(file, array, dtype):
            return "\(file): voice preset array '\(array)' has dtype \(dtype); token ids must be integers"
        case let .wrongRank(file, array, expected, shape):
            return "\(file): voice preset array '\(array)' has shape \(shape) (\(shape.count)-D); expected a \(expected)-D array"
        case let .wrongShape(file, array, shape, reason):
            return "\(file): voice preset array '\(array)' has shape \(shape): \(reason)"
        case let .valueOutOfRange(file, array, row, column, value, limit):
            let position = row.map { "[\($0), \(column)]" } ?? "[\(column)]"
            return "\(file): voice preset array '\(array)' element \(position) is \(value), outside 0..<\(limit)"
        case let .invalidIndex(file, key, reason):
            return "\(file): speaker embeddings index entry '\(key)': \(reason)"
        case let .unknownPreset(name, searched, available, total):
            let where_ = searched.isEmpty ? "no model directory was given" : "searched " + searched.joined(separator: ", ")
            let list = available.isEmpty ? "none found" : available.joined(separator: ", ") + (total > available.count ? ", … (\(total) in all)" : "")
            return "unknown voice preset '\(name)' (\(where_)). A voice is either a path to an existing .npz file "
                + "(semantic_prompt, coarse_prompt, fine_prompt) or a preset name such as 'v2/en_speaker_6' listed in "
                + "the model directory's speaker_embeddings_path.json or stored as speaker_embeddings/<name>.npz. Available: \(list)"
        }
    }
}
