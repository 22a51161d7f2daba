/* The manifest of an export directory, and `tpp verify`.
 *
 * dir/tpp-YYYY-MM.manifest is UTF-8 text, one record per line, "\n" endings, fields separated by
 * one space (the file name is the rest of its line):
 *
 *     tpp-manifest 1
 *     period 2025-01
 *     run 3
 *     pack samarinda-2022-illustrative <pack sha256>
 *     seal provisional <sha256>
 *     lines 60
 *     total-net 301234567
 *     file <sha256> <bytes> <records> <total> <kind> <name>
 *     ...
 *     manifest-sha256 <SHA-256 of every byte above this line>
 *     signature ed25519 <public key hex> <signature hex>      (only when a key is configured)
 *
 * The signature is Ed25519 (libsodium, detached) over every byte above the signature line,
 * including the manifest-sha256 line. The checksum line makes a damaged unsigned manifest
 * detectable too; only the signature proves who wrote it.
 *
 * seal: until a run is sealed by finalize, the seal is "provisional": the SHA-256 of the text
 * "tpp-run-seal 1\nrun <id>\npack <pack sha256>\n" followed by one line per stored result of the
 * run in (unit_code, nip) order, every column of the result table tab-separated, the trace last
 * (its compact bytes, docs/compact-trace.md)
 * (engine/batch_export.c builds it). Once finalize has sealed the run, the line is
 * "seal final <merkle root>": the root published for the month and checked by inclusion proofs.
 *
 * total-net is Σ col 18 (JUMLAH TPP YANG DITERIMA) over the run's paid lines. Every file of kind
 * payment-xlsx and machine-csv must total exactly that, and the bank files together too:
 * Σ bank = Σ net in the payment list = the manifest total. */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sodium.h>

#include "engine/util.h"
#include "tpp/export.h"

#define MANIFEST_EXT ".manifest"

static bool is_manifest_name(const char *name)
{
    size_t n = strlen(name), e = strlen(MANIFEST_EXT);
    return n > e && strcmp(name + n - e, MANIFEST_EXT) == 0;
}

static bool valid_name(const char *name)
{
    return name[0] != '\0' && name[0] != '.' && strpbrk(name, "/\n\r") == NULL &&
           !is_manifest_name(name);
}

static bool valid_kind(const char *kind)
{
    if (kind[0] == '\0')
        return false;
    for (const char *p = kind; *p; p++)
        if (*p <= ' ' || *p > '~')
            return false;
    return true;
}

tpp_status tpp_manifest_write(const char *dir, const tpp_manifest *m,
                              const unsigned char *secret_key, char *path_out, size_t path_size,
                              tpp_error *err)
{
    if (m->month < 1 || m->month > 12 || m->n_files > TPP_MANIFEST_MAX_FILES)
        return tpp_fail(err, TPP_ERR_INTERNAL, TPP_NOLOC, "manifest: bad period or file count");
    tpp_buf b = {0};
    tpp_buf_printf(&b, "tpp-manifest 1\nperiod %04d-%02d\nrun %" PRId64 "\n", m->year, m->month,
                   m->run_id);
    tpp_buf_printf(&b, "pack %s %s\n", m->pack_id[0] ? m->pack_id : "-", m->pack_sha256);
    tpp_buf_printf(&b, "seal %s %s\n", m->seal_kind, m->seal);
    tpp_buf_printf(&b, "lines %zu\ntotal-net %" PRId64 "\n", m->n_lines, m->total_net);
    tpp_status rc = TPP_OK;
    char path[4096];
    for (size_t i = 0; i < m->n_files && rc == TPP_OK; i++) {
        const tpp_manifest_file *f = &m->files[i];
        if (!valid_name(f->name) || !valid_kind(f->kind)) {
            rc = tpp_fail(err, TPP_ERR_INTERNAL, TPP_NOLOC, "manifest: bad file entry '%s'",
                          f->name);
            break;
        }
        char hex[65];
        uint64_t bytes;
        snprintf(path, sizeof path, "%s/%s", dir, f->name);
        if (f->hashed) {
            snprintf(hex, sizeof hex, "%s", f->sha256);
            bytes = f->bytes;
        } else {
            rc = tpp_sha256_file(path, hex, &bytes, err);
        }
        if (rc == TPP_OK)
            tpp_buf_printf(&b, "file %s %" PRIu64 " %zu %" PRId64 " %s %s\n", hex, bytes,
                           f->stats.records, f->stats.total, f->kind, f->name);
    }
    if (rc == TPP_OK && !b.oom) {
        char hex[65];
        tpp_sha256_hex(b.data, b.len, hex);
        tpp_buf_printf(&b, "manifest-sha256 %s\n", hex);
    }
    if (rc == TPP_OK && secret_key != NULL && !b.oom) {
        unsigned char sig[crypto_sign_BYTES];
        crypto_sign_detached(sig, NULL, (const unsigned char *)b.data, b.len, secret_key);
        char pk_hex[2 * TPP_SIGN_PUBLIC_BYTES + 1], sig_hex[2 * crypto_sign_BYTES + 1];
        tpp_hex(secret_key + crypto_sign_SEEDBYTES, TPP_SIGN_PUBLIC_BYTES, pk_hex);
        tpp_hex(sig, sizeof sig, sig_hex);
        tpp_buf_printf(&b, "signature ed25519 %s %s\n", pk_hex, sig_hex);
    }
    if (rc == TPP_OK && b.oom)
        rc = tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
    if (rc == TPP_OK) {
        snprintf(path, sizeof path, "%s/tpp-%04d-%02d%s", dir, m->year, m->month, MANIFEST_EXT);
        rc = tpp_file_write_atomic(path, b.data, b.len, err);
        if (rc == TPP_OK && path_out != NULL)
            snprintf(path_out, path_size, "%s", path);
    }
    tpp_buf_release(&b);
    return rc;
}

