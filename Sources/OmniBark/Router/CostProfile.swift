import Checkpoints
import Foundation

/// A calibration profile: measured seconds per unit of each component, written by
/// `omnibark bench --calibrate FILE` and loaded by the engine (`--cost-profile FILE`) to
/// warm-start the router's cost model.
///
/// JSON: `{"description": "…", "costs": {"semantic_step": 0.0104, "coarse_token": 0.0355, …}}`;
/// keys are `RouterComponent.key`; unknown keys and negative or non-finite values are refused,
/// naming the key.
public enum CostProfile {
    public static func load(contentsOf url: URL) throws -> CostModel {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw CostProfileError(file: url.path, reason: "cannot read it: \(ErrorMessage.reason(error))")
        }
        return try parse(data, file: url.path)
    }

    public static func parse(_ data: Data, file: String) throws -> CostModel {
        guard let root = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw CostProfileError(file: file, reason: "not a JSON object like {\"costs\": {\"semantic_step\": 0.01}}")
        }
        if let unknown = root.keys.sorted().first(where: { !["description", "costs"].contains($0) }) {
            throw CostProfileError(file: file, reason: "unknown field '\(unknown)' (expected description, costs)")
        }
        guard let costs = root["costs"] as? [String: Any] else {
            throw CostProfileError(file: file, reason: "field 'costs' must be an object of seconds per unit")
        }
        var estimates: [RouterComponent: Double] = [:]
        for key in costs.keys.sorted() {
            guard let component = RouterComponent(key: key) else {
                throw CostProfileError(file: file, reason: "field 'costs.\(key)': unknown component (expected one of \(RouterComponent.all.map(\.key).joined(separator: ", ")))")
            }
            guard let number = costs[key] as? NSNumber, number.doubleValue.isFinite, number.doubleValue >= 0 else {
                throw CostProfileError(file: file, reason: "field 'costs.\(key)': must be a number of seconds ≥ 0")
            }
            estimates[component] = number.doubleValue
        }
        return CostModel(estimates: estimates)
    }

    /// The profile's JSON text for `model`.
    public static func json(_ model: CostModel, description: String) -> String {
        let object: [String: Any] = ["description": description, "costs": model.profile]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}

/// A cost profile that cannot be used.
public struct CostProfileError: Error, Sendable, Equatable, CustomStringConvertible {
    public let file: String
    public let reason: String
    public var description: String { "\(file): \(reason)" }
}
