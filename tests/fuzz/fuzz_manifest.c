/* libFuzzer target: `tpp verify` (tpp_verify_dir in exporters/manifest.c: the manifest's checksum
 * and signature, its body, each listed file's size and SHA-256, the totals, the machine CSV summed
 * again, files nobody lists) over an export directory made from the input.
 *
 * Input: a flags byte, then the manifest, then the directory's other files, each as
 * "\n=== <name>\n<content>". Flags: bit 0 set, the manifest is a body only and this target
 * appends the manifest-sha256 line over it (else the bytes are the whole manifest, so the
 * checksum stops almost every mutation); bit 1, it also signs it with a fixed Ed25519 key;
 * bit 2, that key is passed as the trusted key.
 *
 * Checks, besides memory safety and UB: the check runs (TPP_OK) on any directory; a failure is
 * reported as a diagnostic and a diagnostic is a failure; and when verify passes, this target
 * confirms it on its own: the manifest holds a manifest-sha256 line equal to the SHA-256 of every
 * byte before it, every file in the directory is named by a file line, each file named has the
 * size and SHA-256 its line gives, and with a trusted key the manifest was signed. */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "engine/util.h"
#include "tests/fuzz/fuzz.h"
#include "tpp/export.h"

#define MAX_FILES     12
#define MANIFEST_NAME "tpp-2025-01.manifest"

static char dir[256];
static unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];

static void setup(void)
{
    FUZZ_ASSERT(sodium_init() >= 0);
    unsigned char seed[crypto_sign_SEEDBYTES];
    memset(seed, 7, sizeof seed);
    crypto_sign_seed_keypair(pk, sk, seed);
    /* tmpfs when there is one: every input writes a directory */
    const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    snprintf(dir, sizeof dir, "%s/tpp-fuzz-manifest-XXXXXX", base);
    FUZZ_ASSERT(mkdtemp(dir) != NULL);
}

static void empty_dir(void)
{
    DIR *d = opendir(dir);
    FUZZ_ASSERT(d != NULL);
    struct dirent *de;
    char path[512];
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.' && (de->d_name[1] == '\0' || strcmp(de->d_name, "..") == 0))
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        FUZZ_ASSERT(unlink(path) == 0);
    }
    closedir(d);
}

static void write_file(const char *name, const void *p, size_t n)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    FUZZ_ASSERT(f != NULL);
    FUZZ_ASSERT(n == 0 || fwrite(p, 1, n, f) == n);
    FUZZ_ASSERT(fclose(f) == 0);
}

static bool usable_name(const uint8_t *p, size_t n)
{
    if (n == 0 || n > 200 || (p[0] == '.' && (n == 1 || (n == 2 && p[1] == '.'))))
        return false;
    for (size_t i = 0; i < n; i++)
        if (p[i] == '/' || p[i] == '\0')
            return false;
    /* one manifest per directory here: the check of a passed verify reads only that one */
    return !(n >= 9 && memcmp(p + n - 9, ".manifest", 9) == 0);
}

/* Whether a line "file <sha> <bytes> <records> <total> <kind> <name>" of body names name; its
 * sha and bytes. The name is the rest of the line after five fields. */
static bool listed(const char *body, const char *name, char sha[65], uint64_t *bytes)
{
    for (const char *line = body; *line != '\0';) {
        const char *eol = strchr(line, '\n');
        if (eol == NULL)
            eol = line + strlen(line);
        if (strncmp(line, "file ", 5) == 0) {
            const char *q = line + 5;
            for (int i = 0; i < 5 && q != NULL && q < eol; i++) {
                q = memchr(q, ' ', (size_t)(eol - q));
                q = q ? q + 1 : NULL;
            }
            if (q != NULL && q <= eol && (size_t)(eol - q) == strlen(name) &&
                memcmp(q, name, (size_t)(eol - q)) == 0 &&
                sscanf(line, "file %64s %" SCNu64, sha, bytes) == 2)
                return true;
        }
        line = *eol ? eol + 1 : eol;
    }
    return false;
}