/* ---- verification ---------------------------------------------------------------------------- */

typedef struct vfile {
    char sha[65];
    uint64_t bytes;
    size_t records;
    tpp_money total;
    char kind[32];
    char name[256];
} vfile;

typedef struct parsed {
    tpp_money total_net;
    size_t n_files;
    vfile files[TPP_MANIFEST_MAX_FILES];
} parsed;

static bool parse_u64(const char *s, uint64_t *out)
{
    if (*s < '0' || *s > '9')
        return false;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0')
        return false;
    *out = v;
    return true;
}

static bool parse_i64(const char *s, int64_t *out)
{
    if (*s != '-' && (*s < '0' || *s > '9'))
        return false;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno != 0 || *end != '\0')
        return false;
    *out = v;
    return true;
}

static bool is_hex(const char *s, size_t n)
{
    if (strlen(s) != n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return true;
}

static bool unhex(const char *s, unsigned char *out, size_t n)
{
    if (!is_hex(s, 2 * n))
        return false;
    for (size_t i = 0; i < n; i++) {
        int hi = s[2 * i] <= '9' ? s[2 * i] - '0' : s[2 * i] - 'a' + 10;
        int lo = s[2 * i + 1] <= '9' ? s[2 * i + 1] - '0' : s[2 * i + 1] - 'a' + 10;
        out[i] = (unsigned char)(hi << 4 | lo);
    }
    return true;
}

/* "file <sha> <bytes> <records> <total> <kind> <name>" (line without "file "). */
static bool parse_file_line(char *s, vfile *f)
{
    char *fields[5];
    for (int i = 0; i < 5; i++) {
        fields[i] = s;
        char *sp = strchr(s, ' ');
        if (sp == NULL)
            return false;
        *sp = '\0';
        s = sp + 1;
    }
    uint64_t records;
    if (!is_hex(fields[0], 64) || !parse_u64(fields[1], &f->bytes) ||
        !parse_u64(fields[2], &records) || !parse_i64(fields[3], &f->total) ||
        strlen(fields[4]) >= sizeof f->kind || strlen(s) >= sizeof f->name || !valid_name(s))
        return false;
    f->records = (size_t)records;
    memcpy(f->sha, fields[0], 65);
    snprintf(f->kind, sizeof f->kind, "%s", fields[4]);
    snprintf(f->name, sizeof f->name, "%s", s);
    return true;
}

/* Check the checksum and signature, then parse the body. Reports to diags against mpath and
 * returns false when the manifest itself cannot be trusted. */
static bool check_manifest(const char *mpath, char *text, size_t len,
                           const unsigned char *trusted_key, const char *root, tpp_diags *diags,
                           tpp_verify_report *rep, parsed *p)
{
    tpp_srcloc at = {.path = mpath};
    if (memchr(text, '\0', len) != NULL || len == 0 || text[len - 1] != '\n') {
        tpp_diag_error(diags, at, "not a tpp manifest (damaged or truncated)");
        return false;
    }
    /* Find the checksum line: it must start a line. */
    char *ck = strstr(text, "\nmanifest-sha256 ");
    if (strncmp(text, "tpp-manifest 1\n", 15) != 0 || ck == NULL) {
        tpp_diag_error(diags, at, "not a tpp manifest (no header or no manifest-sha256 line)");
        return false;
    }
    ck++;
    size_t body_len = (size_t)(ck - text);
    char *ck_end = strchr(ck, '\n');
    *ck_end = '\0';
    char hex[65];
    tpp_sha256_hex(text, body_len, hex);
    bool ok = true;
    if (strcmp(ck + strlen("manifest-sha256 "), hex) != 0) {
        tpp_diag_error(diags, at, "the manifest is damaged: its checksum does not match");
        ok = false;
    }
    *ck_end = '\n';
    char *sig = ck_end + 1;
    size_t signed_len = (size_t)(sig - text);
    if (*sig != '\0') {
        char *sig_end = strchr(sig, '\n');
        *sig_end = '\0';
        unsigned char pk[TPP_SIGN_PUBLIC_BYTES], s[crypto_sign_BYTES];
        char *f2 = strncmp(sig, "signature ed25519 ", 18) == 0 ? sig + 18 : NULL;
        char *f3 = f2 ? strchr(f2, ' ') : NULL;
        if (f3 != NULL)
            *f3++ = '\0';
        if (f3 == NULL || !unhex(f2, pk, sizeof pk) || !unhex(f3, s, sizeof s) ||
            sig_end[1] != '\0') {
            tpp_diag_error(diags, at, "the manifest is damaged: bad signature line");
            ok = false;
        } else if (crypto_sign_verify_detached(s, (const unsigned char *)text, signed_len, pk) !=
                   0) {
            tpp_diag_error(diags, at, "the Ed25519 signature does not match the manifest");
            ok = false;
        } else if (trusted_key != NULL && memcmp(pk, trusted_key, sizeof pk) != 0) {
            char khex[65];
            tpp_hex(pk, sizeof pk, khex);
            tpp_diag_error(diags, at, "signed by key %s, which is not the trusted key", khex);
            ok = false;
        } else {
            rep->n_signed++;
            memcpy(rep->signer, pk, sizeof pk);
        }
    } else if (trusted_key != NULL) {
        tpp_diag_error(diags, at, "the manifest is not signed, but a trusted key was given");
        ok = false;
    }
    if (!ok)
        return false;

    /* The body: already authenticated by the checksum (and signature), so a malformed line is
     * a bug in the writer, but still reported rather than trusted. */
    text[body_len] = '\0';
    bool have_total = false, have_seal = false;
    unsigned line_no = 0;
    for (char *line = text, *next; *line != '\0'; line = next) {
        next = strchr(line, '\n');
        *next++ = '\0';
        line_no++;
        at.line = line_no;
        if (strncmp(line, "file ", 5) == 0) {
            if (p->n_files == TPP_MANIFEST_MAX_FILES ||
                !parse_file_line(line + 5, &p->files[p->n_files])) {
                tpp_diag_error(diags, at, "malformed file line");
                return false;
            }
            p->n_files++;
        } else if (strncmp(line, "seal ", 5) == 0) {
            have_seal = true;
            /* The published root: only a sealed run's manifest names it. */
            if (root != NULL &&
                (strncmp(line + 5, "final ", 6) != 0 || strcmp(line + 11, root) != 0)) {
                tpp_diag_error(diags, at,
                               "the manifest is not of the sealed run with root %.16s...: its "
                               "line is '%.90s'",
                               root, line);
                return false;
            }
        } else if (strncmp(line, "total-net ", 10) == 0) {
            if (!parse_i64(line + 10, &p->total_net)) {
                tpp_diag_error(diags, at, "malformed total-net line");
                return false;
            }
            have_total = true;
        }
    }
    if (root != NULL && !have_seal) {
        at.line = 0;
        tpp_diag_error(diags, at, "no seal line, but a root was given");
        return false;
    }
    if (!have_total) {
        at.line = 0;
        tpp_diag_error(diags, at, "no total-net line");
        return false;
    }
    return true;
}

/* ---- the machine CSV, summed again --------------------------------------------------------- */

/* Split one RFC 4180 record starting at *pos into fields (in place: quotes removed, NULs
 * written). Returns the number of fields, or -1 on a malformed record. */
static int csv_record(char **pos, char **fields, int max)
{
    char *p = *pos;
    int n = 0;
    for (;;) {
        if (n == max)
            return -1;
        char *out = p;
        fields[n++] = out;
        if (*p == '"') {
            p++;
            for (;;) {
                if (*p == '\0')
                    return -1;
                if (*p == '"' && p[1] == '"') {
                    *out++ = '"';
                    p += 2;
                } else if (*p == '"') {
                    p++;
                    break;
                } else {
                    *out++ = *p++;
                }
            }
        } else {
            while (*p != ',' && *p != '\n' && *p != '\0')
                *out++ = *p++;
        }
        char c = *p;
        *out = '\0';
        if (c == ',') {
            p++;
            continue;
        }
        if (c == '\n')
            p++;
        else if (c != '\0')
            return -1;
        *pos = p;
        return n;
    }
}

#define CSV_MAX_FIELDS 128

/* Records and Σ net of the paid lines of a machine CSV (tpp_export_csv's format), so that a
 * total in the manifest is checked against the file's own numbers, not only its hash. */
static bool sum_machine_csv(const char *path, tpp_file_stats *st, char *why, size_t why_size)
{
    char *text = NULL;
    size_t len = 0;
    tpp_error e = {0};
    if (tpp_file_read(path, &text, &len, &e) != TPP_OK) {
        snprintf(why, why_size, "%.200s", e.msg);
        return false;
    }
    char *fields[CSV_MAX_FIELDS];
    char *pos = text;
    int n = csv_record(&pos, fields, CSV_MAX_FIELDS);
    int c_status = -1, c_net = -1;
    for (int i = 0; i < n; i++) {
        if (strcmp(fields[i], "status") == 0)
            c_status = i;
        else if (strcmp(fields[i], "net") == 0)
            c_net = i;
    }
    bool ok = c_status >= 0 && c_net >= 0;
    if (!ok)
        snprintf(why, why_size, "no 'status' and 'net' columns in the header");
    memset(st, 0, sizeof *st);
    for (unsigned row = 2; ok && *pos != '\0'; row++) {
        int k = csv_record(&pos, fields, CSV_MAX_FIELDS);
        int64_t v;
        if (k != n) {
            snprintf(why, why_size, "row %u is malformed", row);
            ok = false;
        } else if (strcmp(fields[c_status], "ok") != 0) {
            continue;
        } else if (!parse_i64(fields[c_net], &v) || !tpp_money_add(st->total, v, &st->total)) {
            snprintf(why, why_size, "row %u: bad net amount", row);
            ok = false;
        } else {
            st->records++;
        }
    }
    free(text);
    return ok;
}

static bool is_payment_kind(const char *kind)
{
    return strcmp(kind, "payment-xlsx") == 0 || strcmp(kind, "machine-csv") == 0;
}

/* Check the listed files of one manifest. Returns how many failed. */
static size_t check_files(const char *dir, const char *mpath, const parsed *p,
                          const tpp_verify_options *o, tpp_diags *diags, tpp_verify_report *rep,
                          tpp_status *rc, tpp_error *err)
{
    size_t failed = 0;
    char path[4096];
    bool any_bank = false;
    tpp_money bank_total = 0;
    bool bank_overflow = false;
    for (size_t i = 0; i < p->n_files && *rc == TPP_OK; i++) {
        const vfile *f = &p->files[i];
        snprintf(path, sizeof path, "%s/%s", dir, f->name);
        tpp_srcloc at = {.path = path};
        rep->n_files++;
        char hex[65];
        uint64_t bytes = 0;
        tpp_error e = {0};
        if (tpp_sha256_file(path, hex, &bytes, &e) != TPP_OK) {
            tpp_diag_error(diags, at, "listed in %s but %s", mpath, e.msg);
            failed++;
            continue;
        }
        bool changed = true;
        if (bytes != f->bytes)
            tpp_diag_error(diags, at,
                           "%" PRIu64 " bytes, the manifest says %" PRIu64
                           ": the file was changed after export",
                           bytes, f->bytes);
        else if (strcmp(hex, f->sha) != 0)
            tpp_diag_error(diags, at,
                           "SHA-256 does not match the manifest: the file was changed after "
                           "export");
        else
            changed = false;
        size_t deeper = 0;
        if (o->check_file != NULL)
            *rc = o->check_file(o->check_user, path, f->kind, p->total_net, diags, &deeper, err);
        if (changed || deeper > 0 || *rc != TPP_OK) {
            failed++;
            continue;
        }
        bool bad_total = false;
        if (is_payment_kind(f->kind) && f->total != p->total_net) {
            tpp_diag_error(diags, at, "total %" PRId64 " differs from the manifest total %" PRId64,
                           f->total, p->total_net);
            bad_total = true;
        }
        if (strcmp(f->kind, "machine-csv") == 0) {
            tpp_file_stats st;
            char why[256];
            if (!sum_machine_csv(path, &st, why, sizeof why)) {
                tpp_diag_error(diags, at, "cannot sum the file again: %s", why);
                bad_total = true;
            } else if (st.total != f->total || st.records != f->records) {
                tpp_diag_error(diags, at,
                               "the file sums to %" PRId64
                               " over %zu lines, the manifest says %" PRId64 " over %zu",
                               st.total, st.records, f->total, f->records);
                bad_total = true;
            }
        }
        if (strncmp(f->kind, "bank:", 5) == 0) {
            any_bank = true;
            bank_overflow |= !tpp_money_add(bank_total, f->total, &bank_total);
        }
        failed += bad_total;
    }
    if (any_bank && (bank_overflow || bank_total != p->total_net)) {
        tpp_srcloc at = {.path = mpath};
        tpp_diag_error(diags, at,
                       "the bank files total %" PRId64 ", not the manifest total %" PRId64,
                       bank_total, p->total_net);
        failed++;
    }
    return failed;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

tpp_status tpp_verify_dir(const char *dir, const unsigned char *trusted_key, tpp_diags *diags,
                          tpp_verify_report *rep, tpp_error *err)
{
    tpp_verify_options o = {.trusted_key = trusted_key};
    return tpp_verify_dir_opts(dir, &o, diags, rep, err);
}

tpp_status tpp_verify_dir_opts(const char *dir, const tpp_verify_options *o, tpp_diags *diags,
                               tpp_verify_report *rep, tpp_error *err)
{
    memset(rep, 0, sizeof *rep);
    DIR *d = opendir(dir);
    if (d == NULL)
        return tpp_fail(err, TPP_ERR_IO, TPP_NOLOC, "cannot open directory '%s': %s", dir,
                        strerror(errno));
    /* Sorted, so the report comes out in the same order every time. */
    char **names = NULL;
    size_t n = 0, cap = 0;
    tpp_status rc = TPP_OK;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        /* Only files are exported; a subdirectory is someone else's business. */
        char full[4096];
        struct stat sb;
        snprintf(full, sizeof full, "%s/%s", dir, de->d_name);
        if (stat(full, &sb) == 0 && S_ISDIR(sb.st_mode))
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 32;
            char **bigger = realloc(names, cap * sizeof *names);
            if (bigger == NULL) {
                rc = tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
                break;
            }
            names = bigger;
        }
        if ((names[n] = strdup(de->d_name)) == NULL) {
            rc = tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
            break;
        }
        n++;
    }
    closedir(d);
    if (n > 1)
        qsort(names, n, sizeof *names, cmp_str);
    bool *listed = rc == TPP_OK ? calloc(n ? n : 1, sizeof *listed) : NULL;
    if (rc == TPP_OK && listed == NULL)
        rc = tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");

    char mpath[4096];
    for (size_t i = 0; i < n && rc == TPP_OK; i++) {
        if (!is_manifest_name(names[i]))
            continue;
        listed[i] = true;
        rep->n_manifests++;
        snprintf(mpath, sizeof mpath, "%s/%s", dir, names[i]);
        char *text = NULL;
        size_t len = 0;
        tpp_error e = {0};
        if (tpp_file_read(mpath, &text, &len, &e) != TPP_OK) {
            tpp_diag_error(diags, (tpp_srcloc){.path = mpath}, "%s", e.msg);
            rep->n_failed++;
            continue;
        }
        parsed *p = calloc(1, sizeof *p);
        if (p == NULL) {
            free(text);
            rc = tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
            break;
        }
        if (!check_manifest(mpath, text, len, o->trusted_key, o->root, diags, rep, p)) {
            rep->n_failed++;
        } else {
            rep->n_failed += check_files(dir, mpath, p, o, diags, rep, &rc, err);
            for (size_t k = 0; k < p->n_files; k++) {
                char *key = p->files[k].name;
                char **hit = bsearch(&key, names, n, sizeof *names, cmp_str);
                if (hit != NULL)
                    listed[hit - names] = true;
            }
        }
        free(p);
        free(text);
    }
    if (rc == TPP_OK && rep->n_manifests == 0) {
        tpp_diag_error(diags, (tpp_srcloc){.path = dir}, "no *.manifest file in the directory");
        rep->n_failed++;
    }
    /* A file nobody listed may be one slipped in beside the sealed ones. Files of a manifest that
     * failed its own check are reported here too: nothing vouches for them. */
    for (size_t i = 0; i < n && rc == TPP_OK; i++) {
        if (listed[i])
            continue;
        snprintf(mpath, sizeof mpath, "%s/%s", dir, names[i]);
        tpp_diag_error(diags, (tpp_srcloc){.path = mpath}, "not listed in a valid manifest");
        rep->n_failed++;
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    free(listed);
    return rc;
}
