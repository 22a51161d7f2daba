/* SHA-256 (engine/sha256.c): the FIPS 180-2 example vectors, one-call and running digests
 * alike, and agreement with libsodium's independent implementation on lengths around every
 * block boundary, fed in pieces of every size, and from several threads at once (each thread
 * keeps its own context for one-call digests). */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "engine/sha256.h"
#include "tests/check.h"

static void hex_of(const void *data, size_t len, char out[65])
{
    uint8_t d[TPP_SHA256_BYTES];
    tpp_sha256_of(data, len, d);
    tpp_sha256_to_hex(d, out);
}

static void test_fips_vectors(void)
{
    char hex[65];
    hex_of("abc", 3, hex);
    CHECK_STR(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    hex_of("", 0, hex);
    CHECK_STR(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    const char *m = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    hex_of(m, strlen(m), hex);
    CHECK_STR(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    /* one million 'a', as a running digest in uneven pieces */
    char a[1001];
    memset(a, 'a', sizeof a);
    tpp_sha256 h;
    tpp_sha256_init(&h);
    for (int i = 0; i < 1000; i++)
        tpp_sha256_update(&h, a, (size_t)(i % 2 ? 999 : 1001));
    uint8_t d[TPP_SHA256_BYTES];
    tpp_sha256_final(&h, d);
    tpp_sha256_to_hex(d, hex);
    CHECK_STR(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

/* Every length 0..300 (around the 64-byte blocks and the padding's edge), with and without a
 * one-byte prefix, against libsodium; the running digest fed in pieces of every size 1..67. */
static void test_against_libsodium(void)
{
    unsigned char buf[300];
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = (unsigned char)(i * 131 + 7);
    int bad = 0;
    for (size_t len = 0; len <= sizeof buf; len++) {
        uint8_t want[32], got[32];
        crypto_hash_sha256(want, buf, len);
        tpp_sha256_of(buf, len, got);
        bad += memcmp(want, got, 32) != 0;
        if (len > 0) {
            crypto_hash_sha256(want, buf, len);
            tpp_sha256_two(buf, 1, buf + 1, len - 1, got);
            bad += memcmp(want, got, 32) != 0;
        }
        for (size_t piece = 1; piece <= 67; piece += 11) {
            tpp_sha256 h;
            tpp_sha256_init(&h);
            for (size_t at = 0; at < len; at += piece)
                tpp_sha256_update(&h, buf + at, len - at < piece ? len - at : piece);
            tpp_sha256_final(&h, got);
            bad += memcmp(want, got, 32) != 0;
        }
    }
    CHECK(bad == 0);
    /* a digest abandoned half-way frees its context; discarding twice is harmless */
    tpp_sha256 h;
    tpp_sha256_init(&h);
    tpp_sha256_update(&h, buf, 10);
    tpp_sha256_discard(&h);
    tpp_sha256_discard(&h);
}

static void test_threads(void)
{
    enum { N = 2000 };
    static uint8_t got[N][32];
#pragma omp parallel for schedule(dynamic, 7)
    for (int i = 0; i < N; i++) {
        char rec[64];
        int len = snprintf(rec, sizeof rec, "record %d", i);
        tpp_sha256_two("\x00", 1, rec, (size_t)len, got[i]);
    }
    int bad = 0;
    for (int i = 0; i < N; i++) {
        char rec[64];
        rec[0] = '\0';
        int len = snprintf(rec + 1, sizeof rec - 1, "record %d", i);
        uint8_t want[32];
        crypto_hash_sha256(want, (const unsigned char *)rec, (unsigned long long)len + 1);
        bad += memcmp(want, got[i], 32) != 0;
    }
    CHECK(bad == 0);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    test_fips_vectors();
    test_against_libsodium();
    test_threads();
    return CHECK_DONE();
}
