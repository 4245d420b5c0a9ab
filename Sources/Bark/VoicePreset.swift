import Checkpoints
import Foundation

/// A Bark voice preset ("history prompt"): the token history that conditions the three stages.
///
/// Port of the data handled by `_load_history_prompt` in Suno's `bark/generation.py` and of the
/// checks in transformers' `BarkProcessor._validate_voice_preset_dict`, with value-range checks added.
/// - `semanticPrompt`: semantic token ids (49.9 Hz), each in `0..<semanticVocabularySize`.
/// - `coarsePrompt`: 2 rows (EnCodec codebooks 0 and 1) × T frames at 75 Hz, each in `0..<codebookSize`.
/// - `finePrompt`: n ≥ 2 rows (8 for Bark) × T' frames, each in `0..<codebookSize`.
public struct VoicePreset: Sendable, Equatable {
    public let semanticPrompt: [Int]
    public let coarsePrompt: [[Int]]
    public let finePrompt: [[Int]]

    /// Bark's semantic vocabulary size (`SEMANTIC_VOCAB_SIZE`).
    public static let defaultSemanticVocabularySize = 10_000
    /// Bark's EnCodec codebook size (`CODEBOOK_SIZE`).
    public static let defaultCodebookSize = 1024
    /// The array names, in the order Bark's files store them.
    public static let arrayNames = ["semantic_prompt", "coarse_prompt", "fine_prompt"]

    /// Builds and validates a preset. `source` names it in errors (a file path, or any label).
    public init(semanticPrompt: [Int], coarsePrompt: [[Int]], finePrompt: [[Int]], source: String = "<memory>",
                semanticVocabularySize: Int = defaultSemanticVocabularySize,
                codebookSize: Int = defaultCodebookSize) throws {
        try Self.checkValues([semanticPrompt], file: source, array: "semantic_prompt", rowed: false, limit: semanticVocabularySize)
        try Self.checkRows(coarsePrompt, file: source, array: "coarse_prompt", exactRows: 2)
        try Self.checkValues(coarsePrompt, file: source, array: "coarse_prompt", rowed: true, limit: codebookSize)
        try Self.checkRows(finePrompt, file: source, array: "fine_prompt", exactRows: nil)
        try Self.checkValues(finePrompt, file: source, array: "fine_prompt", rowed: true, limit: codebookSize)
        guard !semanticPrompt.isEmpty else {
            throw VoicePresetError.wrongShape(file: source, array: "semantic_prompt", shape: [0], reason: "the prompt holds no tokens")
        }
        self.semanticPrompt = semanticPrompt
        self.coarsePrompt = coarsePrompt
        self.finePrompt = finePrompt
    }

    /// The largest array a preset file may hold once decompressed (Bark's are under 60 KiB; a
    /// zip bomb stops here instead of inflating gigabytes).
    public static let maxArrayBytes = 16 << 20

    /// Reads a preset from an `.npz` file holding `semantic_prompt` (T,), `coarse_prompt` (2, T)
    /// and `fine_prompt` (n, T) of any integer dtype (Bark's files mix int64, int32 and uint16).
    public init(npz url: URL, semanticVocabularySize: Int = defaultSemanticVocabularySize,
                codebookSize: Int = defaultCodebookSize) throws {
        let archive: NPZArchive
        do { archive = try NPZArchive(url: url, maxMemberBytes: Self.maxArrayBytes) } catch let error as CheckpointError {
            throw VoicePresetError.unreadable(error)
        }
        let file = url.path
        var arrays: [String: NumpyArray] = [:]
        for name in Self.arrayNames {
            guard let array = archive[name] else { throw VoicePresetError.missingArray(file: file, array: name) }
            arrays[name] = array
        }
        try self.init(arrays: arrays, files: Dictionary(uniqueKeysWithValues: Self.arrayNames.map { ($0, file) }),
                      semanticVocabularySize: semanticVocabularySize, codebookSize: codebookSize)
    }

