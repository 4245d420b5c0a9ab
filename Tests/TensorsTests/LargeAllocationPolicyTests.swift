import Testing
@testable import Tensors

/// `LargeAllocationPolicy` takes effect on glibc, this project's platform (its effect on speed is
/// measured by `omnibark bench`, see the README).
@Suite struct LargeAllocationPolicyTests {
    @Test func glibcAcceptsTheThresholds() {
        #expect(LargeAllocationPolicy.apply())
    }
}
