import Foundation
import Testing
@testable import Checkpoints
import TestSupport

@Suite struct BarkConfigurationTests {
    private func write(_ json: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("omnibark-config-\(UUID().uuidString).json")
        try Data(json.utf8).write(to: url)
        return url
    }

    private let stageJSON = #"{"num_layers": 2, "num_heads": 2, "hidden_size": 16, "block_size": 64, "input_vocab_size": 10, "output_vocab_size": 12, "bias": false}"#

    @Test func fixtureConfigurationsParse() throws {
        let c = try BarkConfiguration.load(from: FixturePaths.testsDirectory.appendingPathComponent("Fixtures/bark-tiny-bias/config.json"))
        #expect(c.semantic == BarkTransformerConfiguration(stage: .semantic, blockSize: 128, inputVocabularySize: 200, outputVocabularySize: 90,
                                                           layers: 3, heads: 3, hiddenSize: 24, bias: true))
        #expect(c.fine.codebooksTotal == 5 && c.fine.codebooksGiven == 2 && !c.fine.tiesOutputEmbeddings)
        #expect(c.codec?["codebook_size"] == .int(64))
    }

    @Test func missingFieldsTakeTransformersDefaults() throws {
        let url = try write(#"{"semantic_config": {}, "coarse_acoustics_config": {"bias": false}, "fine_acoustics_config": {}}"#)
        defer { try? FileManager.default.removeItem(at: url) }
        let c = try BarkConfiguration.load(from: url)
        #expect(c.semantic.layers == 12 && c.semantic.hiddenSize == 768 && c.semantic.blockSize == 1024 && c.semantic.bias)
        #expect(!c.coarse.bias)
        #expect(c.fine.codebooksTotal == 8 && c.fine.codebooksGiven == 1 && c.fine.tiesOutputEmbeddings)
        #expect(c.codec == nil)
    }

    @Test func badConfigurationsNameTheField() throws {
        let cases: [(String, String)] = [
            (#"{"coarse_acoustics_config": \#(stageJSON), "fine_acoustics_config": \#(stageJSON)}"#, "semantic_config"),
            (#"{"semantic_config": [], "coarse_acoustics_config": {}, "fine_acoustics_config": {}}"#, "semantic_config"),
            (#"{"semantic_config": {"num_heads": 5, "hidden_size": 16}, "coarse_acoustics_config": {}, "fine_acoustics_config": {}}"#,
             "semantic_config.hidden_size"),
            (#"{"semantic_config": {}, "coarse_acoustics_config": {"num_layers": "two"}, "fine_acoustics_config": {}}"#,
             "coarse_acoustics_config.num_layers"),
            (#"{"semantic_config": {}, "coarse_acoustics_config": {"bias": "no"}, "fine_acoustics_config": {}}"#,
             "coarse_acoustics_config.bias"),
            (#"{"semantic_config": {}, "coarse_acoustics_config": {}, "fine_acoustics_config": {"n_codes_given": 8}}"#,
             "fine_acoustics_config.n_codes_given"),
            (#"{"semantic_config": {"block_size": -1}, "coarse_acoustics_config": {}, "fine_acoustics_config": {}}"#,
             "semantic_config.block_size"),
            (#"{"semantic_config": {"input_vocab_size": 99999999999}, "coarse_acoustics_config": {}, "fine_acoustics_config": {}}"#,
             "semantic_config.input_vocab_size"),
        ]
        for (json, field) in cases {
            let url = try write(json)
            defer { try? FileManager.default.removeItem(at: url) }
            do {
                _ = try BarkConfiguration.load(from: url)
                Issue.record("expected an error for \(field)")
            } catch let CheckpointError.invalidConfiguration(file, reportedField, _) {
                #expect(file == url.path)
                #expect(reportedField == field)
            }
        }
    }

    @Test func notJSONIsMalformed() throws {
        let url = try write("{ semantic_config: ")
        defer { try? FileManager.default.removeItem(at: url) }
        #expect { try BarkConfiguration.load(from: url) } throws: { error in
            if case let CheckpointError.malformed(file, item, _, _) = error { return file == url.path && item == "JSON document" }
            return false
        }
    }

    @Test func sunoModelArguments() throws {
        let fine = try BarkConfiguration.suno(["n_layer": .int(2), "n_head": .int(2), "n_embd": .int(16), "block_size": .int(32),
                                               "bias": .bool(false), "dropout": .double(0), "vocab_size": .int(1056),
                                               "n_codes_total": .int(8), "n_codes_given": .int(1)], stage: .fine, file: "fine.pt")
        #expect(fine.inputVocabularySize == 1056 && fine.outputVocabularySize == 1056 && fine.tiesOutputEmbeddings)
        #expect(throws: CheckpointError.invalidConfiguration(file: "text.pt", field: "model_args.n_embd", reason: "missing")) {
            try BarkConfiguration.suno(["n_layer": .int(2), "n_head": .int(2), "block_size": .int(32), "input_vocab_size": .int(5),
                                        "output_vocab_size": .int(5)], stage: .semantic, file: "text.pt")
        }
    }
}

