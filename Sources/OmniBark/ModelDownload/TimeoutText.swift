import Foundation

/// Seconds as the download messages show them: "10 s", "0.5 s", "1.25 s" (two decimals at
/// most; whole seconds from 10 s up for measured durations). Pure.
enum TimeoutText {
    static func seconds(_ value: TimeInterval) -> String {
        if value == value.rounded() { return "\(Int(value)) s" }
        var text = String(format: "%.2f", value)
        while text.hasSuffix("0") { text.removeLast() }
        return text + " s"
    }

    static func seconds(_ duration: Duration) -> String {
        let components = duration.components
        let value = Double(components.seconds) + Double(components.attoseconds) / 1e18
        return value >= 10 ? "\(Int(value.rounded())) s" : seconds((value * 100).rounded() / 100)
    }
}