/* verify passed: confirm it independently. */
static void confirm(const char *text, size_t len, bool trusted, const tpp_verify_report *rep)
{
    const char *ck = strstr(text, "\nmanifest-sha256 ");
    FUZZ_ASSERT(ck != NULL && strncmp(text, "tpp-manifest 1\n", 15) == 0);
    ck++;
    char hex[65];
    tpp_sha256_hex(text, (size_t)(ck - text), hex);
    FUZZ_ASSERT(strncmp(ck + 16, hex, 64) == 0 && ck[80] == '\n');
    FUZZ_ASSERT(text[len - 1] == '\n');
    if (trusted)
        FUZZ_ASSERT(rep->n_signed == 1 && memcmp(rep->signer, pk, sizeof pk) == 0);

    char *body = strndup(text, (size_t)(ck - text));
    FUZZ_ASSERT(body != NULL);
    DIR *d = opendir(dir);
    FUZZ_ASSERT(d != NULL);
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.' || strcmp(de->d_name, MANIFEST_NAME) == 0)
            continue;
        char sha[65], path[512];
        uint64_t bytes;
        if (!listed(body, de->d_name, sha, &bytes)) {
            fprintf(stderr, "'%s' passed verify but no file line names it\n", de->d_name);
            FUZZ_ASSERT(0 && "a file nobody lists passed verify");
        }
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        char *data = NULL;
        size_t n = 0;
        tpp_error e = {0};
        FUZZ_ASSERT(tpp_file_read(path, &data, &n, &e) == TPP_OK);
        tpp_sha256_hex(data, n, hex);
        free(data);
        FUZZ_ASSERT(n == bytes && strcmp(hex, sha) == 0);
    }
    closedir(d);
    free(body);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (dir[0] == '\0')
        setup();
    if (size < 1)
        return 0;
    unsigned flags = data[0];
    const uint8_t *p = data + 1, *end = data + size;
    empty_dir();

    /* the manifest: up to the first marker */
    const uint8_t *m = memmem(p, (size_t)(end - p), "\n=== ", 5);
    size_t mlen = (size_t)((m ? m : end) - p);
    size_t cap = mlen + 256 + 2 * (crypto_sign_PUBLICKEYBYTES + crypto_sign_BYTES);
    char *text = malloc(cap + 1);
    FUZZ_ASSERT(text != NULL);
    memcpy(text, p, mlen);
    size_t tlen = mlen;
    if (flags & 1) {
        if (tlen == 0 || text[tlen - 1] != '\n')
            text[tlen++] = '\n';
        char hex[65];
        tpp_sha256_hex(text, tlen, hex);
        tlen += (size_t)snprintf(text + tlen, cap - tlen, "manifest-sha256 %s\n", hex);
        if (flags & 2) {
            unsigned char sig[crypto_sign_BYTES];
            crypto_sign_detached(sig, NULL, (const unsigned char *)text, tlen, sk);
            char pkhex[2 * sizeof pk + 1], sighex[2 * sizeof sig + 1];
            sodium_bin2hex(pkhex, sizeof pkhex, pk, sizeof pk);
            sodium_bin2hex(sighex, sizeof sighex, sig, sizeof sig);
            tlen += (size_t)snprintf(text + tlen, cap - tlen, "signature ed25519 %s %s\n", pkhex,
                                     sighex);
        }
    }
    text[tlen] = '\0';
    write_file(MANIFEST_NAME, text, tlen);

    /* the other files */
    size_t n_files = 0;
    for (const uint8_t *at = m ? m + 1 : NULL; at != NULL && n_files < MAX_FILES;) {
        const uint8_t *name = at + 4;
        const uint8_t *nl = memchr(name, '\n', (size_t)(end - name));
        if (nl == NULL)
            break;
        const uint8_t *body = nl + 1;
        const uint8_t *next = memmem(body, (size_t)(end - body), "\n=== ", 5);
        const uint8_t *body_end = next ? next : end;
        at = next ? next + 1 : NULL;
        size_t name_len = (size_t)(nl - name);
        char fname[256];
        if (!usable_name(name, name_len))
            continue;
        memcpy(fname, name, name_len);
        fname[name_len] = '\0';
        write_file(fname, body, (size_t)(body_end - body));
        n_files++;
    }

    tpp_diags *diags = tpp_diags_new(fuzz_echo());
    tpp_verify_report rep;
    tpp_error err = {0};
    bool trusted = (flags & 4) != 0;
    tpp_status rc = tpp_verify_dir(dir, trusted ? pk : NULL, diags, &rep, &err);
    FUZZ_ASSERT(rc == TPP_OK);
    FUZZ_ASSERT((rep.n_failed == 0) == (tpp_diags_errors(diags) == 0));
    FUZZ_ASSERT(rep.n_manifests >= 1);
    if (fuzz_echo())
        fprintf(stderr, "verify: %zu manifests, %zu files, %zu failed, %zu signed\n",
                rep.n_manifests, rep.n_files, rep.n_failed, rep.n_signed);
    if (rep.n_failed == 0)
        confirm(text, tlen, trusted, &rep);
    tpp_diags_free(diags);
    free(text);
    return 0;
}
