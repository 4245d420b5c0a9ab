/// Bounds shared by every live-control input (OSC, `POST /control`, lines on `live`'s standard input), so a
/// sender cannot make the engine hold unbounded text or schedule an event past any sensible horizon.
public enum LiveControlLimits {
    /// The engine's output rate in samples per second (Bark's EnCodec runs at 24 kHz).
    public static let engineRate = 24_000
    /// EnCodec frames per second on the output timeline (24 kHz / 320-sample hop).
    public static let frameRate = 75
    /// Longest text, phoneme, SFX name or style instruction, in UTF-8 bytes.
    public static let maximumTextBytes = 4096
    /// Longest delay an event may ask for, in seconds after its arrival (one hour).
    public static let maximumDelaySeconds: Double = 3600
    /// Most events one JSON body (`POST /control`, one stdin or file line) may carry.
    public static let maximumEventsPerBody = 256
}
