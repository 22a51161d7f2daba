/* SHA-256 through libcrypto (see sha256.h for why), libsodium as the fallback. */
#include "engine/sha256.h"

#include <openssl/evp.h>
#include <pthread.h>

static pthread_once_t md_once = PTHREAD_ONCE_INIT;
static EVP_MD *md_sha256; /* fetched once: an implicit fetch per digest costs a lock */

static void md_fetch(void)
{
    md_sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
}

static const EVP_MD *md(void)
{
    pthread_once(&md_once, md_fetch);
    return md_sha256;
}

void tpp_sha256_init(tpp_sha256 *h)
{
    h->ctx = NULL;
    EVP_MD_CTX *c = md() ? EVP_MD_CTX_new() : NULL;
    if (c != NULL && EVP_DigestInit_ex(c, md(), NULL) == 1) {
        h->ctx = c;
        return;
    }
    EVP_MD_CTX_free(c);
    crypto_hash_sha256_init(&h->fallback);
}

void tpp_sha256_update(tpp_sha256 *h, const void *data, size_t len)
{
    if (len == 0)
        return;
    if (h->ctx != NULL)
        EVP_DigestUpdate(h->ctx, data, len);
    else
        crypto_hash_sha256_update(&h->fallback, data, len);
}

void tpp_sha256_final(tpp_sha256 *h, uint8_t out[TPP_SHA256_BYTES])
{
    if (h->ctx != NULL) {
        EVP_DigestFinal_ex(h->ctx, out, NULL);
        EVP_MD_CTX_free(h->ctx);
        h->ctx = NULL;
    } else {
        crypto_hash_sha256_final(&h->fallback, out);
    }
}

void tpp_sha256_discard(tpp_sha256 *h)
{
    EVP_MD_CTX_free(h->ctx);
    h->ctx = NULL;
}

/* One context per thread for the one-call digests, freed when the thread ends. The main
 * thread's is freed at exit by the key's destructor not running there: it is one small
 * allocation, reachable from thread-local storage until the process ends. */
static pthread_key_t tls_key;
static pthread_once_t tls_once = PTHREAD_ONCE_INIT;
static int tls_ok;

static void tls_free(void *p)
{
    EVP_MD_CTX_free(p);
}

static void tls_init(void)
{
    tls_ok = pthread_key_create(&tls_key, tls_free) == 0;
}

static EVP_MD_CTX *thread_ctx(void)
{
    pthread_once(&tls_once, tls_init);
    if (!tls_ok || md() == NULL)
        return NULL;
    EVP_MD_CTX *c = pthread_getspecific(tls_key);
    if (c == NULL) {
        c = EVP_MD_CTX_new();
        if (c == NULL || pthread_setspecific(tls_key, c) != 0) {
            EVP_MD_CTX_free(c);
            return NULL;
        }
    }
    return c;
}

void tpp_sha256_two(const void *prefix, size_t plen, const void *data, size_t len,
                    uint8_t out[TPP_SHA256_BYTES])
{
    EVP_MD_CTX *c = thread_ctx();
    if (c != NULL && EVP_DigestInit_ex(c, md(), NULL) == 1) {
        if (plen > 0)
            EVP_DigestUpdate(c, prefix, plen);
        if (len > 0)
            EVP_DigestUpdate(c, data, len);
        EVP_DigestFinal_ex(c, out, NULL);
        return;
    }
    crypto_hash_sha256_state s;
    crypto_hash_sha256_init(&s);
    crypto_hash_sha256_update(&s, prefix, plen);
    crypto_hash_sha256_update(&s, data, len);
    crypto_hash_sha256_final(&s, out);
}

void tpp_sha256_of(const void *data, size_t len, uint8_t out[TPP_SHA256_BYTES])
{
    tpp_sha256_two(NULL, 0, data, len, out);
}

void tpp_sha256_to_hex(const uint8_t d[TPP_SHA256_BYTES], char out[65])
{
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < TPP_SHA256_BYTES; i++) {
        out[2 * i] = hex[d[i] >> 4];
        out[2 * i + 1] = hex[d[i] & 15];
    }
    out[64] = '\0';
}
