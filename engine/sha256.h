/* SHA-256 for every digest tpp takes: input files, canonical records, Merkle leaves and nodes,
 * exported files. Private header.
 *
 * Through OpenSSL's libcrypto, which uses the CPU's SHA extensions where it has them: on the
 * reference machine 4-5x the speed of libsodium's portable code, and a national month hashes
 * gigabytes (the raw input files at import, every canonical record at finalize, every exported
 * file). libsodium stays for Ed25519 (engine/keys.c, exporters/manifest.c). The digests are the
 * same whichever library computes them; tests/unit/test_sha256.c checks the FIPS 180-2 vectors. */
#ifndef TPP_ENGINE_SHA256_H
#define TPP_ENGINE_SHA256_H

#include <sodium.h>
#include <stddef.h>
#include <stdint.h>

enum { TPP_SHA256_BYTES = 32 };

/* A running digest. It cannot fail: when libcrypto cannot allocate its context, the digest is
 * computed by libsodium into `fallback` instead (same result, slower). */
typedef struct tpp_sha256 {
    void *ctx; /* EVP_MD_CTX, or NULL: use fallback */
    crypto_hash_sha256_state fallback;
} tpp_sha256;

void tpp_sha256_init(tpp_sha256 *h);
void tpp_sha256_update(tpp_sha256 *h, const void *data, size_t len);
/* Writes the digest and frees the context: init again to reuse h. */
void tpp_sha256_final(tpp_sha256 *h, uint8_t out[TPP_SHA256_BYTES]);

/* Frees the context of a digest that will not be finished (an error path); h may be finished. */
void tpp_sha256_discard(tpp_sha256 *h);

/* The digest of prefix (plen bytes, may be 0) followed by data, with a context kept per
 * thread: no allocation per call, for the millions of small records of a seal. */
void tpp_sha256_two(const void *prefix, size_t plen, const void *data, size_t len,
                    uint8_t out[TPP_SHA256_BYTES]);
/* The digest of one buffer. */
void tpp_sha256_of(const void *data, size_t len, uint8_t out[TPP_SHA256_BYTES]);
/* Lower-case hex of a digest into out (65 bytes with the NUL). */
void tpp_sha256_to_hex(const uint8_t d[TPP_SHA256_BYTES], char out[65]);

#endif
