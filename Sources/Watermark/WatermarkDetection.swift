/// What the detector found in one signal.
public struct WatermarkDetection: Sendable, Equatable {
    /// True when `falseAlarmProbability` is at most the detector's threshold.
    public let detected: Bool
    /// The best normalized correlation over all alignments searched: ~N(0, 1) on unmarked audio
    /// at any one alignment; about 10–20 on 3 s of marked speech.
    public let score: Double
    /// Probability that unmarked audio scores this high somewhere in the search, bounded: Hoeffding's
    /// exp(−score²/2) times the number of alignments tried (conservative; they are correlated).
    public let falseAlarmProbability: Double
    /// The payload, when its CRC matches (nil on unmarked audio or when the mark is too weak).
    public let payload: WatermarkPayload?
    /// The speed factor at the best alignment (1.05: the audio plays 5 % faster than it was made).
    public let speed: Double
    /// Per second of the input: the mark's score over that second alone (`secondScores[i]` covers
    /// [i, i+1) s); nil where the second holds too little signal to tell.
    public let secondScores: [Double?]
    /// The seconds (start times) whose score shows the mark (≥ `WatermarkDetector.secondThreshold`);
    /// empty when the mark was not detected.
    public let markedSeconds: [Int]

    public init(detected: Bool, score: Double, falseAlarmProbability: Double, payload: WatermarkPayload?, speed: Double,
                secondScores: [Double?], markedSeconds: [Int]) {
        self.detected = detected
        self.score = score
        self.falseAlarmProbability = falseAlarmProbability
        self.payload = payload
        self.speed = speed
        self.secondScores = secondScores
        self.markedSeconds = markedSeconds
    }
}
