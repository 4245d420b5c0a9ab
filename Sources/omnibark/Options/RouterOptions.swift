import ArgumentParser
import Foundation
import Modalities
import OmniBark

/// `--router on|off` and `--cost-profile` (shared by live and serve).
struct RouterOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The latency router: skips the costliest, least important work (modalities by priority, fusion layers, fine context) to hold the preset's latency budget, and restores it when the machine recovers. Default: the preset's `router`, else off.", valueName: "on|off"))
    var router: RouterSwitch?

    @Option(name: .customLong("cost-profile"), help: ArgumentHelp("A cost profile (from `omnibark bench --calibrate FILE`) that warm-starts the router's cost model; without one it learns from the first utterance.", valueName: "file"))
    var costProfile: String?

    /// The router's settings: on by the flag, else by the preset; the budget and required
    /// modalities from the preset (defaults: 1 s to first audio, 0.25 s lag, 0.2 s lead).
    func settings(preset: EnginePreset?) throws -> RouterSettings? {
        let on = router.map { $0 == .on } ?? preset?.router ?? false
        guard on else { return nil }
        let costs = try costProfile.map { try CostProfile.load(contentsOf: URL(fileURLWithPath: ($0 as NSString).expandingTildeInPath)) } ?? CostModel()
        var required: Set<Modality> = []
        if let preset {
            for kind in EnginePreset.ModalityKind.allCases where preset.modalities[kind].required {
                if let modality = Modality(routingName: kind.rawValue) { required.insert(modality) }
            }
        }
        return RouterSettings(budget: preset?.latency ?? EnginePreset.Latency(targetFirstAudio: 1, maxLag: 0.25, minLead: 0.2),
                              costs: costs, required: required)
    }
}

enum RouterSwitch: String, ExpressibleByArgument, CaseIterable {
    case on, off
}
