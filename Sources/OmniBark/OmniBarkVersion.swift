/// The engine's version, as `omnibark --version` prints it.
public enum OmniBarkVersion {
    public static let string = "0.1.0"
}
