import CV4L2
import EdgeSystem

/// One format's sizes and rates, from VIDIOC_ENUM_FRAMESIZES and VIDIOC_ENUM_FRAMEINTERVALS.
func describe(_ entry: v4l2_fmtdesc, on device: DeviceHandle) throws(SystemError) -> FormatDescription {
    let fourcc = FourCC(rawValue: entry.pixelformat)
    var format = FormatDescription(
        fourcc: fourcc.description, name: kernelString(entry.description),
        compressed: entry.flags & UInt32(V4L2_FMT_FLAG_COMPRESSED) != 0,
        recordable: fourcc.handling != nil, sizes: [], sizeRange: nil)
    for size in try device.frameSizes(fourcc) {
        if size.type == V4L2_FRMSIZE_TYPE_DISCRETE.rawValue {
            let (w, h) = (size.discrete.width, size.discrete.height)
            var described = SizeDescription(width: Int(w), height: Int(h), framesPerSecond: [])
            for interval in try device.frameIntervals(fourcc, width: w, height: h) {
                if interval.type == V4L2_FRMIVAL_TYPE_DISCRETE.rawValue {
                    if let fps = framesPerSecond(interval.discrete) { described.framesPerSecond.append(fps) }
                } else {
                    // Intervals run from min to max: the shortest interval is the fastest rate.
                    described.maxFramesPerSecond = framesPerSecond(interval.stepwise.min)
                    described.minFramesPerSecond = framesPerSecond(interval.stepwise.max)
                }
            }
            format.sizes.append(described)
        } else {
            let s = size.stepwise
            format.sizeRange = SizeRange(
                minWidth: Int(s.min_width), maxWidth: Int(s.max_width), stepWidth: Int(s.step_width),
                minHeight: Int(s.min_height), maxHeight: Int(s.max_height), stepHeight: Int(s.step_height))
            break
        }
    }
    return format
}

/// A frame interval as a rate, rounded to 1/1000 so 1001/30000 reads 29.97.
func framesPerSecond(_ interval: v4l2_fract) -> Double? {
    guard interval.numerator > 0, interval.denominator > 0 else { return nil }
    return (Double(interval.denominator) / Double(interval.numerator) * 1000).rounded() / 1000
}
