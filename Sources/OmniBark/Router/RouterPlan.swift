import Modalities

/// What the router has switched off or down, and what the current work allows.
public struct RouterPlan: Sendable, Equatable {
    /// Modalities left out, in the order they were skipped.
    public var skippedModalities: [Modality] = []
    /// Fusion layers kept (nil: all).
    public var fusionLayersKept: Int?
    /// The chunked fine stage's context in frames (nil: as configured).
    public var fineContext: Int?
    /// Fine codebooks predicted (nil: all).
    public var fineCodebooks: Int?
    /// The rolling coarse mode is on.
    public var rollingCoarse = false
    /// The lighter weight format is in use.
    public var lighterWeights = false
    /// The fine stage is off: only the coarse stage's codebooks are decoded.
    public var coarseOnly = false

    public init() {}

    /// Nothing switched off.
    public var isFull: Bool { self == RouterPlan() }
}

/// What the work in hand allows the router to change, and the rates it predicts with.
public struct RouterCapabilities: Sendable, Equatable {
    /// One modality given to the utterance.
    public struct Input: Sendable, Equatable {
        public var modality: Modality
        public var priority: Int
        /// Never skipped.
        public var required: Bool
        public init(modality: Modality, priority: Int, required: Bool) {
            self.modality = modality
            self.priority = priority
            self.required = required
        }
    }

    /// The modalities that condition the utterance (through adapters).
    public var inputs: [Input] = []
    /// Fusion layers in the adapter file (0: none).
    public var fusionLayers = 0
    /// The share of the utterance's semantic steps inside its control events' windows, where the
    /// fusion layers the router dropped run anyway (`ControlEventWindows`; 0: no control events).
    public var controlWindowShare: Double = 0
    /// The chunked fine stage's configured frames: chunk, lookahead, context (nil: exact mode).
    public var fineWindow: (chunk: Int, lookahead: Int, context: Int)?
    /// The smallest fine context the router goes down to.
    public var minimumFineContext = 32
    /// Fine codebooks in full, and the fewest the fine stage can predict (nil: not supported).
    public var fineCodebooks: (all: Int, fewest: Int)?
    /// The coarse stage's codebooks, which the codec can decode alone with the fine stage off (nil:
    /// the fine stage cannot be switched off).
    public var coarseCodebooks: Int?
    /// The rolling coarse mode can be switched on (the engine runs in exact mode).
    public var rollingCoarseAvailable = false
    /// The lighter format's decoding cost (semantic and coarse stages) relative to the current
    /// one's (nil: none loaded).
    public var lighterWeightsCost: Double?
    /// Expected seconds of audio of the utterance (spreads its encoder cost).
    public var utteranceSeconds: Double = 5

    public init() {}

    public static func == (a: RouterCapabilities, b: RouterCapabilities) -> Bool {
        a.inputs == b.inputs && a.fusionLayers == b.fusionLayers && a.controlWindowShare == b.controlWindowShare
            && a.fineWindow?.chunk == b.fineWindow?.chunk
            && a.fineWindow?.lookahead == b.fineWindow?.lookahead && a.fineWindow?.context == b.fineWindow?.context
            && a.minimumFineContext == b.minimumFineContext && a.fineCodebooks?.all == b.fineCodebooks?.all
            && a.fineCodebooks?.fewest == b.fineCodebooks?.fewest && a.coarseCodebooks == b.coarseCodebooks
            && a.rollingCoarseAvailable == b.rollingCoarseAvailable
            && a.lighterWeightsCost == b.lighterWeightsCost && a.utteranceSeconds == b.utteranceSeconds
    }
}
