/// The standard's evaluation of a masked symbol. Each of the eight masks is tried and the
/// one with the lowest penalty kept: the rules penalise what makes a symbol hard to read,
/// namely long runs of one colour, solid blocks, patterns a reader could take for a finder,
/// and an imbalance of dark and light.
extension QRMatrix {
    /// Penalty points for five or more modules of one colour in a row or column: 3 for a run
    /// of five, plus 1 for each module beyond (rule N1).
    static let runPenalty = 3
    /// Penalty points for every 2×2 block of one colour, overlapping blocks counted each (N2).
    static let blockPenalty = 3
    /// Penalty points for each dark-light-dark-dark-dark-light-dark (1:1:3:1:1) pattern with
    /// four light modules on either side, in a row or column (N3).
    static let finderLikePenalty = 40
    /// Penalty points for each full 5 % the proportion of dark modules is away from 50 % (N4).
    static let balancePenalty = 10

    /// The total penalty of the symbol as it stands (format information included).
    func penalty() -> Int {
        var total = 0
        var line = [Bool](repeating: false, count: size)
        for index in 0..<size {
            for position in 0..<size {
                line[position] = self[position, index]
            }
            total += Self.linePenalty(line)
            for position in 0..<size {
                line[position] = self[index, position]
            }
            total += Self.linePenalty(line)
        }
        for y in 0..<(size - 1) {
            for x in 0..<(size - 1) {
                let colour = self[x, y]
                if self[x + 1, y] == colour && self[x, y + 1] == colour && self[x + 1, y + 1] == colour {
                    total += Self.blockPenalty
                }
            }
        }
        let darkCount = dark.reduce(0) { $0 + ($1 ? 1 : 0) }
        let modules = size * size
        let fivePercentSteps = abs(darkCount * 20 - modules * 10) / modules
        total += fivePercentSteps * Self.balancePenalty
        return total
    }

    /// Rules N1 and N3 for one row or column.
    static func linePenalty(_ line: [Bool]) -> Int {
        var total = 0
        var runLength = 0
        for (index, colour) in line.enumerated() {
            if index > 0 && colour == line[index - 1] {
                runLength += 1
            } else {
                runLength = 1
            }
            if runLength == 5 {
                total += runPenalty
            } else if runLength > 5 {
                total += 1
            }
        }
        let core: [Bool] = [true, false, true, true, true, false, true]
        guard line.count >= core.count else { return total }
        for start in 0...(line.count - core.count) where line[start..<(start + core.count)].elementsEqual(core) {
            // Outside the symbol is the light quiet zone, so a pattern at the edge counts.
            let lightBefore = (start - 4..<start).allSatisfy { $0 < 0 || !line[$0] }
            let end = start + core.count
            let lightAfter = (end..<(end + 4)).allSatisfy { $0 >= line.count || !line[$0] }
            if lightBefore || lightAfter {
                total += finderLikePenalty
            }
        }
        return total
    }
}
