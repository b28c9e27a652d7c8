#ifndef EDGE_CLINUX_SHIM_H
#define EDGE_CLINUX_SHIM_H
// Linux interfaces that Swift's Glibc module does not bring in. _GNU_SOURCE is not
// defined here: that would give the C library's types a second, different definition.
#include <pthread.h>
#include <sys/eventfd.h>
#include <sys/timex.h>
#include <sys/ioctl.h>
#include <linux/watchdog.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

/// glibc's allocator for a long-running daemon with a thread per camera (mallopt(3)): at
/// most `arenas` arenas, and blocks of `mmap_threshold` bytes or more mapped on their own
/// and returned when freed (a fixed threshold, not glibc's rising one). 1 when both took.
static inline int edge_malloc_tune(int arenas, int mmap_threshold) {
#ifdef __GLIBC__
    return mallopt(M_ARENA_MAX, arenas) == 1 && mallopt(M_MMAP_THRESHOLD, mmap_threshold) == 1;
#else
    (void)arenas; (void)mmap_threshold;
    return 0;
#endif
}

/// eventfd(2) flags as typed constants.
static const int edge_EFD_CLOEXEC = EFD_CLOEXEC;
static const int edge_EFD_NONBLOCK = EFD_NONBLOCK;

static inline int edge_eventfd(unsigned int initval, int flags) { return eventfd(initval, flags); }

// Declared by <pthread.h> only under _GNU_SOURCE.
extern int pthread_setname_np(pthread_t thread, const char *name);

/// Names a thread (at most 15 bytes), for `top -H` and crash reports.
static inline int edge_pthread_setname(pthread_t thread, const char *name) {
    return pthread_setname_np(thread, name);
}
/// 1 when the kernel's wall clock is synchronised (adjtimex(2): no TIME_ERROR and
/// STA_UNSYNC clear), 0 when not, -1 when adjtimex failed.
static inline int edge_clock_synchronised(void) {
    struct timex t = {0};
    int state = adjtimex(&t);
    if (state == -1) return -1;
    return (state != TIME_ERROR && (t.status & STA_UNSYNC) == 0) ? 1 : 0;
}

/// The hardware watchdog (<linux/watchdog.h>): set the timeout (the driver may round it;
/// the granted value is written back), and kick. Return ioctl(2)'s result.
static inline int edge_watchdog_set_timeout(int fd, int *seconds) { return ioctl(fd, WDIOC_SETTIMEOUT, seconds); }
static inline int edge_watchdog_keepalive(int fd) { int dummy = 0; return ioctl(fd, WDIOC_KEEPALIVE, &dummy); }
static inline int edge_watchdog_identity(int fd, char *name, int length) {
    struct watchdog_info info = {0};
    int result = ioctl(fd, WDIOC_GETSUPPORT, &info);
    if (result == 0) {
        int i = 0;
        for (; i < length - 1 && i < (int)sizeof(info.identity) && info.identity[i]; i++) name[i] = (char)info.identity[i];
        name[i] = 0;
    }
    return result;
}
#endif
