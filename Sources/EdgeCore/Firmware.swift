/// The firmware's version: recorded in every manifest, shown by every binary's `--version`.
public enum Firmware {
    public static let version = "0.1.0"
}
