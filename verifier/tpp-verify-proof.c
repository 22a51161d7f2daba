/* tpp-verify-proof: check an inclusion proof written by `tpp proof` against a published root,
 * and (--manifest) an export directory against its signed manifest.
 *
 * Deliberately separate from tpp: one file, the C library only (and libsodium's Ed25519 check for
 * manifest signatures), its own SHA-256 (FIPS 180-4), written from docs/canonical-trace.md, RFC
 * 9162 §2.1.3.2 and the manifest format of exporters/manifest.c, sharing no code with the engine,
 * so that a bug in the engine's hashing cannot hide itself here. Anything not exactly in the
 * documented form is rejected: a verifier that is lenient about its input is how forged proofs
 * get accepted.
 *
 * Exit codes: 0 the proof is valid for the given root, 1 rejected, 2 usage, 4 cannot read.
 *
 * Compiled with TPP_VERIFIER_NO_MAIN, the file is the parser and checker alone (no main, no
 * self-test, nothing printed): the fuzz target tests/fuzz/fuzz_proof.c includes it that way. */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sodium.h>

/* ---- SHA-256 ---------------------------------------------------------------------------- */

typedef struct sha256 {
    uint32_t h[8];
    uint64_t len; /* bytes hashed so far */
    uint8_t buf[64];
    size_t n; /* bytes in buf */
} sha256;

static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static uint32_t ror(uint32_t x, int n)
{
    return (x >> n) | (x << (32 - n));
}

