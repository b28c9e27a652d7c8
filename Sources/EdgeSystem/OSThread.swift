import CLinux

/// Starts `body` on a new, detached OS thread named `name` (visible in `top -H`).
///
/// Capture loops and disk writers run on threads of their own so that blocking in
/// `poll`, `write` or `fsync` never holds up Swift's cooperative pool.
public func startThread(name: String, _ body: @escaping @Sendable () -> Void) {
    final class Box {
        let name: String
        let body: @Sendable () -> Void
        init(_ n: String, _ b: @escaping @Sendable () -> Void) { name = n; body = b }
    }
    // The kernel keeps 15 bytes; cut at a character boundary (cutting inside one made
    // String(_: Substring.UTF8View) nil, and a force-unwrap trapped).
    var short = ""
    for c in name {
        if short.utf8.count + c.utf8.count > 15 { break }
        short.append(c)
    }
    let context = Unmanaged.passRetained(Box(short, body)).toOpaque()
    var thread = pthread_t()
    let result = pthread_create(&thread, nil, { raw in
        let box = Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue()
        // Named by the thread itself, before its work starts, so the name is there
        // whenever anything it does can be observed.
        _ = edge_pthread_setname(pthread_self(), box.name)
        box.body()
        return nil
    }, context)
    precondition(result == 0, "pthread_create failed: \(result)")
    pthread_detach(thread)
}
