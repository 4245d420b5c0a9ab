import Modalities

/// Module-level alias: inside `EnginePreset`, `Modality` names the preset's own entry type.
typealias InputModality = Modality

extension EnginePreset {
    /// The preset's modality priorities and weights as the engine's session routing.
    public var routing: ModalityRouting {
        var routing = ModalityRouting()
        for kind in ModalityKind.allCases {
            guard let modality = InputModality(routingName: kind.rawValue) else { continue }
            let entry = modalities[kind]
            routing[modality] = ModalityRoute(priority: entry.priority, weight: Float(entry.weight))
        }
        return routing
    }
}
