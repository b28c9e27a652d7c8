// Fuzz builds (Tools/fuzz) pass -DFUZZING and link libFuzzer's main; every other build
// gets this one, which replays inputs through `fuzz` (a regression runner).
#if !FUZZING
import FuzzSupport

@main enum ReplayMain {
    static func main() { Replay.run("fuzz-release", fuzz) }
}
#endif
