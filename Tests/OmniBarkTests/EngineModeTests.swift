import Bark
import Testing
@testable import OmniBark

/// `EngineConfiguration.mode`: exact keeps `fineMode` and exact coarse windows; live replaces both
/// with `live`'s settings.
@Suite struct EngineModeTests {
    @Test func liveModeTakesTheLiveSettings() {
        var configuration = EngineConfiguration()
        configuration.fineMode = .exact
        #expect(configuration.mode == .exact)
        #expect(configuration.effectiveFineMode == .exact)
        #expect(configuration.coarseLive == nil)
        configuration.mode = .live
        configuration.live.fineChunk = 96
        configuration.live.coarse.history = 330
        #expect(configuration.effectiveFineMode == .chunked(chunk: 96, lookahead: 16, context: 48))
        #expect(configuration.coarseLive == LiveCoarseSettings(history: 330))
    }
}
