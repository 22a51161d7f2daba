/* Ed25519 signing keys for the manifest (libsodium). A key file is one line of text:
 *
 *     tpp-ed25519-secret <128 hex digits: libsodium's 64-byte secret key (seed + public key)>
 *     tpp-ed25519-public <64 hex digits>
 *
 * Text, so that a key can be printed, compared and backed up on paper; the secret file is created
 * with mode 0600 and never overwritten. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "engine/util.h"
#include "tpp/export.h"

#define SECRET_TAG "tpp-ed25519-secret "
#define PUBLIC_TAG "tpp-ed25519-public "

void tpp_hex(const unsigned char *in, size_t n, char *out)
{
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hex[in[i] >> 4];
        out[2 * i + 1] = hex[in[i] & 15];
    }
    out[2 * n] = '\0';
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Exactly 2n hex digits at s, then the end of the text or a line break. */
static bool unhex(const char *s, unsigned char *out, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int hi = hexval(s[2 * i]), lo = hi < 0 ? -1 : hexval(s[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        out[i] = (unsigned char)(hi << 4 | lo);
    }
    char end = s[2 * n];
    return end == '\0' || end == '\n' || end == '\r';
}

/* Create path exclusively with the given mode and write text to it, synced. */
static tpp_status write_new(const char *path, const char *text, mode_t mode, tpp_error *err)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, mode);
    if (fd < 0)
        return tpp_fail(err, TPP_ERR_IO, TPP_NOLOC, "cannot create '%s': %s", path,
                        strerror(errno));
    size_t len = strlen(text);
    ssize_t put = write(fd, text, len);
    int bad = put < 0 || (size_t)put != len || fsync(fd) != 0;
    bad |= close(fd) != 0;
    if (bad) {
        unlink(path);
        return tpp_fail(err, TPP_ERR_IO, TPP_NOLOC, "cannot write '%s'", path);
    }
    return TPP_OK;
}

tpp_status tpp_key_generate(const char *path, unsigned char pub[TPP_SIGN_PUBLIC_BYTES],
                            tpp_error *err)
{
    char pub_path[1024];
    if (snprintf(pub_path, sizeof pub_path, "%s.pub", path) >= (int)sizeof pub_path)
        return tpp_fail(err, TPP_ERR_IO, TPP_NOLOC, "path too long: '%s'", path);
    struct stat sb;
    if (stat(path, &sb) == 0 || stat(pub_path, &sb) == 0)
        return tpp_fail(err, TPP_ERR_IO, TPP_NOLOC,
                        "'%s' or '%s' already exists; a key is never overwritten", path, pub_path);

    unsigned char sk[crypto_sign_SECRETKEYBYTES];
    if (sodium_init() < 0 || crypto_sign_keypair(pub, sk) != 0)
        return tpp_fail(err, TPP_ERR_INTERNAL, TPP_NOLOC, "cannot generate a key pair");
    char line[sizeof SECRET_TAG + 2 * crypto_sign_SECRETKEYBYTES + 2];
    char hex[2 * crypto_sign_SECRETKEYBYTES + 1];
    tpp_hex(sk, sizeof sk, hex);
    snprintf(line, sizeof line, "%s%s\n", SECRET_TAG, hex);
    sodium_memzero(sk, sizeof sk);
    tpp_status rc = write_new(path, line, 0600, err);
    sodium_memzero(line, sizeof line);
    sodium_memzero(hex, sizeof hex);
    if (rc != TPP_OK)
        return rc;
    char pline[sizeof PUBLIC_TAG + 2 * TPP_SIGN_PUBLIC_BYTES + 2];
    char phex[2 * TPP_SIGN_PUBLIC_BYTES + 1];
    tpp_hex(pub, TPP_SIGN_PUBLIC_BYTES, phex);
    snprintf(pline, sizeof pline, "%s%s\n", PUBLIC_TAG, phex);
    rc = write_new(pub_path, pline, 0644, err);
    if (rc != TPP_OK)
        unlink(path); /* no secret without its public half */
    return rc;
}

tpp_status tpp_key_load_secret(const char *path, unsigned char sk[TPP_SIGN_SECRET_BYTES],
                               tpp_error *err)
{
    char *text = NULL;
    size_t len = 0;
    TPP_TRY(tpp_file_read(path, &text, &len, err));
    tpp_status rc = TPP_OK;
    unsigned char pk[crypto_sign_PUBLICKEYBYTES];
    if (strncmp(text, SECRET_TAG, strlen(SECRET_TAG)) != 0 ||
        len < strlen(SECRET_TAG) + 2 * TPP_SIGN_SECRET_BYTES ||
        !unhex(text + strlen(SECRET_TAG), sk, TPP_SIGN_SECRET_BYTES))
        rc = tpp_fail(err, TPP_ERR_INVALID, TPP_NOLOC,
                      "'%s' is not a tpp signing key (expected '%s<128 hex digits>')", path,
                      SECRET_TAG);
    /* The second half of a libsodium secret key is its public key: check that they belong
     * together, so a damaged key file is caught here rather than by BPKAD. */
    else if (crypto_sign_ed25519_sk_to_pk(pk, sk) != 0 ||
             memcmp(pk, sk + crypto_sign_SEEDBYTES, sizeof pk) != 0) {
        rc = tpp_fail(err, TPP_ERR_INVALID, TPP_NOLOC, "'%s': the key is damaged", path);
    } else {
        unsigned char seed_pk[crypto_sign_PUBLICKEYBYTES], seed_sk[crypto_sign_SECRETKEYBYTES];
        crypto_sign_seed_keypair(seed_pk, seed_sk, sk);
        if (memcmp(seed_pk, pk, sizeof pk) != 0)
            rc = tpp_fail(err, TPP_ERR_INVALID, TPP_NOLOC, "'%s': the key is damaged", path);
        sodium_memzero(seed_sk, sizeof seed_sk);
    }
    if (rc != TPP_OK)
        sodium_memzero(sk, TPP_SIGN_SECRET_BYTES);
    sodium_memzero(text, len);
    free(text);
    return rc;
}

tpp_status tpp_key_load_public(const char *path_or_hex, unsigned char pk[TPP_SIGN_PUBLIC_BYTES],
                               tpp_error *err)
{
    if (strlen(path_or_hex) == 2 * TPP_SIGN_PUBLIC_BYTES &&
        unhex(path_or_hex, pk, TPP_SIGN_PUBLIC_BYTES))
        return TPP_OK;
    char *text = NULL;
    size_t len = 0;
    TPP_TRY(tpp_file_read(path_or_hex, &text, &len, err));
    tpp_status rc = TPP_OK;
    if (strncmp(text, PUBLIC_TAG, strlen(PUBLIC_TAG)) != 0 ||
        len < strlen(PUBLIC_TAG) + 2 * TPP_SIGN_PUBLIC_BYTES ||
        !unhex(text + strlen(PUBLIC_TAG), pk, TPP_SIGN_PUBLIC_BYTES))
        rc = tpp_fail(err, TPP_ERR_INVALID, TPP_NOLOC,
                      "'%s' is not a tpp public key (expected '%s<64 hex digits>')", path_or_hex,
                      PUBLIC_TAG);
    free(text);
    return rc;
}
