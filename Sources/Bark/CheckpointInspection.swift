import Checkpoints
import Foundation

/// What `omnibark inspect` reports about a model directory or checkpoint file, computed from
/// headers and indexes only (no tensor data is read).
public struct CheckpointInspection: Sendable {
    public struct StageReport: Sendable {
        public let stage: BarkStage
        public let configuration: BarkTransformerConfiguration
        /// Sum of the element counts of the stage's tensors in the file.
        public let parameterCount: Int
        /// Stored element types of the stage's tensors, with how many tensors have each.
        public let dtypes: [StoredDType: Int]
        /// Required tensors the file lacks (HF stage-local names).
        public let missing: [String]
        /// Tensors of the stage that the model does not read.
        public let unexpected: [String]
        /// Tensors whose stored shape differs from the configuration's.
        public let misshapen: [(name: String, expected: [Int], actual: [Int])]
        /// Optional tensors absent from the file (tied fine-stage heads).
        public let tied: [String]
    }

    public let url: URL
    public let layout: BarkModelSource.Layout
    /// Format and path of each file read.
    public let files: [(format: CheckpointFormat, url: URL)]
    public let stages: [StageReport]
    /// Tensors under `codec_model.` (EnCodec), counted but not checked here.
    public let codecTensorCount: Int
    public let codecParameterCount: Int
    /// Tensors that belong to no stage and not to the codec.
    public let strayTensors: [String]

    /// True when nothing is missing, unexpected, stray or mis-shaped.
    public var isComplete: Bool {
        strayTensors.isEmpty && stages.allSatisfy { $0.missing.isEmpty && $0.unexpected.isEmpty && $0.misshapen.isEmpty }
    }

    /// Inspects `url` (a directory or a Suno `.pt`; see `BarkModelSource.open`).
    public init(url: URL, variant: BarkModelSource.SunoVariant = .small) throws {
        let source = try BarkModelSource.open(url, variant: variant)
        self.url = url
        layout = source.layout
        files = source.containers.map { ($0.format, $0.url) }
        var claimed: [String: Set<String>] = [:]  // file path → stored names claimed by a stage
        var reports: [StageReport] = []
        for stage in BarkStage.allCases {
            guard let found = source.stages[stage] else { continue }
            let tensors = found.tensors
            let expected = BarkTensorLayout.expectedTensors(found.configuration)
            let expectedNames = Set(expected.map(\.name))
            var dtypes: [StoredDType: Int] = [:]
            var parameters = 0
            for (local, stored) in tensors.storedNames {
                claimed[tensors.file, default: []].insert(stored)
                guard let info = tensors.container.tensorInfos[stored] else { continue }
                dtypes[info.dtype, default: 0] += 1
                // Suno's fine files repeat tied heads; count shared weights once.
                if !(found.configuration.tiesOutputEmbeddings && local.hasPrefix("lm_heads.") && layout == .suno) {
                    parameters += info.elementCount
                }
            }
            var misshapen: [(String, [Int], [Int])] = []
            for tensor in expected {
                if let info = tensors.info(tensor.name), info.shape != tensor.shape {
                    misshapen.append((tensor.name, tensor.shape, info.shape))
                }
            }
            reports.append(StageReport(
                stage: stage, configuration: found.configuration, parameterCount: parameters, dtypes: dtypes,
                missing: expected.filter { !$0.isOptional && !tensors.contains($0.name) }.map(\.name),
                unexpected: tensors.storedNames.keys.filter { !expectedNames.contains($0) }.sorted(),
                misshapen: misshapen,
                tied: expected.filter { $0.isOptional && !tensors.contains($0.name) }.map(\.name)))
        }
        stages = reports
        var codecCount = 0, codecParameters = 0
        var stray: [String] = []
        for container in source.containers {
            let mine = claimed[container.url.path] ?? []
            for (name, info) in container.tensorInfos where !mine.contains(name) {
                if name.hasPrefix("codec_model.") {
                    codecCount += 1
                    codecParameters += info.elementCount
                } else if !SunoKeyMapping.isAttentionMaskBuffer(name) {
                    stray.append(name)
                }
            }
        }
        codecTensorCount = codecCount
        codecParameterCount = codecParameters
        strayTensors = stray.sorted()
    }
}
