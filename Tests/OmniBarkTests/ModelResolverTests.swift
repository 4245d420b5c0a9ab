import Foundation
import Testing
@testable import OmniBark
import TestSupport

/// `ModelResolver` says what is at the path and what is missing, not just "no Bark model found".
@Suite struct ModelResolverTests {
    @Test func directoryWithoutConfigListsWhatIsThereAndWhatIsMissing() throws {
        let folder = try FixturePaths.temporaryDirectory("resolve-partial")
        defer { try? FileManager.default.removeItem(at: folder) }
        for name in ["model.safetensors", "vocab.txt", ".hidden.incomplete"] { try Data().write(to: folder.appendingPathComponent(name)) }
        let error = #expect(throws: ModelResolutionError.self) { try ModelResolver.resolve(explicit: folder.path) }
        #expect(error == .noConfiguration(path: folder.path, source: "--model", entries: ["model.safetensors", "vocab.txt"]))
        let message = error?.description ?? ""
        #expect(message.hasPrefix("\(folder.path) (--model) exists but has no config.json: it holds model.safetensors, vocab.txt; "
                                  + "it also lacks tokenizer_config.json, generation_config.json, speaker_embeddings/."), "\(message)")
        #expect(message.contains("A Hugging Face Bark directory holds config.json, model.safetensors (or pytorch_model.bin), vocab.txt"))
        #expect(message.contains("omnibark models pull bark-small --to \(folder.path)"))
        #expect(!message.contains("no Bark model found"))
    }

    @Test func emptyDirectoryIsCalledEmpty() throws {
        let folder = try FixturePaths.temporaryDirectory("resolve-empty")
        defer { try? FileManager.default.removeItem(at: folder) }
        let error = #expect(throws: ModelResolutionError.self) {
            try ModelResolver.resolve(explicit: nil, environment: ["OMNIBARK_MODEL": folder.path])
        }
        #expect(error?.description.hasPrefix("\(folder.path) ($OMNIBARK_MODEL) exists but has no config.json: it is empty;") == true,
                "\(String(describing: error))")
    }

    @Test func fileIsNotADirectoryAndTheParentIsSuggested() throws {
        let folder = try FixturePaths.temporaryDirectory("resolve-file")
        defer { try? FileManager.default.removeItem(at: folder) }
        let weights = folder.appendingPathComponent("model.safetensors")
        try Data().write(to: weights)
        let error = #expect(throws: ModelResolutionError.self) { try ModelResolver.resolve(explicit: weights.path) }
        #expect(error == .notADirectory(path: weights.path, source: "--model"))
        #expect(error?.description.hasPrefix("\(weights.path) (--model) is a file, not a model directory; "
                                             + "pass the directory that holds it: --model \(folder.path).") == true)
    }

    @Test func missingPathSaysSoAndHowToGetAModel() throws {
        let folder = try FixturePaths.temporaryDirectory("resolve-missing")
        defer { try? FileManager.default.removeItem(at: folder) }
        let absent = folder.appendingPathComponent("nothing-here")
        let error = #expect(throws: ModelResolutionError.self) { try ModelResolver.resolve(explicit: absent.path) }
        #expect(error == .notFound(path: absent.path, source: "--model"))
        #expect(error?.description.contains("no such file or directory") == true)
        #expect(error?.description.contains("omnibark models create-demo") == true)
    }

    @Test func directoryWithConfigResolves() throws {
        let folder = try FixturePaths.temporaryDirectory("resolve-ok")
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data("{}".utf8).write(to: folder.appendingPathComponent("config.json"))
        #expect(try ModelResolver.resolve(explicit: folder.path).path == folder.path)
    }
}
