/* Synthetic region: byte-for-byte determinism, the seed matters, and the files have the shape
 * the importers expect (valid unique NIPs, several units, one missing performance row). */
#include <stdlib.h>

#include "engine/util.h"
#include "tests/check.h"
#include "tpp/gen.h"

static const char *const FILES[] = {"employees.csv", "attendance.csv",  "absences.csv",
                                    "events.csv",    "performance.csv", "holidays.csv"};
#define NFILES ((int)(sizeof FILES / sizeof FILES[0]))

static char *slurp(const char *dir, const char *name, size_t *len)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    char *data = NULL;
    tpp_error err = {0};
    if (tpp_file_read(path, &data, len, &err) != TPP_OK) {
        fprintf(stderr, "cannot read %s: %s\n", path, err.msg);
        *len = 0;
        return NULL;
    }
    return data;
}

#define MAXF 24
#define FLEN 128

/* Split one RFC 4180 record at *p into fields, advance *p past its line end; returns the number
 * of fields, 0 at the end of the text. */
static int csv_row(const char **p, char f[MAXF][FLEN])
{
    const char *s = *p;
    if (*s == '\0')
        return 0;
    int col = 0, quoted = 0;
    size_t n = 0;
    f[0][0] = '\0';
    for (;; s++) {
        char c = *s;
        if (quoted) {
            if (c == '\0')
                break;
            if (c == '"' && s[1] == '"') {
                s++;
            } else if (c == '"') {
                quoted = 0;
                continue;
            }
        } else if (c == '"') {
            quoted = 1;
            continue;
        } else if (c == ',') {
            if (col + 1 < MAXF)
                col++;
            n = 0;
            f[col][0] = '\0';
            continue;
        } else if (c == '\n' || c == '\0') {
            break;
        }
        if (n + 1 < FLEN) {
            f[col][n++] = c;
            f[col][n] = '\0';
        }
    }
    *p = *s ? s + 1 : s;
    return col + 1;
}

