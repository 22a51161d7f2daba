/* Re-packing a libxlsxwriter workbook with rows inserted, deflated in parallel (xlsx_pack.h). */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zip.h>

#include "exporters/xlsx_pack.h"
#include "exporters/zip.h"

/* Rows rendered and deflated as one piece: ≈ 2 MB of sheet XML, so a national sheet is a few
 * hundred pieces and a small one is one. Part of the file's bytes: never derived from the
 * number of threads. */
#define ROWS_PER_PIECE 2048
/* zlib level 4: at 50,000 employees' sheet XML it compresses 5.2:1 at ≈ 95 MB/s a core, against
 * 5.5:1 at ≈ 53 MB/s for the default level 6 that libxlsxwriter uses (docs/performance.md). */
#define LEVEL 4
#define MAX_THREADS 16

typedef struct part {
    char *name;
    char *data;
    size_t len;
} part;

typedef struct job {
    const char *pre; /* bytes of the part before the rows */
    size_t pre_len;
    size_t ins;      /* insert whose rows follow, or SIZE_MAX */
    size_t first, count;
    const char *post; /* bytes after them */
    size_t post_len;
    bool last; /* the part's last piece */
    bool ok;
    tpp_zpiece out;
} job;

typedef struct pool {
    job *jobs;
    size_t n_jobs;
    atomic_size_t next;
    tpp_xlsx_render_fn render;
    const void *ctx;
} pool;

static void *work(void *arg)
{
    pool *p = arg;
    tpp_buf xml = {0}, scratch[2] = {{0}, {0}};
    for (;;) {
        size_t i = atomic_fetch_add(&p->next, 1);
        if (i >= p->n_jobs)
            break;
        job *j = &p->jobs[i];
        xml.len = 0;
        bool ok = true;
        if (j->ins != SIZE_MAX)
            ok = p->render(p->ctx, j->ins, j->first, j->count, &xml, scratch) && !xml.oom;
        const void *bytes[3] = {j->pre, xml.data, j->post};
        size_t lens[3] = {j->pre_len, xml.len, j->post_len};
        j->ok = ok && tpp_zpiece_deflate(&j->out, bytes, lens, 3, j->last, LEVEL);
    }
    tpp_buf_release(&xml);
    tpp_buf_release(&scratch[0]);
    tpp_buf_release(&scratch[1]);
    return NULL;
}

static void free_parts(part *pt, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(pt[i].name);
        free(pt[i].data);
    }
    free(pt);
}

/* Every part of the workbook, inflated, in the order of its zip. */
static tpp_status read_parts(const char *in, part **out, size_t *n_out, tpp_error *err)
{
    int ze = 0;
    zip_t *z = zip_open(in, ZIP_RDONLY, &ze);
    if (z == NULL)
        return tpp_fail(err, TPP_ERR_EXPORT, TPP_NOLOC, "cannot read back '%s' (libzip error %d)",
                        in, ze);
    zip_int64_t n = zip_get_num_entries(z, 0);
    part *pt = calloc(n > 0 ? (size_t)n : 1, sizeof *pt);
    tpp_status rc = pt == NULL ? tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory") : TPP_OK;
    for (zip_int64_t i = 0; rc == TPP_OK && i < n; i++) {
        zip_stat_t st;
        zip_file_t *f = NULL;
        if (zip_stat_index(z, (zip_uint64_t)i, 0, &st) != 0 || !(st.valid & ZIP_STAT_SIZE) ||
            (f = zip_fopen_index(z, (zip_uint64_t)i, 0)) == NULL) {
            rc = tpp_fail(err, TPP_ERR_EXPORT, TPP_NOLOC, "cannot read back '%s': %s", in,
                          zip_strerror(z));
            break;
        }
        pt[i].name = strdup(st.name);
        pt[i].data = malloc(st.size ? st.size : 1);
        pt[i].len = st.size;
        if (pt[i].name == NULL || pt[i].data == NULL)
            rc = tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
        else if (st.size > 0 && zip_fread(f, pt[i].data, st.size) != (zip_int64_t)st.size)
            rc = tpp_fail(err, TPP_ERR_EXPORT, TPP_NOLOC, "cannot read back '%s': part '%s'", in,
                          st.name);
        zip_fclose(f);
    }
    zip_discard(z);
    if (rc != TPP_OK) {
        if (pt != NULL)
            free_parts(pt, (size_t)n);
        return rc;
    }
    *out = pt;
    *n_out = (size_t)n;
    return TPP_OK;
}

/* The only occurrence of needle in h, or NULL when it occurs never or twice. */
static const char *find_once(const char *h, size_t len, const char *needle)
{
    size_t nl = strlen(needle);
    const char *at = memmem(h, len, needle, nl);
    if (at == NULL)
        return NULL;
    size_t rest = len - (size_t)(at - h) - 1;
    return memmem(at + 1, rest, needle, nl) == NULL ? at : NULL;
}

