import Encodec
import Foundation
import Testing

/// The Swift codec against transformers' outputs on the same weights.
@Suite struct EncodecParityTests {
    @Test(arguments: EncodecFixture.names)
    func decodeMatchesReference(_ name: String) throws {
        let fixture = try EncodecFixture.load(name)
        let codes = try fixture.intRows("codes.npy")
        let reference = try fixture.floats("decode.npy")
        let audio = try fixture.model.decode(codes: codes)
        #expect(audio.count == codes[0].count * fixture.model.configuration.hopLength)
        let error = maxRelativeError(audio, reference)
        print("EnCodec parity \(name): decode max relative error \(error) (\(audio.count) samples)")
        #expect(error <= 1e-4)
    }

    @Test(arguments: EncodecFixture.names)
    func encodeMatchesReference(_ name: String) throws {
        let fixture = try EncodecFixture.load(name)
        let audio = try fixture.floats("audio.npy")
        let expected = try fixture.intRows("encode_codes.npy")
        let codes = try fixture.model.encode(audio: audio, bandwidth: try fixture.bandwidth())
        #expect(codes.count == expected.count)
        let mismatches = zip(codes.joined(), expected.joined()).filter { $0 != $1 }.count
        print("EnCodec parity \(name): encode \(codes.count)×\(codes.first?.count ?? 0) codes, \(mismatches) mismatches")
        #expect(codes == expected)
    }

    @Test(arguments: EncodecFixture.names)
    func encoderEmbeddingsMatchReference(_ name: String) throws {
        let fixture = try EncodecFixture.load(name)
        let audio = try fixture.floats("audio.npy")
        let reference = try fixture.floats("embeddings.npy")
        let embeddings = try fixture.model.encoderEmbeddings(audio: audio)
        let hop = fixture.model.configuration.hopLength
        #expect(embeddings.shape == [(audio.count + hop - 1) / hop, fixture.model.configuration.hiddenSize])
        let error = maxRelativeError(embeddings.scalars, reference)
        print("EnCodec parity \(name): encoder embeddings max relative error \(error)")
        #expect(error <= 1e-4)
    }
}
