/// The keyed pattern of one key: for every cell (cell phase 0..<`WatermarkLayout.period`, band
/// 0..<`WatermarkLayout.bandCount`) a sign ±1 and a role. Two thirds of the cells (chosen by the
/// key) are *sync* cells, whose sign alone is the mark the detector looks for; the other third
/// carry the payload: each belongs to one of the 24 coded bits (36 cells per bit per period)
/// and its sign is flipped when that bit is 0.
///
/// Thread safety: immutable; share freely.
struct WatermarkPattern: Sendable {
    /// ±1 per cell, index `phase * bandCount + band`.
    let signs: [Float]
    /// Per cell: -1 for a sync cell, otherwise the coded bit it carries (0..<24).
    let roles: [Int8]

    init(key: WatermarkKey) {
        var generator = KeyedGenerator(key: key.bytes, domain: 0x5741_544D_4152_4B32)  // "WATMARK2" (version 2: water-filled strengths)
        let count = WatermarkLayout.cellCount
        signs = (0..<count).map { _ in generator.next() & 1 == 0 ? 1 : -1 }
        var order = Array(0..<count)
        order.shuffle(using: &generator)
        var roles = [Int8](repeating: -1, count: count)
        let syncCount = count * 2 / 3
        for (rank, cell) in order.enumerated() where rank >= syncCount {
            roles[cell] = Int8((rank - syncCount) % WatermarkPayload.codedBitCount)
        }
        self.roles = roles
    }

    /// The gain sign of every cell for `payload`: the sync sign, times −1 on cells of a 0 bit.
    func gains(for payload: WatermarkPayload) -> [Float] {
        let bits = payload.codedBits
        return zip(signs, roles).map { sign, role in role < 0 || bits[Int(role)] ? sign : -sign }
    }
}
