/// A property the code under test broke: stops the process so that libFuzzer keeps the
/// input as a crash (and the replay runner fails).
public func expect(
    _ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String, file: StaticString = #fileID,
    line: UInt = #line
) {
    if !condition() { fatalError("property broken: \(message())", file: file, line: line) }
}