/* The jobs of one part: one piece, or the rows cut into pieces of ROWS_PER_PIECE with the text
 * before them in the first and the text after them in the last. */
static tpp_status plan_part(const part *pt, const tpp_xlsx_insert *ins, size_t n_ins, job **jobs,
                            size_t *n_jobs, size_t *cap, tpp_error *err)
{
    size_t which = SIZE_MAX;
    for (size_t k = 0; k < n_ins && which == SIZE_MAX; k++)
        if (strcmp(ins[k].member, pt->name) == 0)
            which = k;
    const char *at = pt->data + pt->len;
    size_t rows = 0;
    if (which != SIZE_MAX) {
        at = find_once(pt->data, pt->len, ins[which].before);
        if (at == NULL)
            return tpp_fail(err, TPP_ERR_INTERNAL, TPP_NOLOC,
                            "xlsx export: '%s' of the workbook has no single place for its rows",
                            pt->name);
        rows = ins[which].n_rows;
    }
    size_t pieces = rows == 0 ? 1 : (rows + ROWS_PER_PIECE - 1) / ROWS_PER_PIECE;
    if (*n_jobs + pieces > *cap) {
        size_t nc = (*n_jobs + pieces) * 2;
        job *b = realloc(*jobs, nc * sizeof *b);
        if (b == NULL)
            return tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
        *jobs = b;
        *cap = nc;
    }
    for (size_t k = 0; k < pieces; k++) {
        job *j = &(*jobs)[(*n_jobs)++];
        memset(j, 0, sizeof *j);
        j->ins = rows == 0 ? SIZE_MAX : which;
        j->first = k * ROWS_PER_PIECE;
        j->count = rows - j->first < ROWS_PER_PIECE ? rows - j->first : ROWS_PER_PIECE;
        if (k == 0) {
            j->pre = pt->data;
            j->pre_len = (size_t)(at - pt->data);
        }
        if (k + 1 == pieces) {
            j->post = at;
            j->post_len = pt->len - (size_t)(at - pt->data);
            j->last = true;
        }
    }
    return TPP_OK;
}

tpp_status tpp_xlsx_repack(const char *in, const char *out, const tpp_xlsx_insert *ins,
                           size_t n_ins, tpp_xlsx_render_fn render, const void *ctx, int threads,
                           unsigned dos_date, tpp_error *err)
{
    part *pt = NULL;
    size_t n_pt = 0;
    TPP_TRY(read_parts(in, &pt, &n_pt, err));
    job *jobs = NULL;
    size_t n_jobs = 0, cap = 0;
    tpp_status rc = TPP_OK;
    size_t *first_job = calloc(n_pt + 1, sizeof *first_job);
    if (first_job == NULL)
        rc = tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
    for (size_t i = 0; rc == TPP_OK && i < n_pt; i++) {
        first_job[i] = n_jobs;
        rc = plan_part(&pt[i], ins, n_ins, &jobs, &n_jobs, &cap, err);
    }
    if (rc == TPP_OK) {
        first_job[n_pt] = n_jobs;
        pool p = {.jobs = jobs, .n_jobs = n_jobs, .render = render, .ctx = ctx};
        atomic_init(&p.next, 0);
        if (threads > MAX_THREADS)
            threads = MAX_THREADS;
        pthread_t helper[MAX_THREADS];
        int n_helpers = 0;
        while (n_helpers < threads - 1 && pthread_create(&helper[n_helpers], NULL, work, &p) == 0)
            n_helpers++;
        work(&p);
        for (int t = 0; t < n_helpers; t++)
            pthread_join(helper[t], NULL);
        for (size_t k = 0; rc == TPP_OK && k < n_jobs; k++)
            if (!jobs[k].ok)
                rc = tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "xlsx export: out of memory");
    }
    tpp_zmember *m = rc == TPP_OK ? calloc(n_pt ? n_pt : 1, sizeof *m) : NULL;
    tpp_zpiece *pieces = rc == TPP_OK ? calloc(n_jobs ? n_jobs : 1, sizeof *pieces) : NULL;
    if (rc == TPP_OK && (m == NULL || pieces == NULL))
        rc = tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
    if (rc == TPP_OK) {
        for (size_t k = 0; k < n_jobs; k++)
            pieces[k] = jobs[k].out;
        for (size_t i = 0; i < n_pt; i++)
            m[i] = (tpp_zmember){.name = pt[i].name,
                                 .piece = pieces + first_job[i],
                                 .n_pieces = first_job[i + 1] - first_job[i]};
        rc = tpp_zip_write(out, m, n_pt, (uint16_t)dos_date, err);
    }
    for (size_t k = 0; k < n_jobs; k++)
        tpp_zpiece_free(&jobs[k].out);
    free(m);
    free(pieces);
    free(jobs);
    free(first_job);
    free_parts(pt, n_pt);
    return rc;
}
