#ifndef EDGE_COPENSSL_SHIM_H
#define EDGE_COPENSSL_SHIM_H
// OpenSSL 3 libcrypto (libssl-dev). Only headers and fixed-arity wrappers live here:
// the owning Swift types are in AgeEncryption and DeviceIdentity.
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

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

// Certificates for enrolment (Enrolment/X509.swift). EVP_PKEY_Q_keygen is variadic and
// BIO_get_mem_data a macro, which Swift cannot call; X509V3_CTX is filled on the stack.
static inline EVP_PKEY *edge_ec_p256_keygen(void) { return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256"); }
static inline long edge_bio_contents(BIO *bio, char **data) { return BIO_get_mem_data(bio, data); }
static inline int edge_x509_add_extension(X509 *cert, X509 *issuer, int nid, const char *value) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
    X509_EXTENSION *extension = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    if (extension == NULL) return 0;
    int ok = X509_add_ext(cert, extension, -1);
    X509_EXTENSION_free(extension);
    return ok;
}
#endif