    /// Builds a preset from the three arrays; `files[name]` names each array's file in errors.
    init(arrays: [String: NumpyArray], files: [String: String], semanticVocabularySize: Int, codebookSize: Int) throws {
        func load(_ name: String, rank: Int) throws -> (rows: [[Int]], file: String) {
            let file = files[name] ?? "<memory>"
            guard let array = arrays[name] else { throw VoicePresetError.missingArray(file: file, array: name) }
            guard !array.dtype.isFloatingPoint, array.dtype != .bool else {
                throw VoicePresetError.notIntegers(file: file, array: name, dtype: array.dtype.rawValue)
            }
            guard array.shape.count == rank else {
                throw VoicePresetError.wrongRank(file: file, array: name, expected: rank, shape: array.shape)
            }
            let values: [Int]
            do { values = try array.integers(file: file, name: name) } catch let error as CheckpointError {
                throw VoicePresetError.unreadable(error)
            }
            guard rank == 2 else { return ([values], file) }
            let width = array.shape[1]
            guard width > 0 else {
                throw VoicePresetError.wrongShape(file: file, array: name, shape: array.shape, reason: "the prompt holds no frames")
            }
            return (stride(from: 0, to: values.count, by: width).map { Array(values[$0..<($0 + width)]) }, file)
        }
        let semantic = try load("semantic_prompt", rank: 1)
        let coarse = try load("coarse_prompt", rank: 2)
        let fine = try load("fine_prompt", rank: 2)
        // Validate each array against its own file name (the HF layout keeps them in separate files).
        try Self.checkValues(semantic.rows, file: semantic.file, array: "semantic_prompt", rowed: false, limit: semanticVocabularySize)
        try Self.checkRows(coarse.rows, file: coarse.file, array: "coarse_prompt", exactRows: 2)
        try Self.checkValues(coarse.rows, file: coarse.file, array: "coarse_prompt", rowed: true, limit: codebookSize)
        try Self.checkRows(fine.rows, file: fine.file, array: "fine_prompt", exactRows: nil)
        try Self.checkValues(fine.rows, file: fine.file, array: "fine_prompt", rowed: true, limit: codebookSize)
        try self.init(semanticPrompt: semantic.rows[0], coarsePrompt: coarse.rows, finePrompt: fine.rows, source: semantic.file,
                      semanticVocabularySize: semanticVocabularySize, codebookSize: codebookSize)
    }

    /// Coarse: exactly 2 rows; fine: at least 2 rows; all rows equally long and non-empty.
    private static func checkRows(_ rows: [[Int]], file: String, array: String, exactRows: Int?) throws {
        let shape = [rows.count, rows.first?.count ?? 0]
        if let exactRows, rows.count != exactRows {
            throw VoicePresetError.wrongShape(file: file, array: array, shape: shape, reason: "expected \(exactRows) codebook rows")
        }
        if exactRows == nil, rows.count < 2 {
            throw VoicePresetError.wrongShape(file: file, array: array, shape: shape, reason: "expected at least 2 codebook rows (8 for Bark)")
        }
        guard rows.allSatisfy({ $0.count == shape[1] }) else {
            throw VoicePresetError.wrongShape(file: file, array: array, shape: shape, reason: "rows have different lengths")
        }
        guard shape[1] > 0 else {
            throw VoicePresetError.wrongShape(file: file, array: array, shape: shape, reason: "the prompt holds no frames")
        }
    }

    private static func checkValues(_ rows: [[Int]], file: String, array: String, rowed: Bool, limit: Int) throws {
        for (r, row) in rows.enumerated() {
            if let column = row.firstIndex(where: { $0 < 0 || $0 >= limit }) {
                throw VoicePresetError.valueOutOfRange(file: file, array: array, row: rowed ? r : nil, column: column,
                                                       value: row[column], limit: limit)
            }
        }
    }
}