@Suite struct SunoKeyMappingTests {
    @Test(arguments: [
        ("_orig_mod.transformer.wte.weight", "input_embeds_layer.weight"),
        ("_orig_mod.transformer.wpe.weight", "position_embeds_layer.weight"),
        ("_orig_mod.transformer.h.11.ln_1.weight", "layers.11.layernorm_1.weight"),
        ("_orig_mod.transformer.h.0.ln_2.bias", "layers.0.layernorm_2.bias"),
        ("_orig_mod.transformer.h.3.attn.c_attn.weight", "layers.3.attn.att_proj.weight"),
        ("_orig_mod.transformer.h.3.attn.c_attn.bias", "layers.3.attn.att_proj.bias"),
        ("_orig_mod.transformer.h.3.attn.c_proj.weight", "layers.3.attn.out_proj.weight"),
        ("_orig_mod.transformer.h.3.mlp.c_fc.weight", "layers.3.mlp.in_proj.weight"),
        ("_orig_mod.transformer.h.3.mlp.c_proj.weight", "layers.3.mlp.out_proj.weight"),
        ("_orig_mod.transformer.ln_f.weight", "layernorm_final.weight"),
        ("_orig_mod.lm_head.weight", "lm_head.weight"),
        ("transformer.wtes.7.weight", "input_embeds_layers.7.weight"),
        ("lm_heads.6.weight", "lm_heads.6.weight"),
    ])
    func sunoNamesMapToHuggingFaceNames(suno: String, huggingFace: String) {
        #expect(SunoKeyMapping.huggingFaceName(forSunoName: suno) == huggingFace)
    }

    @Test func causalMaskBuffersAreDropped() {
        #expect(SunoKeyMapping.huggingFaceName(forSunoName: "_orig_mod.transformer.h.0.attn.bias") == nil)
        #expect(SunoKeyMapping.huggingFaceName(forSunoName: "_orig_mod.transformer.h.0.attn.masked_bias") == nil)
        #expect(SunoKeyMapping.isAttentionMaskBuffer("semantic.layers.0.attn.bias"))
        #expect(!SunoKeyMapping.isAttentionMaskBuffer("semantic.layers.0.attn.att_proj.bias"))
    }
}

@Suite struct CheckpointValueDescriptionTests {
    /// A wrong-typed field is shown as the JSON the user wrote, not as a Swift enum dump.
    @Test func valuesPrintAsTheirJSON() throws {
        let fields: [String: CheckpointValue] = ["n": .array([.int(1)]), "s": .dictionary(["a": .bool(true), "b": .null])]
        let reader = ConfigurationFieldReader(fields: fields, file: "g.json")
        #expect(throws: CheckpointError.invalidConfiguration(file: "g.json", field: "n", reason: "expected an integer, got [1]")) {
            try reader.int("n", default: 0)
        }
        #expect(CheckpointValue.dictionary(["a": .bool(true), "b": .null]).description == #"{"a": true, "b": null}"#)
        #expect(CheckpointValue.array(Array(repeating: .int(12345), count: 40)).description.count == 78)
    }
}
