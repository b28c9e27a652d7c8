#ifndef EDGE_COPENSSL_SHIM_H
#define EDGE_COPENSSL_SHIM_H
// OpenSSL 3 libcrypto (libssl-dev). Only headers and fixed-arity wrappers live here:
// the owning Swift types are in AgeEncryption and DeviceIdentity.
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>

// OPENSSL_free is a macro (it passes __FILE__/__LINE__), which Swift cannot import.
static inline void edge_openssl_free(void *pointer) { OPENSSL_free(pointer); }

// EVP_CIPHER_CTX_ctrl takes the tag as `void *`; typed wrappers keep the AEAD tag calls
// readable on the Swift side and name the control codes, which are plain macros.
static inline int edge_aead_get_tag(EVP_CIPHER_CTX *ctx, unsigned char *tag, int length) {
    return EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, length, tag);
}
static inline int edge_aead_set_tag(EVP_CIPHER_CTX *ctx, const unsigned char *tag, int length) {
    return EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, length, (void *)tag);
}
#endif
