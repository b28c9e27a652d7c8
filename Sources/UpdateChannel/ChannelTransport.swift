import Uplink

/// The two requests the channel makes of its destination; `CurlTransport` in the daemon,
/// a scripted one in tests.
public protocol ChannelTransport: AnyObject {
    func get(_ url: String, headers: [(String, String)], download: DownloadSink?, control: TransferControl) throws(UplinkError)
        -> TransportResponse
    func put(_ url: String, headers: [(String, String)], body: UploadBody, control: TransferControl) throws(UplinkError)
        -> TransportResponse
}

extension CurlTransport: ChannelTransport {}
