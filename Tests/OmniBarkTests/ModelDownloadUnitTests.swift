import Foundation
import Testing
@testable import OmniBark

/// Digests, URL layout, pagination links, file selection and default locations.
struct ModelDownloadUnitTests {
    @Test func sha256MatchesStandardVectors() {
        func hex(_ text: String) -> String {
            var accumulator = ExpectedChecksum.sha256("").makeAccumulator(size: Int64(text.utf8.count))
            Array(text.utf8).withUnsafeBytes { accumulator.update($0) }
            return accumulator.finalizeHex()
        }
        #expect(hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")
            == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        // Fed in uneven pieces across block boundaries.
        var pieces = ExpectedChecksum.sha256("").makeAccumulator(size: 1000)
        let message = Array(repeating: UInt8(ascii: "a"), count: 1000)
        for chunk in stride(from: 0, to: 1000, by: 37) { Array(message[chunk..<min(chunk + 37, 1000)]).withUnsafeBytes { pieces.update($0) } }
        #expect(pieces.finalizeHex() == "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3")
    }

    @Test func gitBlobSHA1MatchesGit() {
        // `printf 'hello\n' | git hash-object --stdin`
        var accumulator = ExpectedChecksum.gitBlobSHA1("").makeAccumulator(size: 6)
        Array("hello\n".utf8).withUnsafeBytes { accumulator.update($0) }
        #expect(accumulator.finalizeHex() == "ce013625030ba8dba906f756967f9e9ca394464a")
        let empty = ExpectedChecksum.gitBlobSHA1("").makeAccumulator(size: 0)
        #expect(empty.finalizeHex() == "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391")  // git's empty blob
    }

    @Test func urlsFollowTheHubLayout() throws {
        let repo = HubRepository(endpoint: try #require(URL(string: "https://hub.example/")), id: "suno/bark-small")
        #expect(repo.resolveURL(revision: "refs/pr/1", path: "speaker_embeddings/v2/a b.npy").absoluteString
            == "https://hub.example/suno/bark-small/resolve/refs%2Fpr%2F1/speaker_embeddings/v2/a%20b.npy")
        #expect(repo.treeURL(revision: "main").absoluteString
            == "https://hub.example/api/models/suno/bark-small/tree/main?recursive=true&expand=false")
        #expect(repo.revisionInfoURL(revision: "main").absoluteString == "https://hub.example/api/models/suno/bark-small/revision/main")
        #expect(HubRepository.defaultEndpoint(environment: [:]).absoluteString == "https://huggingface.co")
        #expect(HubRepository.defaultEndpoint(environment: ["HF_ENDPOINT": "http://mirror.test/"]).absoluteString == "http://mirror.test")
        #expect(HubClient.token(environment: ["HF_TOKEN": " hf_x \n"]) == "hf_x")
        #expect(HubClient.token(environment: [:]) == nil)
    }

    @Test func linkHeaderNextPage() throws {
        let base = try #require(URL(string: "https://hub.example/api/models/a/b/tree/main"))
        let header = #"<https://hub.example/api/models/a/b/tree/main?cursor=xyz>; rel="next", <https://hub.example/x>; rel="prev""#
        #expect(HubClient.nextPageURL(linkHeader: header, base: base)?.absoluteString == "https://hub.example/api/models/a/b/tree/main?cursor=xyz")
        #expect(HubClient.nextPageURL(linkHeader: #"<https://hub.example/x>; rel="prev""#, base: base) == nil)
        #expect(HubClient.nextPageURL(linkHeader: nil, base: base) == nil)
    }

    @Test func treeEntriesMapToChecksums() throws {
        let json = Data(#"""
        [{"type": "directory", "path": "speaker_embeddings", "oid": "aa", "size": 0},
         {"type": "file", "path": "config.json", "oid": "0187", "size": 8},
         {"type": "file", "path": "pytorch_model.bin", "oid": "ceb5", "size": 134,
          "lfs": {"oid": "2de2", "size": 5000, "pointerSize": 134}}]
        """#.utf8)
        let files = try JSONDecoder().decode([HubTreeEntry].self, from: json).compactMap(HubFile.init(entry:))
        #expect(files == [
            HubFile(path: "config.json", size: 8, checksum: .gitBlobSHA1("0187")),
            HubFile(path: "pytorch_model.bin", size: 5000, checksum: .sha256("2de2")),
        ])
    }

    @Test func selectionRules() throws {
        func file(_ path: String) -> HubFile { HubFile(path: path, size: 1, checksum: .sha256("00")) }
        let listed = ["config.json", "pytorch_model.bin", "model.safetensors", "vocab.txt", "README.md", "text.pt", "coarse_2.pt",
                      "fine.pt", "other.pt", "speaker_embeddings/v2/x.npy", "speaker_embeddings_path.json", ".gitattributes"].map(file)
        let plain = try ModelFileSelection().select(from: listed, repo: "r", revision: "main").map(\.path)
        #expect(plain == ["config.json", "model.safetensors", "vocab.txt", "speaker_embeddings/v2/x.npy", "speaker_embeddings_path.json"])
        let everything = try ModelFileSelection(includeSunoCheckpoints: true, allWeights: true)
            .select(from: listed, repo: "r", revision: "main").map(\.path)
        #expect(everything == ["config.json", "pytorch_model.bin", "model.safetensors", "vocab.txt", "text.pt", "coarse_2.pt",
                               "fine.pt", "speaker_embeddings/v2/x.npy", "speaker_embeddings_path.json"])
        #expect(throws: ModelDownloadError.self) { try ModelFileSelection().select(from: [file("config.json")], repo: "r", revision: "main") }
    }

    @Test func defaultLocationsHonourOmnibarkHome() {
        #expect(ModelLocations.defaultDirectory(for: "bark-small", environment: ["OMNIBARK_HOME": "/data/ob"]).path
            == "/data/ob/models/bark-small")
        #expect(ModelLocations.defaultDirectory(for: "bark", environment: ["HOME": "/home/u"]).path
            == "/home/u/.cache/omnibark/models/bark")
        #expect(HubModel.barkSmall.repositoryID == "suno/bark-small" && HubModel.bark.repositoryID == "suno/bark")
    }
}
