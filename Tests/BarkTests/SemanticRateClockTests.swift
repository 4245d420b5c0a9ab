import Foundation
import Tensors
import Testing
@testable import Bark
import TestSupport

/// The semantic stage's rate clock: where units go for a stride, and the causal model taking explicit
/// positions (incremental and teacher-forced) consistently.
@Suite struct SemanticRateClockTests {
    @Test func unitsAdvanceAtTheRatesPace() {
        let bark = SemanticRateClock(stride: 1, firstUnitPosition: 65, lastPosition: 511)
        #expect((0..<5).map(bark.position(ofUnit:)) == [65, 66, 67, 68, 69])
        // Slow (two units per normal unit): halves round up, so positions advance every other unit.
        let slow = SemanticRateClock(stride: 2, firstUnitPosition: 65, lastPosition: 511)
        #expect((0..<6).map(slow.position(ofUnit:)) == [65, 66, 66, 67, 67, 68])
        let fast = SemanticRateClock(stride: 0.5, firstUnitPosition: 65, lastPosition: 511)
        #expect((0..<4).map(fast.position(ofUnit:)) == [65, 67, 69, 71])
        #expect(fast.position(ofUnit: 1_000) == 511, "clamped to the model's last position")
        #expect(slow.positions(rows: 68) == Array(0..<65) + [65, 66, 66])
    }

    /// During a hold the units do not advance the clock; holds add up, queue when they overlap, and
    /// combine with a stride.
    @Test func holdsStopTheClock() {
        let hold = SemanticRateClock.Hold(firstUnit: 2, units: 3)
        let held = SemanticRateClock(stride: 1, firstUnitPosition: 65, lastPosition: 511, holds: [hold])
        #expect((0..<9).map(held.position(ofUnit:)) == [65, 66, 67, 67, 67, 67, 68, 69, 70])
        let slow = SemanticRateClock(stride: 2, firstUnitPosition: 65, lastPosition: 511, holds: [hold])
        #expect((0..<9).map(slow.position(ofUnit:)) == [65, 66, 66, 66, 66, 66, 67, 67, 68])
        // Overlapping holds queue: the second starts when the first ends.
        let two = SemanticRateClock(stride: 1, firstUnitPosition: 65, lastPosition: 511,
                                    holds: [SemanticRateClock.Hold(firstUnit: 3, units: 2), hold])
        #expect(two.holds == [hold, SemanticRateClock.Hold(firstUnit: 5, units: 2)])
        #expect((0..<10).map(two.position(ofUnit:)) == [65, 66, 67, 67, 67, 67, 67, 67, 68, 69])
        #expect(SemanticRateClock.Hold(firstUnit: -4, units: -1) == SemanticRateClock.Hold(firstUnit: 0, units: 0))
        #expect(held.positions(rows: 69) == Array(0..<65) + [65, 66, 67, 67])
    }

    /// A hold added once units have taken their positions (a live control event) starts no earlier
    /// than the next unit, so no position already taken changes.
    @Test func aLateHoldStartsAtTheNextUnit() {
        var clock = SemanticRateClock(stride: 1.5, firstUnitPosition: 10, lastPosition: 511)
        let before = (0..<30).map(clock.position(ofUnit:))
        clock.addHolds([SemanticRateClock.Hold(firstUnit: 3, units: 4)], startingNoEarlierThan: 12)
        #expect(clock.holds == [SemanticRateClock.Hold(firstUnit: 12, units: 4)])
        #expect((0...12).map(clock.position(ofUnit:)) == Array(before[0...12]))
        #expect((12...16).map(clock.position(ofUnit:)) == Array(repeating: before[12], count: 5))
        #expect(clock.position(ofUnit: 20) == before[16])
    }

    @Test func strideIsClampedAndANonFiniteOneIsBarksClock() {
        #expect(SemanticRateClock(stride: 100, firstUnitPosition: 3, lastPosition: 9).stride == 4)
        #expect(SemanticRateClock(stride: 0.01, firstUnitPosition: 3, lastPosition: 9).stride == 0.25)
        #expect(SemanticRateClock(stride: .nan, firstUnitPosition: 3, lastPosition: 9).stride == 1)
        #expect(SemanticRateClock(stride: .infinity, firstUnitPosition: 3, lastPosition: 9).stride == 1)
    }

