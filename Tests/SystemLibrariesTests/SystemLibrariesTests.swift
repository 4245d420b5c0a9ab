import CBLAS
import CJack
import COpus
import Testing

/// The system libraries link and answer: catches a missing -dev package or pkg-config change early.
@Suite struct SystemLibrariesTests {
    @Test func openBLASComputesADotProduct() {
        let a: [Float] = [1, 2, 3]
        let b: [Float] = [4, 5, 6]
        #expect(cblas_sdot(3, a, 1, b, 1) == 32)
    }

    @Test func jackReportsItsVersion() throws {
        let version = try #require(jack_get_version_string())
        #expect(String(cString: version).isEmpty == false)
    }

    @Test func opusReportsItsVersion() throws {
        let version = try #require(opus_get_version_string())
        #expect(String(cString: version).hasPrefix("libopus"))
    }

    @Test func opusencCreatesAnEncoderIntoMemoryCallbacks() throws {
        var error: Int32 = 0
        let comments = try #require(ope_comments_create())
        defer { ope_comments_destroy(comments) }
        // A pull-style encoder (no file) needs no callbacks: ope_encoder_create_pull.
        let encoder = try #require(ope_encoder_create_pull(comments, 24000, 1, 0, &error))
        defer { ope_encoder_destroy(encoder) }
        #expect(error == OPE_OK)
        #expect(omnibark_ope_set_bitrate(encoder, 32000) == OPE_OK)
    }
}
