#ifndef EDGE_CV4L2_SHIM_H
#define EDGE_CV4L2_SHIM_H
// V4L2 and watchdog kernel interfaces, plus libv4l2 (libv4l-dev).
//
// Every structure comes from the kernel headers: their layouts differ between 64-bit and
// 32-bit ARM (time_t, pointers in unions), so none is ever written out by hand in Swift.
//
// Swift imports neither function-like macros (`_IOWR`, `v4l2_fourcc`) nor variadic C
// functions (`v4l2_open`, `v4l2_ioctl`), so each request number and pixel format is
// re-exported below as a typed constant, and each variadic call as a fixed-arity inline
// function. Names are `CV4L2_` + the C name.
#include <stdint.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <linux/videodev2.h>
#include <linux/watchdog.h>
#include <libv4l2.h>

// MARK: V4L2 requests (Documentation/userspace-api/media/v4l/user-func.rst)
static const unsigned long CV4L2_VIDIOC_QUERYCAP = VIDIOC_QUERYCAP;
static const unsigned long CV4L2_VIDIOC_ENUM_FMT = VIDIOC_ENUM_FMT;
static const unsigned long CV4L2_VIDIOC_ENUM_FRAMESIZES = VIDIOC_ENUM_FRAMESIZES;
static const unsigned long CV4L2_VIDIOC_ENUM_FRAMEINTERVALS = VIDIOC_ENUM_FRAMEINTERVALS;
static const unsigned long CV4L2_VIDIOC_G_FMT = VIDIOC_G_FMT;
static const unsigned long CV4L2_VIDIOC_S_FMT = VIDIOC_S_FMT;
static const unsigned long CV4L2_VIDIOC_G_PARM = VIDIOC_G_PARM;
static const unsigned long CV4L2_VIDIOC_S_PARM = VIDIOC_S_PARM;
static const unsigned long CV4L2_VIDIOC_REQBUFS = VIDIOC_REQBUFS;
static const unsigned long CV4L2_VIDIOC_QUERYBUF = VIDIOC_QUERYBUF;
static const unsigned long CV4L2_VIDIOC_QBUF = VIDIOC_QBUF;
static const unsigned long CV4L2_VIDIOC_DQBUF = VIDIOC_DQBUF;
static const unsigned long CV4L2_VIDIOC_STREAMON = VIDIOC_STREAMON;
static const unsigned long CV4L2_VIDIOC_STREAMOFF = VIDIOC_STREAMOFF;

// MARK: Watchdog requests (Documentation/watchdog/watchdog-api.rst), for the watchdog
static const unsigned long CV4L2_WDIOC_SETTIMEOUT = WDIOC_SETTIMEOUT;
static const unsigned long CV4L2_WDIOC_GETTIMEOUT = WDIOC_GETTIMEOUT;
static const unsigned long CV4L2_WDIOC_KEEPALIVE = WDIOC_KEEPALIVE;

// MARK: Pixel formats we record (v4l2_fourcc values)
static const uint32_t CV4L2_V4L2_PIX_FMT_MJPEG = V4L2_PIX_FMT_MJPEG;
static const uint32_t CV4L2_V4L2_PIX_FMT_JPEG = V4L2_PIX_FMT_JPEG;
static const uint32_t CV4L2_V4L2_PIX_FMT_H264 = V4L2_PIX_FMT_H264;
static const uint32_t CV4L2_V4L2_PIX_FMT_HEVC = V4L2_PIX_FMT_HEVC;
static const uint32_t CV4L2_V4L2_PIX_FMT_YUYV = V4L2_PIX_FMT_YUYV;
static const uint32_t CV4L2_V4L2_PIX_FMT_NV12 = V4L2_PIX_FMT_NV12;
static const uint32_t CV4L2_V4L2_PIX_FMT_GREY = V4L2_PIX_FMT_GREY;
/// Planar YUV 4:2:0 ("YU12"), which libv4l2 can always produce by conversion.
static const uint32_t CV4L2_V4L2_PIX_FMT_YUV420 = V4L2_PIX_FMT_YUV420;

// MARK: System calls with a fixed arity
//
// Plain open(2) and poll(2), under names that cannot collide with Swift methods.
static inline int CV4L2_open(const char *path, int flags) {
    return open(path, flags);
}
static inline int CV4L2_poll(struct pollfd *fds, unsigned int count, int timeout_ms) {
    return poll(fds, count, timeout_ms);
}

// libv4l2's variadic calls. v4l2_ioctl, v4l2_mmap, v4l2_munmap and v4l2_close hand a
// descriptor that v4l2_open did not open straight to the kernel (SYS_ioctl, SYS_mmap…),
// so one set of calls serves plain and converted devices alike; plain ioctl(2) would
// differ only in its request type (unsigned long in glibc, int in musl).
static inline int CV4L2_v4l2_open(const char *path, int flags) {
    return v4l2_open(path, flags);
}
static inline int CV4L2_v4l2_ioctl(int fd, unsigned long request, void *arg) {
    return v4l2_ioctl(fd, request, arg);
}

/// Maps a driver buffer for reading and writing, shared; NULL (with errno) on failure,
/// since Swift cannot spell MAP_FAILED.
static inline void *CV4L2_v4l2_mmap(int fd, size_t length, int64_t offset) {
    void *p = v4l2_mmap(NULL, length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, offset);
    return p == MAP_FAILED ? NULL : p;
}
#endif