    /// Steps that take explicit positions (a clock at stride 1.5) give the logits of one teacher-forced
    /// pass with those positions, and those differ from Bark's positions; positions 0 … n − 1 given
    /// explicitly are Bark's own pass.
    @Test func explicitPositionsAgreeIncrementallyAndTeacherForced() throws {
        let source = try BarkModelSource.open(FixturePaths.fixtures.appendingPathComponent("bark-tiny-nobias"))
        let found = try source.stage(.semantic)
        let model = try BarkCausalModel(configuration: found.configuration, tensors: found.tensors)
        let ids = [5, 17, 3, 99, 42, 7, 7, 7, 300, 12, 12, 64]
        let prefill = 4
        let clock = SemanticRateClock(stride: 1.5, firstUnitPosition: prefill, lastPosition: model.configuration.blockSize - 1)
        let positions = clock.positions(rows: ids.count)
        #expect(positions == [0, 1, 2, 3, 4, 5, 5, 6, 7, 7, 8, 9])

        var cache = model.makeCache()
        var workspace = TransformerWorkspace()
        var none: (any LayerConditioning)? = nil
        try model.forward(tokens: Array(ids[..<prefill]), cache: &cache, workspace: &workspace, conditioning: &none)
        var stepped: [Float] = []
        for row in 0..<prefill { stepped += workspace.logitsRow(row) }
        for k in prefill..<ids.count {
            try model.forward(tokens: [ids[k]], cache: &cache, workspace: &workspace, position: positions[k], conditioning: &none)
            stepped += workspace.logitsRow(0)
        }

        var fullCache = model.makeCache()
        try model.forward(embeddings: try model.embed(ids), cache: &fullCache, workspace: &workspace, positions: positions,
                          conditioning: &none)
        var teacherForced: [Float] = []
        for row in 0..<ids.count { teacherForced += workspace.logitsRow(row) }
        #expect(relativeError(stepped, teacherForced) <= 1e-5)
        #expect(relativeError(teacherForced, try model.logits(tokens: ids).scalars) > 1e-3, "the clock changed nothing")

        var identityCache = model.makeCache()
        try model.forward(embeddings: try model.embed(ids), cache: &identityCache, workspace: &workspace,
                          positions: Array(0..<ids.count), conditioning: &none)
        var identity: [Float] = []
        for row in 0..<ids.count { identity += workspace.logitsRow(row) }
        #expect(relativeError(identity, try model.logits(tokens: ids).scalars) <= 1e-6)
    }

    @Test func positionsOutsideTheModelAreRejectedByName() throws {
        let source = try BarkModelSource.open(FixturePaths.fixtures.appendingPathComponent("bark-tiny-nobias"))
        let found = try source.stage(.semantic)
        let model = try BarkCausalModel(configuration: found.configuration, tensors: found.tensors)
        let block = model.configuration.blockSize
        var cache = model.makeCache()
        var workspace = TransformerWorkspace()
        var none: (any LayerConditioning)? = nil
        #expect(throws: BarkError.invalidInput(stage: .semantic, reason: "positions \(block) ..< \(block + 1) are outside the model's 0 ..< \(block)")) {
            try model.forward(tokens: [1], cache: &cache, workspace: &workspace, position: block, conditioning: &none)
        }
        #expect(throws: BarkError.invalidInput(stage: .semantic, reason: "position -1 of row 1 is outside the model's 0 ..< \(block)")) {
            try model.forward(embeddings: try model.embed([1, 2]), cache: &cache, workspace: &workspace, positions: [0, -1], conditioning: &none)
        }
        #expect(throws: BarkError.invalidInput(stage: .semantic, reason: "1 positions for 2 rows")) {
            try model.forward(embeddings: try model.embed([1, 2]), cache: &cache, workspace: &workspace, positions: [0], conditioning: &none)
        }
        #expect(cache.count == 0)
    }
}
