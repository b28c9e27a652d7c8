#ifndef EDGE_CTURBOJPEG_SHIM_H
#define EDGE_CTURBOJPEG_SHIM_H
// libjpeg-turbo's TurboJPEG API (libturbojpeg0-dev). Nothing here but the header:
// the owning Swift type lives in JPEGEncoding.
#include <turbojpeg.h>
#endif