static int count_lines(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

static void generate(const char *dir, int employees, uint64_t seed)
{
    tpp_gen_options opt = {.employees = employees, .year = 2025, .month = 1, .seed = seed};
    tpp_error err = {0};
    CHECK_OK(tpp_gen_region(dir, &opt, &err), &err);
}

static void test_deterministic(const char *a, const char *b, const char *c)
{
    for (int i = 0; i < NFILES; i++) {
        size_t la, lb;
        char *da = slurp(a, FILES[i], &la), *db = slurp(b, FILES[i], &lb);
        CHECK(da != NULL && db != NULL);
        CHECK(la == lb && la > 0 && memcmp(da, db, la) == 0);
        free(da);
        free(db);
    }
    size_t la, lc;
    char *da = slurp(a, "attendance.csv", &la), *dc = slurp(c, "attendance.csv", &lc);
    CHECK(da != NULL && dc != NULL);
    CHECK(da && dc && (la != lc || memcmp(da, dc, la) != 0));
    free(da);
    free(dc);
}

static int is_digits(const char *s, size_t n)
{
    if (strlen(s) != n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

static void test_shape(const char *dir)
{
    size_t len;
    char *emp = slurp(dir, "employees.csv", &len);
    CHECK(emp != NULL);
    if (emp == NULL)
        return;
    CHECK_I64(count_lines(emp), 61);
    static const char header[] = "nip,name,status,unit_code,unit_name,position,class,grade,"
                                 "schedule,device_pin,ptkp,npwp,bank_name,bank_account,"
                                 "salary_bpjs_base,salary_gross,salary_pph21,start_date,"
                                 "end_date\n";
    CHECK(strncmp(emp, header, sizeof header - 1) == 0);

    static char nips[60][FLEN], units[60][FLEN];
    static char f[MAXF][FLEN];
    const char *p = emp;
    csv_row(&p, f); /* header */
    int n = 0, quoted_comma = 0, capped = 0, starts = 0, ends = 0;
    while (n < 60 && csv_row(&p, f) == 19) {
        snprintf(nips[n], sizeof nips[n], "%s", f[0]);
        snprintf(units[n], sizeof units[n], "%s", f[3]);
        quoted_comma += strchr(f[1], ',') != NULL;
        capped += strcmp(f[14], "11500000") == 0;
        starts += strcmp(f[17], "2025-01-16") == 0;
        ends += strcmp(f[18], "2025-01-10") == 0;
        n++;
    }
    CHECK_I64(n, 60);
    for (int i = 0; i < n; i++) {
        CHECK(is_digits(nips[i], 18));
        for (int j = 0; j < i; j++)
            CHECK(strcmp(nips[i], nips[j]) != 0);
    }
    CHECK_I64(quoted_comma, 1);
    CHECK_I64(capped, 1);
    CHECK_I64(starts, 1);
    CHECK_I64(ends, 1);
    int distinct = 0;
    for (int i = 0; i < n; i++) {
        int seen = 0;
        for (int j = 0; j < i; j++)
            seen |= strcmp(units[i], units[j]) == 0;
        distinct += !seen;
    }
    CHECK(distinct >= 3);

    /* performance: every NIP known, none twice, exactly one employee without a row */
    char *perf = slurp(dir, "performance.csv", &len);
    CHECK(perf != NULL);
    int have[60] = {0}, rows = 0, unknown = 0;
    p = perf ? perf : "";
    csv_row(&p, f);
    while (csv_row(&p, f)) {
        rows++;
        int found = 0;
        for (int i = 0; i < n; i++)
            if (strcmp(f[0], nips[i]) == 0)
                have[i]++, found = 1;
        unknown += !found;
    }
    int missing = 0, twice = 0;
    for (int i = 0; i < n; i++)
        missing += have[i] == 0, twice += have[i] > 1;
    CHECK_I64(rows, 59);
    CHECK_I64(missing, 1);
    CHECK_I64(twice, 0);
    CHECK_I64(unknown, 0);

    /* attendance: every timestamp in January 2025, every NIP known, rows in time order */
    char *att = slurp(dir, "attendance.csv", &len);
    CHECK(att != NULL);
    p = att ? att : "";
    CHECK(strncmp(p, "nip,timestamp,direction,device\n", 31) == 0);
    csv_row(&p, f);
    int outside = 0, disorder = 0, scans = 0;
    char prev[2 * FLEN + 2] = "";
    while (csv_row(&p, f) == 4) {
        const char *ts = f[1];
        scans++;
        outside += strlen(ts) != 19 || strncmp(ts, "2025-01-", 8) != 0 ||
                   strncmp(ts + 8, "01", 2) < 0 || strncmp(ts + 8, "31", 2) > 0 || ts[10] != ' ';
        /* a device export: by timestamp, then NIP */
        char key[2 * FLEN + 2];
        snprintf(key, sizeof key, "%s %s", ts, f[0]);
        disorder += strcmp(prev, key) > 0;
        snprintf(prev, sizeof prev, "%s", key);
    }
    CHECK_I64(outside, 0);
    CHECK_I64(disorder, 0);
    /* ~60 employees x ~20 workdays x 2 scans */
    CHECK(scans > 1800 && scans < 3000);

    char *hol = slurp(dir, "holidays.csv", &len);
    CHECK(hol != NULL && strstr(hol, "2025-01-01,") != NULL && strstr(hol, "2025-01-29,") != NULL);

    free(emp);
    free(perf);
    free(att);
    free(hol);
}

int main(void)
{
    const char *tmp = getenv("TPP_TEST_TMP");
    if (tmp == NULL)
        tmp = "/tmp";
    char a[512], b[512], c[512];
    snprintf(a, sizeof a, "%s/gen/a", tmp);
    snprintf(b, sizeof b, "%s/gen/b", tmp);
    snprintf(c, sizeof c, "%s/gen/c", tmp);
    generate(a, 60, 1);
    generate(b, 60, 1);
    generate(c, 60, 2);
    test_deterministic(a, b, c);
    test_shape(a);

    tpp_gen_options bad = {.employees = 0, .year = 2025, .month = 1, .seed = 1};
    tpp_error err = {0};
    CHECK(tpp_gen_region(a, &bad, &err) == TPP_ERR_USAGE);
    return CHECK_DONE();
}
