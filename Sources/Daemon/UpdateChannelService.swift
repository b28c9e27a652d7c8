import EdgeSystem
import Logging
import Synchronization
import UpdateChannel
import Updater
import Uplink

extension RecorderDaemon {
    /// The channel to the centre's updates: only for a gateway installed in slots, over its
    /// first destination (PROTOCOL.md, "Desired state, releases and reports").
    /// Configs the centre pushes go to `configs` (nil: a daemon without a config file takes none).
    func updateChannel(configs: PushedConfig?) -> UpdateChannel? {
        guard let paths = updatePaths, let destination = config.destinations.first else { return nil }
        let updater = Updater(paths: paths, time: sources.time)
        guard (try? updater.status().current) != nil else { return nil }
        let transport: CurlTransport
        do { transport = try CurlTransport(destination: destination.uplinkDestination) } catch {
            logger.error("no update channel: \(error)")
            return nil
        }
        let logger = self.logger
        return UpdateChannel(
            base: destination.url, transport: transport, updater: updater, configTarget: configs, time: sources.time,
            log: { logger.notice("update: \($0)") })
    }

    /// A round at start, then one every interval the centre sets (jittered, backed off on
    /// errors). A release installed on probation stops the daemon to run it.
    func updateChannelService(_ channel: UpdateChannel?, early: EarlyStop.Service, switching: SlotSwitchRequest) throws -> PartService {
        guard let channel else { return PartService("update channel", stop: { _ in }) }
        let (time, logger) = (sources.time, logger)
        let stop = try Wakeup()
        let done = try Wakeup()
        return PartService(
            "update channel",
            start: {
                logger.info("asking for updates", metadata: ["centre": "\(channel.base)"])
                startThread(name: "update channel") {
                    defer { done.signal() }
                    var last = ""
                    while !stop.isSignalled {
                        switch channel.round() {
                        case .installed(let version):
                            logger.notice("release \(version) from the centre installed on probation")
                            switching.request("release \(version) was installed", early: early)
                            return
                        case .idle(let why):
                            if why != last { logger.info("update: \(why)") }
                            last = why
                        case .failed(let why):
                            logger.warning("update: \(why)")
                            last = why
                        }
                        if channel.waitForNextRound(time: time, stop: stop) { return }
                    }
                }
            },
            stop: { _ in
                stop.signal()
                channel.cancel()
                await offThePool { _ = done.wait(timeout: .seconds(10)) }
            })
    }
}