static void sha256_block(sha256 *s, const uint8_t *p)
{
    uint32_t w[64];
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
               (uint32_t)p[4 * i + 2] << 8 | (uint32_t)p[4 * i + 3];
    for (int i = 16; i < 64; i++) {
        uint32_t s0 = ror(w[i - 15], 7) ^ ror(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = ror(w[i - 2], 17) ^ ror(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    uint32_t a = s->h[0], b = s->h[1], c = s->h[2], d = s->h[3];
    uint32_t e = s->h[4], f = s->h[5], g = s->h[6], h = s->h[7];
    for (int i = 0; i < 64; i++) {
        uint32_t t1 =
            h + (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i];
        uint32_t t2 = (ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
        h = g;
        g = f;
        f = e;
        e = d + t1;
        d = c;
        c = b;
        b = a;
        a = t1 + t2;
    }
    s->h[0] += a;
    s->h[1] += b;
    s->h[2] += c;
    s->h[3] += d;
    s->h[4] += e;
    s->h[5] += f;
    s->h[6] += g;
    s->h[7] += h;
}

static void sha256_init(sha256 *s)
{
    static const uint32_t iv[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                   0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    memcpy(s->h, iv, sizeof iv);
    s->len = 0;
    s->n = 0;
}

static void sha256_update(sha256 *s, const void *data, size_t len)
{
    const uint8_t *p = data;
    s->len += len;
    while (len > 0) {
        size_t take = 64 - s->n < len ? 64 - s->n : len;
        memcpy(s->buf + s->n, p, take);
        s->n += take;
        p += take;
        len -= take;
        if (s->n == 64) {
            sha256_block(s, s->buf);
            s->n = 0;
        }
    }
}

static void sha256_final(sha256 *s, uint8_t out[32])
{
    uint64_t bits = s->len * 8;
    uint8_t pad = 0x80, zero = 0;
    sha256_update(s, &pad, 1);
    while (s->n != 56)
        sha256_update(s, &zero, 1);
    uint8_t l[8];
    for (int i = 0; i < 8; i++)
        l[i] = (uint8_t)(bits >> (56 - 8 * i));
    sha256_update(s, l, 8);
    for (int i = 0; i < 8; i++) {
        out[4 * i] = (uint8_t)(s->h[i] >> 24);
        out[4 * i + 1] = (uint8_t)(s->h[i] >> 16);
        out[4 * i + 2] = (uint8_t)(s->h[i] >> 8);
        out[4 * i + 3] = (uint8_t)s->h[i];
    }
}

/* RFC 6962: leaf = H(0x00 || data), node = H(0x01 || left || right). */
static void leaf_hash(const uint8_t *data, size_t len, uint8_t out[32])
{
    sha256 s;
    uint8_t prefix = 0x00;
    sha256_init(&s);
    sha256_update(&s, &prefix, 1);
    sha256_update(&s, data, len);
    sha256_final(&s, out);
}

static void node_hash(const uint8_t l[32], const uint8_t r[32], uint8_t out[32])
{
    sha256 s;
    uint8_t prefix = 0x01;
    sha256_init(&s);
    sha256_update(&s, &prefix, 1);
    sha256_update(&s, l, 32);
    sha256_update(&s, r, 32);
    sha256_final(&s, out);
}

/* ---- strict parsing --------------------------------------------------------------------- */

static const char *reason = "";

static bool reject(const char *why)
{
    reason = why;
    return false;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* Exactly 2*n lowercase hex digits. */
static bool unhex(const char *s, size_t len, uint8_t *out, size_t n)
{
    if (len != 2 * n)
        return false;
    for (size_t i = 0; i < n; i++) {
        int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return true;
}

/* A decimal without sign or leading zeros, below 2^63. */
static bool decimal(const char *s, size_t len, uint64_t *out)
{
    if (len == 0 || len > 19 || (len > 1 && s[0] == '0'))
        return false;
    uint64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    if (v > INT64_MAX)
        return false;
    *out = v;
    return true;
}

typedef struct cursor {
    const char *p, *end;
} cursor;

/* The next line "key value" with exactly this key; value without the LF. */
static bool line_kv(cursor *c, const char *key, const char **val, size_t *len)
{
    const char *nl = memchr(c->p, '\n', (size_t)(c->end - c->p));
    if (nl == NULL)
        return false;
    size_t kl = strlen(key);
    if ((size_t)(nl - c->p) < kl + 1 || memcmp(c->p, key, kl) != 0 || c->p[kl] != ' ')
        return false;
    *val = c->p + kl + 1;
    *len = (size_t)(nl - *val);
    c->p = nl + 1;
    return true;
}

static bool line_is(cursor *c, const char *text)
{
    size_t n = strlen(text);
    if ((size_t)(c->end - c->p) < n + 1 || memcmp(c->p, text, n) != 0 || c->p[n] != '\n')
        return false;
    c->p += n + 1;
    return true;
}

typedef struct record_view {
    const char *period, *nip, *name, *tpp, *net, *status, *line;
    size_t period_len, nip_len, name_len, tpp_len, net_len, status_len, line_len;
} record_view;

/* "len:bytes" at *p (within end); advances past it. */
static bool netstring(const char **p, const char *end, const char **val, size_t *len)
{
    const char *q = *p;
    while (q < end && *q >= '0' && *q <= '9')
        q++;
    uint64_t n;
    if (q == end || *q != ':' || !decimal(*p, (size_t)(q - *p), &n))
        return false;
    q++;
    if ((uint64_t)(end - q) < n)
        return false;
    *val = q;
    *len = (size_t)n;
    *p = q + n;
    return true;
}

/* The canonical record (docs/canonical-trace.md §2): header, then lines of a key and one
 * or more netstrings, then "end\n" as the very last bytes. Version 1 has the trace as "step"
 * lines of five values (or one "trace-raw"); version 2 has the employee's `line` after `nip` and
 * the trace as one "trace" value, the compact trace's bytes, and no step lines. */
static bool parse_record(const uint8_t *rec, size_t len, int version, record_view *v)
{
    memset(v, 0, sizeof *v);
    const char *p = (const char *)rec, *end = p + len;
    const char *header = version == 1 ? "tpp-canonical-record 1\n" : "tpp-canonical-record 2\n";
    size_t hl = strlen(header);
    if (len < hl || memcmp(p, header, hl) != 0)
        return reject(version == 1 ? "the record is not a canonical record of version 1"
                                   : "the record is not a canonical record of version 2");
    p += hl;
    int n_trace = 0;
    for (;;) {
        if (end - p == 4 && memcmp(p, "end\n", 4) == 0)
            break;
        const char *k = p;
        while (p < end &&
               ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_' || *p == '-'))
            p++;
        size_t kl = (size_t)(p - k);
        if (kl == 0 || p == end || *p != ' ')
            return reject("the record is malformed (bad key)");
        const char *val = NULL;
        size_t vl = 0;
        int n_values = 0;
        while (p < end && *p == ' ') {
            p++;
            if (!netstring(&p, end, &val, &vl))
                return reject("the record is malformed (bad length-prefixed value)");
            n_values++;
        }
        if (p == end || *p != '\n')
            return reject("the record is malformed (line does not end)");
        p++;
        bool is_step = kl == 4 && memcmp(k, "step", 4) == 0;
        if (version == 2 && (is_step || (kl == 5 && memcmp(k, "steps", 5) == 0) ||
                             (kl == 9 && memcmp(k, "trace-raw", 9) == 0)))
            return reject("the record is malformed (a version 1 trace in a version 2 record)");
        if (version == 2 && kl == 5 && memcmp(k, "trace", 5) == 0)
            n_trace++;
        if (is_step ? n_values != 5 : n_values != 1)
            return reject("the record is malformed (wrong number of values)");
        struct {
            const char *key;
            const char **val;
            size_t *len;
        } want[] = {{"period", &v->period, &v->period_len}, {"nip", &v->nip, &v->nip_len},
                    {"name", &v->name, &v->name_len},       {"tpp", &v->tpp, &v->tpp_len},
                    {"net", &v->net, &v->net_len},          {"status", &v->status, &v->status_len},
                    {"line", &v->line, &v->line_len}};
        for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
            if (strlen(want[i].key) == kl && memcmp(want[i].key, k, kl) == 0) {
                if (*want[i].val != NULL)
                    return reject("the record repeats a field");
                *want[i].val = val;
                *want[i].len = vl;
            }
        }
    }
    if (v->period == NULL || v->nip == NULL)
        return reject("the record has no period or nip");
    if (version == 2 && n_trace != 1)
        return reject("the record does not hold exactly one trace");
    if (version == 2 && v->line == NULL)
        return reject("the record of version 2 has no line");
    return true;
}

/* ---- the proof -------------------------------------------------------------------------- */

#define MAX_PATH 64

typedef struct proof {
    int version; /* 1 or 2: the version of the record it carries too */
    size_t n_notes; /* version 2: lines of the trace as text, informative, not hashed */
    const char *period, *nip;
    size_t period_len, nip_len;
    uint64_t revision, tree_size, leaf_index;
    uint8_t root[32], seal[32];
    uint8_t *record;
    size_t record_len;
    uint8_t path[MAX_PATH][32];
    size_t n_path;
} proof;

static bool parse_proof(const char *text, size_t len, proof *pf)
{
    cursor c = {text, text + len};
    const char *v;
    size_t vl;
    if (line_is(&c, "tpp-inclusion-proof 1"))
        pf->version = 1;
    else if (line_is(&c, "tpp-inclusion-proof 2"))
        pf->version = 2;
    else
        return reject("not an inclusion proof of version 1 or 2");
    if (!line_kv(&c, "period", &pf->period, &pf->period_len) || pf->period_len != 7)
        return reject("missing or bad 'period' line");
    if (!line_kv(&c, "revision", &v, &vl) || !decimal(v, vl, &pf->revision))
        return reject("missing or bad 'revision' line");
    if (!line_kv(&c, "nip", &pf->nip, &pf->nip_len) || pf->nip_len == 0)
        return reject("missing or bad 'nip' line");
    if (!line_kv(&c, "tree-size", &v, &vl) || !decimal(v, vl, &pf->tree_size))
        return reject("missing or bad 'tree-size' line");
    if (!line_kv(&c, "leaf-index", &v, &vl) || !decimal(v, vl, &pf->leaf_index))
        return reject("missing or bad 'leaf-index' line");
    if (!line_kv(&c, "root", &v, &vl) || !unhex(v, vl, pf->root, 32))
        return reject("missing or bad 'root' line");
    if (!line_kv(&c, "seal", &v, &vl) || !unhex(v, vl, pf->seal, 32))
        return reject("missing or bad 'seal' line");
    if (!line_kv(&c, "record", &v, &vl) || vl == 0 || vl % 2 != 0)
        return reject("missing or bad 'record' line");
    pf->record = malloc(vl / 2);
    if (pf->record == NULL)
        return reject("out of memory");
    if (!unhex(v, vl, pf->record, vl / 2))
        return reject("the record is not lowercase hex");
    pf->record_len = vl / 2;
    while (line_kv(&c, "path", &v, &vl)) {
        if (pf->n_path == MAX_PATH)
            return reject("too many path hashes");
        if (!unhex(v, vl, pf->path[pf->n_path], 32))
            return reject("a path hash is not 64 lowercase hex digits");
        pf->n_path++;
    }
    /* version 2: the trace as text for the reader, one "note" line per step; any bytes but LF.
     * Not covered by the root: the verifier only counts them. */
    while (pf->version == 2 && line_kv(&c, "note", &v, &vl))
        pf->n_notes++;
    if (!line_is(&c, "end"))
        return reject("truncated or malformed: no 'end' line where expected");
    if (c.p != c.end)
        return reject("data after the 'end' line");
    return true;
}

/* RFC 9162 §2.1.3.2: recompute the root from the leaf and its audit path. */
static bool check_path(const proof *pf, const uint8_t leaf[32])
{
    if (pf->leaf_index >= pf->tree_size)
        return reject("leaf-index is not below tree-size");
    uint64_t fn = pf->leaf_index, sn = pf->tree_size - 1;
    uint8_t r[32];
    memcpy(r, leaf, 32);
    for (size_t i = 0; i < pf->n_path; i++) {
        if (sn == 0)
            return reject("the audit path is longer than the tree is deep");
        if ((fn & 1) || fn == sn) {
            node_hash(pf->path[i], r, r);
            if (!(fn & 1))
                while (fn != 0 && !(fn & 1)) {
                    fn >>= 1;
                    sn >>= 1;
                }
        } else {
            node_hash(r, pf->path[i], r);
        }
        fn >>= 1;
        sn >>= 1;
    }
    if (sn != 0)
        return reject("the audit path is shorter than the tree is deep (truncated)");
    uint8_t diff = 0;
    for (int i = 0; i < 32; i++)
        diff |= (uint8_t)(r[i] ^ pf->root[i]);
    if (diff != 0)
        return reject("the record and audit path do not lead to the root");
    return true;
}

static bool verify(const char *text, size_t len, const uint8_t published[32], uint64_t size,
                   proof *pf)
{
    if (!parse_proof(text, len, pf))
        return false;
    if (memcmp(pf->root, published, 32) != 0)
        return reject("the proof is for another root than the published one");
    /* A root alone does not fix the tree size: for some leaves the same path fits a tree of
     * another size. The published size closes that gap. */
    if (size != 0 && pf->tree_size != size)
        return reject("the proof's tree-size is not the published number of lines");
    record_view rv;
    if (!parse_record(pf->record, pf->record_len, pf->version, &rv))
        return false;
    if (rv.period_len != pf->period_len || memcmp(rv.period, pf->period, pf->period_len) != 0)
        return reject("the record's period is not the proof's period");
    if (rv.nip_len != pf->nip_len || memcmp(rv.nip, pf->nip, pf->nip_len) != 0)
        return reject("the record's NIP is not the proof's NIP");
    uint8_t leaf[32];
    leaf_hash(pf->record, pf->record_len, leaf);
    if (!check_path(pf, leaf))
        return false;
#ifndef TPP_VERIFIER_NO_MAIN
    printf("VALID: the line of NIP %.*s", (int)rv.nip_len, rv.nip);
    if (rv.line && !(rv.line_len == 1 && rv.line[0] == '1'))
        printf(" (line %.*s: a transfer between OPDs)", (int)rv.line_len, rv.line);
    if (rv.name)
        printf(" (%.*s)", (int)rv.name_len, rv.name);
    printf(" for %.*s is leaf %llu of %llu in the sealed run with root\n  ", (int)rv.period_len,
           rv.period, (unsigned long long)pf->leaf_index, (unsigned long long)pf->tree_size);
    for (int i = 0; i < 32; i++)
        printf("%02x", published[i]);
    printf("\n");
    if (rv.tpp && rv.net)
        printf("  jumlah TPP %.*s, diterima %.*s (rupiah); status %.*s\n", (int)rv.tpp_len, rv.tpp,
               (int)rv.net_len, rv.net, (int)rv.status_len, rv.status ? rv.status : "");
    if (pf->version == 2)
        printf("  %zu 'note' lines: the trace as text, informative only: the root covers the\n"
               "  record's compact trace, which the run's rule pack renders as that text\n",
               pf->n_notes);
#endif
    return true;
}

#ifndef TPP_VERIFIER_NO_MAIN

static int self_test(void)
{
    static const struct {
        const char *msg;
        const char *hex;
    } v[] = {
        {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
        {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
        {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
    };
    int bad = 0;
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        sha256 s;
        uint8_t d[32], want[32];
        sha256_init(&s);
        sha256_update(&s, v[i].msg, strlen(v[i].msg));
        sha256_final(&s, d);
        unhex(v[i].hex, 64, want, 32);
        bad += memcmp(d, want, 32) != 0;
    }
    /* One million 'a' (FIPS 180-2 appendix B.3), fed in uneven pieces. */
    sha256 s;
    uint8_t d[32], want[32];
    char a[1001];
    memset(a, 'a', sizeof a);
    sha256_init(&s);
    for (int i = 0; i < 1000; i++)
        sha256_update(&s, a, i % 2 ? 999 : 1001);
    sha256_final(&s, d);
    unhex("cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0", 64, want, 32);
    bad += memcmp(d, want, 32) != 0;
    printf("self-test: %s\n", bad ? "FAILED" : "ok");
    return bad ? 1 : 0;
}

/* ---- manifests ---------------------------------------------------------------------------
 *
 * `--manifest DIR` checks the payroll files of an export directory against its
 * tpp-YYYY-MM.manifest (format: exporters/manifest.c), again without any code of tpp: every
 * listed file's size and SHA-256 (this file's SHA-256), the manifest's checksum line, its
 * Ed25519 signature (libsodium, the one library used here; a well-kept implementation of the
 * curve is safer than a new one), that every payment file and the bank files together total
 * the manifest's total-net, that no file sits unlisted beside them, and with --root that the
 * manifest names that sealed root. Strict: the lines must come exactly in the written order. */

#define MAX_MANIFEST (1u << 20)
#define MAX_FILES    256

typedef struct mfile {
    uint8_t sha[32];
    uint64_t bytes, records, total;
    const char *kind, *name;
    size_t kind_len, name_len;
} mfile;

typedef struct manifest {
    const char *seal_kind, *seal;
    size_t seal_kind_len, seal_len;
    uint64_t total_net;
    size_t n_files;
    mfile files[MAX_FILES];
    bool signed_;
    uint8_t signer[32];
} manifest;

static size_t n_problems;

static void problem(const char *dir, const char *name, const char *why)
{
    n_problems++;
    printf("%s%s%s: rejected: %s\n", dir, name ? "/" : "", name ? name : "", why);
}

static bool two_digits_between(const char *v, int lo, int hi)
{
    if (v[0] < '0' || v[0] > '9' || v[1] < '0' || v[1] > '9')
        return false;
    int x = (v[0] - '0') * 10 + (v[1] - '0');
    return x >= lo && x <= hi;
}

/* Split off the next space-separated field of [*p, end). */
static bool field(const char **p, const char *end, const char **val, size_t *len)
{
    const char *sp = memchr(*p, ' ', (size_t)(end - *p));
    if (sp == NULL || sp == *p)
        return false;
    *val = *p;
    *len = (size_t)(sp - *p);
    *p = sp + 1;
    return true;
}

static bool printable(const char *s, size_t len, bool allow_space)
{
    if (len == 0)
        return false;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] < (allow_space ? ' ' : '!') || (unsigned char)s[i] > '~')
            return false;
    return true;
}

static bool ends_with_manifest(const char *s, size_t len)
{
    return len > 9 && memcmp(s + len - 9, ".manifest", 9) == 0;
}

/* "file <sha256> <bytes> <records> <total> <kind> <name>" without "file ". */
static bool parse_file(const char *p, const char *end, mfile *f)
{
    const char *v;
    size_t n;
    if (!field(&p, end, &v, &n) || !unhex(v, n, f->sha, 32) || !field(&p, end, &v, &n) ||
        !decimal(v, n, &f->bytes) || !field(&p, end, &v, &n) || !decimal(v, n, &f->records) ||
        !field(&p, end, &v, &n) || !decimal(v, n, &f->total) ||
        !field(&p, end, &f->kind, &f->kind_len) || !printable(f->kind, f->kind_len, false))
        return false;
    f->name = p;
    f->name_len = (size_t)(end - p);
    /* A name of the directory itself: no path, no hidden file, no other manifest. */
    return f->name_len > 0 && f->name_len < 256 && f->name[0] != '.' &&
           printable(f->name, f->name_len, true) && memchr(f->name, '/', f->name_len) == NULL &&
           !ends_with_manifest(f->name, f->name_len);
}

static bool parse_manifest(const char *text, size_t len, const uint8_t *trusted, manifest *m)
{
    if (len == 0 || text[len - 1] != '\n' || memchr(text, '\0', len) != NULL)
        return reject("not a manifest (empty, truncated or binary)");
    cursor c = {text, text + len};
    const char *v;
    size_t n;
    uint64_t u;
    if (!line_is(&c, "tpp-manifest 1"))
        return reject("not a tpp manifest, version 1 (first line)");
    if (!line_kv(&c, "period", &v, &n) || n != 7 || v[4] != '-' || !decimal(v, 4, &u) ||
        !two_digits_between(v + 5, 1, 12))
        return reject("bad or missing period line");
    if (!line_kv(&c, "run", &v, &n) || !decimal(v, n, &u))
        return reject("bad or missing run line");
    const char *pend;
    if (!line_kv(&c, "pack", &v, &n) || (pend = memchr(v, ' ', n)) == NULL ||
        !printable(v, (size_t)(pend - v), false) ||
        !unhex(pend + 1, n - (size_t)(pend - v) - 1, (uint8_t[32]){0}, 32))
        return reject("bad or missing pack line");
    if (!line_kv(&c, "seal", &v, &n) || (pend = memchr(v, ' ', n)) == NULL ||
        !unhex(pend + 1, n - (size_t)(pend - v) - 1, (uint8_t[32]){0}, 32))
        return reject("bad or missing seal line");
    m->seal_kind = v;
    m->seal_kind_len = (size_t)(pend - v);
    m->seal = pend + 1;
    m->seal_len = 64;
    if (!((m->seal_kind_len == 5 && memcmp(v, "final", 5) == 0) ||
          (m->seal_kind_len == 11 && memcmp(v, "provisional", 11) == 0)))
        return reject("seal is neither final nor provisional");
    if (!line_kv(&c, "lines", &v, &n) || !decimal(v, n, &u))
        return reject("bad or missing lines line");
    if (!line_kv(&c, "total-net", &v, &n) || !decimal(v, n, &m->total_net))
        return reject("bad or missing total-net line");
    while (c.p < c.end && (size_t)(c.end - c.p) > 5 && memcmp(c.p, "file ", 5) == 0) {
        const char *nl = memchr(c.p, '\n', (size_t)(c.end - c.p));
        if (m->n_files == MAX_FILES)
            return reject("too many files");
        if (!parse_file(c.p + 5, nl, &m->files[m->n_files]))
            return reject("malformed file line");
        for (size_t i = 0; i < m->n_files; i++)
            if (m->files[i].name_len == m->files[m->n_files].name_len &&
                memcmp(m->files[i].name, m->files[m->n_files].name, m->files[i].name_len) == 0)
                return reject("a file is listed twice");
        m->n_files++;
        c.p = nl + 1;
    }
    if (m->n_files == 0)
        return reject("no file lines");
    /* The checksum: SHA-256 of every byte above its line. */
    size_t body = (size_t)(c.p - text);
    uint8_t want[32], got[32];
    if (!line_kv(&c, "manifest-sha256", &v, &n) || !unhex(v, n, want, 32))
        return reject("bad or missing manifest-sha256 line");
    sha256 s;
    sha256_init(&s);
    sha256_update(&s, text, body);
    sha256_final(&s, got);
    if (memcmp(want, got, 32) != 0)
        return reject("the manifest is damaged: its checksum does not match");
    /* The signature: Ed25519 over every byte above its line, the checksum line included. */
    size_t signed_len = (size_t)(c.p - text);
    if (c.p == c.end) {
        if (trusted != NULL)
            return reject("the manifest is not signed, but --key was given");
        return true;
    }
    const char *sig;
    size_t sig_len;
    if (!line_kv(&c, "signature", &v, &n) || c.p != c.end || n < 8 || memcmp(v, "ed25519 ", 8) != 0)
        return reject("bad signature line, or text after it");
    v += 8;
    n -= 8;
    uint8_t pk[32], sg[64];
    if ((sig = memchr(v, ' ', n)) == NULL || !unhex(v, (size_t)(sig - v), pk, 32) ||
        (sig_len = n - (size_t)(sig - v) - 1, !unhex(sig + 1, sig_len, sg, 64)))
        return reject("bad signature line");
    if (sodium_init() < 0)
        return reject("libsodium cannot start");
    if (crypto_sign_verify_detached(sg, (const unsigned char *)text, signed_len, pk) != 0)
        return reject("the Ed25519 signature does not match the manifest");
    if (trusted != NULL && memcmp(pk, trusted, 32) != 0)
        return reject("signed by another key than the one given with --key");
    m->signed_ = true;
    memcpy(m->signer, pk, 32);
    return true;
}

/* SHA-256 and size of a file, streamed. False when it cannot be read. */
static bool hash_path(const char *path, uint8_t out[32], uint64_t *bytes)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return false;
    sha256 s;
    sha256_init(&s);
    static uint8_t buf[1 << 16];
    size_t got;
    *bytes = 0;
    while ((got = fread(buf, 1, sizeof buf, f)) > 0) {
        sha256_update(&s, buf, got);
        *bytes += got;
    }
    bool ok = !ferror(f);
    fclose(f);
    sha256_final(&s, out);
    return ok;
}

static bool kind_is(const mfile *f, const char *k)
{
    return f->kind_len == strlen(k) && memcmp(f->kind, k, f->kind_len) == 0;
}

/* The listed files of a parsed manifest, and the totals. */
static void check_listed(const char *dir, const manifest *m)
{
    uint64_t bank = 0;
    bool any_bank = false;
    for (size_t i = 0; i < m->n_files; i++) {
        const mfile *f = &m->files[i];
        char name[256], path[4096];
        snprintf(name, sizeof name, "%.*s", (int)f->name_len, f->name);
        snprintf(path, sizeof path, "%s/%s", dir, name);
        uint8_t h[32];
        uint64_t bytes;
        if (!hash_path(path, h, &bytes))
            problem(dir, name, "listed in the manifest but cannot be read");
        else if (bytes != f->bytes)
            problem(dir, name, "size differs from the manifest: the file was changed");
        else if (memcmp(h, f->sha, 32) != 0)
            problem(dir, name, "SHA-256 differs from the manifest: the file was changed");
        if ((kind_is(f, "payment-xlsx") || kind_is(f, "machine-csv")) && f->total != m->total_net)
            problem(dir, name, "its total differs from the manifest's total-net");
        if (f->kind_len > 5 && memcmp(f->kind, "bank:", 5) == 0) {
            any_bank = true;
            if (bank + f->total < bank)
                bank = UINT64_MAX; /* cannot equal a total below 2^63 */
            else
                bank += f->total;
        }
    }
    if (any_bank && bank != m->total_net)
        problem(dir, NULL, "the bank files together do not total the manifest's total-net");
}

static int cmp_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Check every *.manifest of dir and its files; a file no manifest lists is a problem too. */
static int verify_manifests(const char *dir, const uint8_t *trusted, const char *root_hex)
{
    DIR *d = opendir(dir);
    if (d == NULL) {
        fprintf(stderr, "tpp-verify-proof: cannot open directory '%s': %s\n", dir, strerror(errno));
        return 4;
    }
    char *names[1024];
    size_t n = 0;
    struct dirent *de;
    bool too_many = false;
    while ((de = readdir(d)) != NULL) {
        char full[4096];
        struct stat sb;
        snprintf(full, sizeof full, "%s/%s", dir, de->d_name);
        if (de->d_name[0] == '.' && (de->d_name[1] == '\0' || strcmp(de->d_name, "..") == 0))
            continue;
        if (stat(full, &sb) == 0 && S_ISDIR(sb.st_mode))
            continue;
        if (n == sizeof names / sizeof names[0]) {
            too_many = true;
            break;
        }
        if ((names[n] = strdup(de->d_name)) == NULL) {
            too_many = true;
            break;
        }
        n++;
    }
    closedir(d);
    if (too_many) {
        fprintf(stderr, "tpp-verify-proof: too many files in '%s'\n", dir);
        for (size_t i = 0; i < n; i++)
            free(names[i]);
        return 4;
    }
    qsort(names, n, sizeof *names, cmp_name);
    bool listed[1024] = {false};
    size_t n_manifests = 0, n_files = 0, n_signed = 0;
    uint8_t signer[32] = {0};
    char *text = malloc(MAX_MANIFEST + 1);
    manifest *m = malloc(sizeof *m);
    if (text == NULL || m == NULL) {
        fprintf(stderr, "tpp-verify-proof: out of memory\n");
        n = 0;
        n_problems++;
    }
    for (size_t i = 0; i < n; i++) {
        if (!ends_with_manifest(names[i], strlen(names[i])))
            continue;
        listed[i] = true;
        n_manifests++;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        FILE *f = fopen(path, "rb");
        size_t len = f ? fread(text, 1, MAX_MANIFEST + 1, f) : 0;
        bool bad = f == NULL || ferror(f);
        if (f != NULL)
            fclose(f);
        memset(m, 0, sizeof *m);
        if (bad) {
            problem(dir, names[i], "cannot read the manifest");
            continue;
        }
        if (len > MAX_MANIFEST ? !reject("manifest too large")
                               : !parse_manifest(text, len, trusted, m)) {
            problem(dir, names[i], reason);
            continue;
        }
        if (root_hex != NULL && !(m->seal_kind_len == 5 && memcmp(m->seal_kind, "final", 5) == 0 &&
                                  memcmp(m->seal, root_hex, 64) == 0))
            problem(dir, names[i], "its seal line is not 'seal final' with the given root");
        check_listed(dir, m);
        n_files += m->n_files;
        if (m->signed_) {
            n_signed++;
            memcpy(signer, m->signer, 32);
        }
        for (size_t k = 0; k < m->n_files; k++) {
            char name[256];
            snprintf(name, sizeof name, "%.*s", (int)m->files[k].name_len, m->files[k].name);
            char *key = name, **hit = bsearch(&key, names, n, sizeof *names, cmp_name);
            if (hit != NULL)
                listed[hit - names] = true;
        }
    }
    if (text != NULL && n_manifests == 0)
        problem(dir, NULL, "no *.manifest file in the directory");
    for (size_t i = 0; i < n; i++)
        if (!listed[i])
            problem(dir, names[i], "not listed in a valid manifest");
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(text);
    free(m);
    if (n_problems > 0) {
        printf("REJECTED: %zu problem%s\n", n_problems, n_problems == 1 ? "" : "s");
        return 1;
    }
    printf("VALID: %zu file%s in %zu manifest%s", n_files, n_files == 1 ? "" : "s", n_manifests,
           n_manifests == 1 ? "" : "s");
    if (n_signed == n_manifests) {
        char hex[65];
        for (int i = 0; i < 32; i++)
            snprintf(hex + 2 * i, 3, "%02x", signer[i]);
        printf(", signed by %s%s\n", hex, trusted ? " (the given key)" : "");
    } else {
        printf(", %zu of them NOT signed\n", n_manifests - n_signed);
    }
    return 0;
}

/* --key: a .pub file of `tpp keygen` ("tpp-ed25519-public <64 hex>" LF) or the 64 hex digits. */
static bool load_key(const char *arg, uint8_t pk[32])
{
    if (unhex(arg, strlen(arg), pk, 32))
        return true;
    FILE *f = fopen(arg, "rb");
    if (f == NULL)
        return false;
    char line[160];
    size_t len = fread(line, 1, sizeof line - 1, f);
    fclose(f);
    line[len] = '\0';
    static const char tag[] = "tpp-ed25519-public ";
    size_t t = sizeof tag - 1;
    return len == t + 65 && memcmp(line, tag, t) == 0 && line[t + 64] == '\n' &&
           unhex(line + t, 64, pk, 32);
}

static const char usage[] =
    "usage: tpp-verify-proof <proof-file> --root <hex> [--size <n>]\n"
    "       tpp-verify-proof --manifest <dir> [--key <pub>] [--root <hex>]\n"
    "       tpp-verify-proof --self-test\n";

int main(int argc, char **argv)
{
    const char *file = NULL, *root_hex = NULL, *manifest_dir = NULL, *key = NULL;
    uint64_t size = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            printf("%s\nCheck that an employee's line is in a sealed TPP run, given only the\n"
                   "published Merkle root of that run (docs/canonical-trace.md). Prints VALID\n"
                   "and exits 0, or prints REJECTED with the reason and exits 1.\n\n"
                   "  --root <hex>   the published root (64 lowercase hex digits; required)\n"
                   "  --size <n>     the published number of lines (leaves) of the seal\n"
                   "  --self-test    check the built-in SHA-256 against FIPS 180 vectors\n\n"
                   "With --manifest, check the payroll files of an export directory against its\n"
                   "tpp-YYYY-MM.manifest: each listed file's size and SHA-256, the manifest's\n"
                   "checksum and Ed25519 signature, the totals (every payment file and the bank\n"
                   "files together total the manifest's total-net), no unlisted file; each\n"
                   "failing file is named. Prints VALID or REJECTED, exits 0 or 1.\n\n"
                   "  --manifest <dir>  the export directory\n"
                   "  --key <pub>       the signer's public key (a .pub file of 'tpp keygen' or\n"
                   "                    64 hex digits): the manifest must be signed by it\n"
                   "  --root <hex>      the published Merkle root: the manifest must say\n"
                   "                    'seal final <root>'\n",
                   usage);
            return 0;
        }
        if (strcmp(argv[i], "--self-test") == 0)
            return self_test();
        if (strcmp(argv[i], "--root") == 0 && i + 1 < argc) {
            root_hex = argv[++i];
        } else if (strcmp(argv[i], "--manifest") == 0 && i + 1 < argc) {
            manifest_dir = argv[++i];
        } else if (strcmp(argv[i], "--key") == 0 && i + 1 < argc) {
            key = argv[++i];
        } else if (strcmp(argv[i], "--size") == 0 && i + 1 < argc) {
            const char *n = argv[++i];
            if (!decimal(n, strlen(n), &size) || size == 0) {
                fprintf(stderr, "tpp-verify-proof: --size must be a positive number\n");
                return 2;
            }
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            fprintf(stderr, "tpp-verify-proof: unknown option '%s'\n%s", argv[i], usage);
            return 2;
        } else if (file == NULL) {
            file = argv[i];
        } else {
            fprintf(stderr, "tpp-verify-proof: one proof file only\n%s", usage);
            return 2;
        }
    }
    uint8_t published[32];
    if (manifest_dir != NULL || key != NULL) {
        uint8_t pk[32];
        if (manifest_dir == NULL || file != NULL || size != 0) {
            fprintf(stderr,
                    "tpp-verify-proof: --key goes with --manifest, and --manifest with "
                    "no proof file or --size\n%s",
                    usage);
            return 2;
        }
        if (root_hex != NULL && !unhex(root_hex, strlen(root_hex), published, 32)) {
            fprintf(stderr, "tpp-verify-proof: --root must be 64 lowercase hex digits\n");
            return 2;
        }
        if (key != NULL && !load_key(key, pk)) {
            fprintf(stderr,
                    "tpp-verify-proof: --key: '%s' is neither 64 hex digits nor a readable "
                    "'tpp-ed25519-public' key file\n",
                    key);
            return 2;
        }
        return verify_manifests(manifest_dir, key ? pk : NULL, root_hex);
    }
    if (file == NULL || root_hex == NULL) {
        fprintf(stderr, "tpp-verify-proof: a proof file and --root are required\n%s", usage);
        return 2;
    }
    if (!unhex(root_hex, strlen(root_hex), published, 32)) {
        fprintf(stderr, "tpp-verify-proof: --root must be 64 lowercase hex digits\n");
        return 2;
    }
    FILE *f = fopen(file, "rb");
    if (f == NULL) {
        fprintf(stderr, "tpp-verify-proof: cannot open '%s': %s\n", file, strerror(errno));
        return 4;
    }
    enum { MAX_PROOF = 16 << 20 };
    char *text = malloc(MAX_PROOF + 1);
    size_t len = text ? fread(text, 1, MAX_PROOF + 1, f) : 0;
    bool read_error = text == NULL || ferror(f);
    fclose(f);
    if (read_error) {
        fprintf(stderr, "tpp-verify-proof: cannot read '%s'\n", file);
        free(text);
        return 4;
    }
    proof pf;
    memset(&pf, 0, sizeof pf);
    bool ok = len <= MAX_PROOF ? verify(text, len, published, size, &pf) : reject("file too large");
    if (!ok)
        printf("REJECTED: %s\n", reason);
    free(pf.record);
    free(text);
    return ok ? 0 : 1;
}
#endif /* TPP_VERIFIER_NO_MAIN */
