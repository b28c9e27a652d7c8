#ifndef EDGE_CCURL_SHIM_H
#define EDGE_CCURL_SHIM_H
// libcurl for Swift. curl_easy_setopt and curl_easy_getinfo are variadic, which Swift
// cannot call: each is wrapped here once per argument type, with a fixed arity. Macros
// Swift does not import are re-exported as typed constants.
#include <curl/curl.h>

/// CURL_GLOBAL_DEFAULT (a macro of macros).
static const long edge_CURL_GLOBAL_DEFAULT = CURL_GLOBAL_DEFAULT;
/// CURL_READFUNC_ABORT: a read callback's answer that stops the transfer.
static const size_t edge_CURL_READFUNC_ABORT = CURL_READFUNC_ABORT;
/// CURL_ERROR_SIZE: the size CURLOPT_ERRORBUFFER must have.
static const size_t edge_CURL_ERROR_SIZE = CURL_ERROR_SIZE;

/// CURLOPT_READFUNCTION, CURLOPT_WRITEFUNCTION and CURLOPT_HEADERFUNCTION callbacks.
typedef size_t (*edge_curl_data_callback)(char *buffer, size_t size, size_t count, void *context);
/// CURLOPT_XFERINFOFUNCTION callback: non-zero stops the transfer.
typedef int (*edge_curl_xferinfo_callback)(void *context, curl_off_t dltotal, curl_off_t dlnow,
                                           curl_off_t ultotal, curl_off_t ulnow);

static inline CURLcode edge_curl_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode edge_curl_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode edge_curl_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode edge_curl_setopt_off(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode edge_curl_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode edge_curl_setopt_data_callback(CURL *handle, CURLoption option, edge_curl_data_callback value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode edge_curl_setopt_xferinfo_callback(CURL *handle, edge_curl_xferinfo_callback value) {
    return curl_easy_setopt(handle, CURLOPT_XFERINFOFUNCTION, value);
}

static inline CURLcode edge_curl_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}
static inline CURLcode edge_curl_getinfo_off(CURL *handle, CURLINFO info, curl_off_t *value) {
    return curl_easy_getinfo(handle, info, value);
}
static inline CURLcode edge_curl_getinfo_string(CURL *handle, CURLINFO info, char **value) {
    return curl_easy_getinfo(handle, info, value);
}
#endif
