/* Employees: master data. A NIP already in the workspace is updated (master data changes from
 * month to month); a NIP twice in one file is an error.
 *
 * The rows are checked in file order and kept; they are stored at the end in NIP order. An
 * employees file comes in any order (by OPD, by name), and a row stored in that order lands at
 * a random place of the table's NIP key: at national size every insert then misses the cache.
 * In NIP order each insert appends, and the table's rowid order is NIP order too, so the
 * readers that want the employees by NIP (attendance import, run) read the table in order. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "importers/import_int.h"
#include "importers/nip.h"

enum {
    C_NIP,
    C_NAME,
    C_STATUS,
    C_UNIT_CODE,
    C_UNIT_NAME,
    C_POSITION,
    C_CLASS,
    C_GRADE,
    C_SCHEDULE,
    C_DEVICE_PIN,
    C_PTKP,
    C_NPWP,
    C_BANK_NAME,
    C_BANK_ACCOUNT,
    C_SALARY_BPJS_BASE,
    C_SALARY_GROSS,
    C_SALARY_PPH21,
    C_START_DATE,
    C_END_DATE,
    N_COLUMNS
};

static const tpp_imp_column columns[N_COLUMNS] = {
    [C_NIP] = {"nip", true},
    [C_NAME] = {"name", true},
    [C_STATUS] = {"status", true},
    [C_UNIT_CODE] = {"unit_code", true},
    [C_UNIT_NAME] = {"unit_name", false},
    [C_POSITION] = {"position", true},
    [C_CLASS] = {"class", true},
    [C_GRADE] = {"grade", false},
    [C_SCHEDULE] = {"schedule", false},
    [C_DEVICE_PIN] = {"device_pin", false},
    [C_PTKP] = {"ptkp", false},
    [C_NPWP] = {"npwp", false},
    [C_BANK_NAME] = {"bank_name", false},
    [C_BANK_ACCOUNT] = {"bank_account", false},
    [C_SALARY_BPJS_BASE] = {"salary_bpjs_base", false},
    [C_SALARY_GROSS] = {"salary_gross", false},
    [C_SALARY_PPH21] = {"salary_pph21", false},
    [C_START_DATE] = {"start_date", false},
    [C_END_DATE] = {"end_date", false},
};

/* The values of the enumerated columns; a row keeps the index. */
static const char *const statuses[] = {"PNS", "CPNS", "PPPK"};
static const char *const schedules[] = {"5day", "6day", "shift"};
static const char *const ptkps[] = {"", "TK/0", "TK/1", "TK/2", "TK/3", "K/0", "K/1", "K/2", "K/3"};

/* The text columns a row stores, in the order they are kept in the arena. */
enum {
    T_NIP,
    T_NAME,
    T_UNIT_CODE,
    T_UNIT_NAME,
    T_POSITION,
    T_GRADE,
    T_DEVICE_PIN,
    T_NPWP,
    T_BANK_NAME,
    T_BANK_ACCOUNT,
    N_TEXTS
};

/* A checked row waiting to be stored: its numbers here, its texts in the arena at `text` (per
 * text a uint32_t length, then the bytes). */
typedef struct pending_emp {
    uint64_t nip; /* the NIP's 18 digits as a number: its order is the text's order */
    size_t text;
    int64_t kelas;
    tpp_money salary[3];
    tpp_date start, end;
    unsigned line;
    unsigned char status, schedule, ptkp;
} pending_emp;

typedef struct emp_state {
    sqlite3_stmt *upsert;
    pending_emp *rows;
    size_t n_rows, cap_rows;
    char *arena;
    size_t arena_used, arena_cap;
    int64_t n_before; /* employees in the workspace before this file */
    tpp_strmap nips;  /* NIP -> line of its first row */
    tpp_strmap pins;  /* device PIN -> (line << 32 | col) of its first use */
    tpp_strmap units; /* unit codes imported with 'units'; empty: any code is accepted */
} emp_state;

/* Whether a row inserted or updated is not looked up row by row (a B-tree probe per employee):
 * NIPs are unique in a file that is imported, so the rows that added an employee are what the
 * table grew by, and the rest updated one. */
static tpp_status count_employees(tpp_imp_ctx *c, int64_t *n, tpp_error *err)
{
    sqlite3_stmt *q = NULL;
    TPP_TRY(tpp_store_prepare(c->st, "SELECT count(*) FROM employee", &q, err));
    tpp_status rc = TPP_OK;
    if (sqlite3_step(q) == SQLITE_ROW)
        *n = sqlite3_column_int64(q, 0);
    else
        rc = tpp_store_fail(c->st, err, "cannot count employees");
    sqlite3_finalize(q);
    return rc;
}

/* The insert of one employee; emp_begin adds the conflict clause when the table has rows. */
#define EMP_INSERT                                                                              \
    "INSERT INTO employee(nip, name, status, unit_code, unit_name, position, class, grade, "    \
    "schedule, device_pin, ptkp, npwp, bank_name, bank_account, salary_bpjs_base, "             \
    "salary_gross, salary_pph21, start_date, end_date, file_id) "                               \
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, " \
    "?19, ?20) "

static tpp_status emp_begin(tpp_imp_ctx *c, tpp_error *err)
{
    emp_state *s = calloc(1, sizeof *s);
    if (s == NULL)
        return tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
    c->state = s;
    tpp_strmap_init(&s->nips);
    tpp_strmap_init(&s->pins);
    tpp_strmap_init(&s->units);
    TPP_TRY(tpp_imp_load_units(c, &s->units, err));
    TPP_TRY(count_employees(c, &s->n_before, err));
    /* Into an empty table (a new workspace's first file) nothing can conflict (the file's NIPs
     * are unique): a plain insert. The upsert may update a row after changing others, so SQLite
     * runs it under a statement journal, a copy of every page each row changes: 40 % of the
     * instructions of a first import of 20,000 employees (callgrind). */
    if (s->n_before == 0)
        return tpp_store_prepare(c->st, EMP_INSERT, &s->upsert, err);
    return tpp_store_prepare(
        c->st,
        EMP_INSERT
        "ON CONFLICT(nip) DO UPDATE SET name = excluded.name, status = excluded.status, "
        "unit_code = excluded.unit_code, unit_name = excluded.unit_name, "
        "position = excluded.position, class = excluded.class, grade = excluded.grade, "
        "schedule = excluded.schedule, device_pin = excluded.device_pin, ptkp = excluded.ptkp, "
        "npwp = excluded.npwp, bank_name = excluded.bank_name, "
        "bank_account = excluded.bank_account, salary_bpjs_base = excluded.salary_bpjs_base, "
        "salary_gross = excluded.salary_gross, salary_pph21 = excluded.salary_pph21, "
        "start_date = excluded.start_date, end_date = excluded.end_date, "
        "file_id = excluded.file_id",
        &s->upsert, err);
}

static void emp_end(tpp_imp_ctx *c)
{
    emp_state *s = c->state;
    if (s == NULL)
        return;
    sqlite3_finalize(s->upsert);
    free(s->rows);
    free(s->arena);
    tpp_strmap_release(&s->nips);
    tpp_strmap_release(&s->pins);
    tpp_strmap_release(&s->units);
    free(s);
    c->state = NULL;
}

/* NIP: text, 18 digits, PNS structure for PNS/CPNS, once per file. */
static tpp_status check_nip(tpp_imp_ctx *c, emp_state *s, const tpp_imp_val *nip, bool pns,
                            unsigned line, tpp_error *err)
{
    if (nip->len == 0 || tpp_imp_mangled_nip(c, nip))
        return TPP_OK;
    char why[160];
    size_t offset;
    if (!tpp_nip_check(nip->s, nip->len, pns, why, sizeof why, &offset)) {
        tpp_srcloc at = nip->at;
        at.col += (unsigned)offset;
        tpp_imp_error(c, at, "invalid NIP '%s' in column 'nip' (%s)", tpp_imp_showv(c, nip), why);
        return TPP_OK;
    }
    bool found;
    ptrdiff_t i = tpp_strmap_put(&s->nips, nip->s, nip->len, line, &found);
    if (i < 0)
        return tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
    if (found) {
        tpp_imp_error(c, nip->at, "duplicate NIP '%s' (first on line %lld)", tpp_imp_showv(c, nip),
                      (long long)s->nips.entries[i].value);
        return TPP_OK;
    }
    /* Spreadsheets keep 15 significant digits: an 18-digit NIP stored as a number comes back
     * with its last three digits zeroed. The sequence number never is 000. */
    if (memcmp(nip->s + 15, "000", 3) == 0)
        tpp_imp_warning(c, nip->at,
                        "NIP '%s' ends in 000: if it went through a spreadsheet as a number, its "
                        "last digits were lost",
                        tpp_imp_showv(c, nip));
    return TPP_OK;
}

static tpp_status check_pin(tpp_imp_ctx *c, emp_state *s, const tpp_imp_val *pin, tpp_error *err)
{
    bool found;
    int64_t where = (int64_t)pin->at.line << 32 | pin->at.col;
    ptrdiff_t i = tpp_strmap_put(&s->pins, pin->s, pin->len, where, &found);
    if (i < 0)
        return tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
    if (found)
        tpp_imp_error(c, pin->at, "duplicate device_pin '%s' (first on line %lld)",
                      tpp_imp_showv(c, pin), (long long)(s->pins.entries[i].value >> 32));
    return TPP_OK;
}

static tpp_status emp_row(tpp_imp_ctx *c, const tpp_csv_record *rec, tpp_error *err)
{
    emp_state *s = c->state;
    tpp_imp_val v[N_COLUMNS];
    for (int j = 0; j < N_COLUMNS; j++)
        v[j] = tpp_imp_get(c, rec, j);

    int status = tpp_imp_match(&v[C_STATUS], statuses, 3);
    if (v[C_STATUS].len > 0 && status < 0)
        tpp_imp_error(c, v[C_STATUS].at,
                      "invalid status '%s' in column 'status' (expected PNS, CPNS or PPPK)",
                      tpp_imp_showv(c, &v[C_STATUS]));
    /* Without a valid status, only the rules every NIP shares are checked. */
    bool pns = status >= 0 && strcmp(statuses[status], "PPPK") != 0;
    TPP_TRY(check_nip(c, s, &v[C_NIP], pns, rec->line, err));

    int64_t kelas = 0;
    if (v[C_CLASS].len > 0)
        tpp_imp_int(c, &v[C_CLASS], 1, TPP_MAX_CLASS, &kelas);

    int schedule = v[C_SCHEDULE].len > 0 ? tpp_imp_match(&v[C_SCHEDULE], schedules, 3) : 0;
    if (schedule < 0)
        tpp_imp_error(c, v[C_SCHEDULE].at,
                      "invalid schedule '%s' in column 'schedule' (expected 5day, 6day or shift)",
                      tpp_imp_showv(c, &v[C_SCHEDULE]));

    if (v[C_DEVICE_PIN].len > 0)
        TPP_TRY(check_pin(c, s, &v[C_DEVICE_PIN], err));
    if (s->units.n > 0 && v[C_UNIT_CODE].len > 0 &&
        tpp_strmap_find(&s->units, v[C_UNIT_CODE].s, v[C_UNIT_CODE].len) < 0)
        tpp_imp_error(c, v[C_UNIT_CODE].at,
                      "unknown unit '%s' in column 'unit_code' (not among the imported units; "
                      "fix the code or import units first)",
                      tpp_imp_showv(c, &v[C_UNIT_CODE]));

    int ptkp = tpp_imp_match(&v[C_PTKP], ptkps, 9);
    if (ptkp < 0)
        tpp_imp_error(c, v[C_PTKP].at,
                      "invalid PTKP status '%s' in column 'ptkp' (expected TK/0, TK/1, TK/2, "
                      "TK/3, K/0, K/1, K/2 or K/3)",
                      tpp_imp_showv(c, &v[C_PTKP]));

    tpp_money salary[3] = {0, 0, 0};
    for (int j = 0; j < 3; j++)
        if (v[C_SALARY_BPJS_BASE + j].len > 0)
            tpp_imp_money(c, &v[C_SALARY_BPJS_BASE + j], &salary[j]);

    tpp_date start = TPP_DATE_NONE, end = TPP_DATE_NONE;
    bool start_ok = v[C_START_DATE].len > 0 && tpp_imp_date(c, &v[C_START_DATE], &start);
    bool end_ok = v[C_END_DATE].len > 0 && tpp_imp_date(c, &v[C_END_DATE], &end);
    if (start_ok && end_ok && end < start)
        tpp_imp_error(c, v[C_END_DATE].at, "end_date '%s' is before start_date '%s'",
                      tpp_imp_showv(c, &v[C_END_DATE]), tpp_imp_showv(c, &v[C_START_DATE]));

    if (c->row_errors > 0)
        return TPP_OK;

    tpp_imp_val *unit_name = v[C_UNIT_NAME].len > 0 ? &v[C_UNIT_NAME] : &v[C_UNIT_CODE];
    const tpp_imp_val *texts[N_TEXTS] = {
        [T_NIP] = &v[C_NIP],
        [T_NAME] = &v[C_NAME],
        [T_UNIT_CODE] = &v[C_UNIT_CODE],
        [T_UNIT_NAME] = unit_name,
        [T_POSITION] = &v[C_POSITION],
        [T_GRADE] = &v[C_GRADE],
        [T_DEVICE_PIN] = &v[C_DEVICE_PIN],
        [T_NPWP] = &v[C_NPWP],
        [T_BANK_NAME] = &v[C_BANK_NAME],
        [T_BANK_ACCOUNT] = &v[C_BANK_ACCOUNT],
    };
    size_t need = 0;
    for (int j = 0; j < N_TEXTS; j++)
        need += sizeof(uint32_t) + texts[j]->len;
    if (s->n_rows == s->cap_rows) {
        size_t cap = s->cap_rows ? 2 * s->cap_rows : 4096;
        pending_emp *grown = realloc(s->rows, cap * sizeof *grown);
        if (grown == NULL)
            return tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
        s->rows = grown;
        s->cap_rows = cap;
    }
    if (s->arena_cap - s->arena_used < need) {
        size_t cap = s->arena_cap ? 2 * s->arena_cap : 1 << 20;
        while (cap - s->arena_used < need)
            cap *= 2;
        char *grown = realloc(s->arena, cap);
        if (grown == NULL)
            return tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
        s->arena = grown;
        s->arena_cap = cap;
    }
    pending_emp *r = &s->rows[s->n_rows++];
    *r = (pending_emp){
        .nip = 0,
        .text = s->arena_used,
        .kelas = kelas,
        .salary = {salary[0], salary[1], salary[2]},
        .start = start,
        .end = end,
        .line = rec->line,
        .status = (unsigned char)status,
        .schedule = (unsigned char)schedule,
        .ptkp = (unsigned char)ptkp,
    };
    /* a row without errors has a checked NIP: 18 digits */
    for (size_t k = 0; k < v[C_NIP].len; k++)
        r->nip = r->nip * 10 + (uint64_t)(v[C_NIP].s[k] - '0');
    char *o = s->arena + s->arena_used;
    for (int j = 0; j < N_TEXTS; j++) {
        uint32_t len = (uint32_t)texts[j]->len;
        memcpy(o, &len, sizeof len);
        memcpy(o + sizeof len, texts[j]->s, len);
        o += sizeof len + len;
    }
    s->arena_used += need;
    return TPP_OK;
}

/* NIP order; NIPs are unique among the kept rows, the line makes the order total anyway. */
static int emp_cmp(const void *pa, const void *pb)
{
    const pending_emp *a = pa, *b = pb;
    if (a->nip != b->nip)
        return a->nip < b->nip ? -1 : 1;
    return a->line < b->line ? -1 : a->line > b->line;
}

static tpp_status store_row(tpp_imp_ctx *c, emp_state *s, const pending_emp *r, tpp_error *err)
{
    const char *t[N_TEXTS];
    uint32_t len[N_TEXTS];
    const char *o = s->arena + r->text;
    for (int j = 0; j < N_TEXTS; j++) {
        memcpy(&len[j], o, sizeof len[j]);
        t[j] = o + sizeof len[j];
        o = t[j] + len[j];
    }
    sqlite3_stmt *q = s->upsert;
    tpp_imp_bind_text(q, 1, t[T_NIP], len[T_NIP]);
    tpp_imp_bind_text(q, 2, t[T_NAME], len[T_NAME]);
    sqlite3_bind_text(q, 3, statuses[r->status], -1, SQLITE_STATIC);
    tpp_imp_bind_text(q, 4, t[T_UNIT_CODE], len[T_UNIT_CODE]);
    tpp_imp_bind_text(q, 5, t[T_UNIT_NAME], len[T_UNIT_NAME]);
    tpp_imp_bind_text(q, 6, t[T_POSITION], len[T_POSITION]);
    sqlite3_bind_int64(q, 7, r->kelas);
    tpp_imp_bind_text(q, 8, t[T_GRADE], len[T_GRADE]);
    sqlite3_bind_text(q, 9, schedules[r->schedule], -1, SQLITE_STATIC);
    tpp_imp_bind_opt(q, 10, t[T_DEVICE_PIN], len[T_DEVICE_PIN]);
    sqlite3_bind_text(q, 11, ptkps[r->ptkp], -1, SQLITE_STATIC);
    tpp_imp_bind_text(q, 12, t[T_NPWP], len[T_NPWP]);
    tpp_imp_bind_text(q, 13, t[T_BANK_NAME], len[T_BANK_NAME]);
    tpp_imp_bind_text(q, 14, t[T_BANK_ACCOUNT], len[T_BANK_ACCOUNT]);
    for (int j = 0; j < 3; j++)
        sqlite3_bind_int64(q, 15 + j, r->salary[j]);
    tpp_imp_bind_date(q, 18, r->start);
    tpp_imp_bind_date(q, 19, r->end);
    sqlite3_bind_int64(q, 20, c->file_id);
    TPP_TRY(tpp_imp_step_done(c, q, "cannot store employee", err));
    c->stats->inserted++;
    return TPP_OK;
}

/* A device PIN of this file that an employee outside the file already uses. Checked after all
 * rows, so that PINs moved between employees of the same file are not false conflicts. */
static tpp_status emp_finish(tpp_imp_ctx *c, tpp_error *err)
{
    emp_state *s = c->state;
    if (s->n_rows > 1) /* an empty file has no array: qsort wants one */
        qsort(s->rows, s->n_rows, sizeof *s->rows, emp_cmp);
    for (size_t i = 0; i < s->n_rows; i++)
        TPP_TRY(store_row(c, s, &s->rows[i], err));
    int64_t n_after = 0;
    TPP_TRY(count_employees(c, &n_after, err));
    /* every row stored added or updated one employee, with this file's id */
    int64_t stored = (int64_t)c->stats->inserted;
    c->stats->updated = (size_t)(stored - (n_after - s->n_before));
    /* Employees outside this file: all of them when the file replaces the whole master data
     * (no earlier file's row left to conflict with: no scan of the table). */
    if (s->pins.n == 0 || n_after == stored)
        return TPP_OK;
    sqlite3_stmt *q = NULL;
    TPP_TRY(tpp_store_prepare(c->st,
                              "SELECT device_pin, nip FROM employee "
                              "WHERE device_pin IS NOT NULL AND file_id <> ?1 ORDER BY nip",
                              &q, err));
    sqlite3_bind_int64(q, 1, c->file_id);
    int step;
    while ((step = sqlite3_step(q)) == SQLITE_ROW) {
        const char *pin = (const char *)sqlite3_column_text(q, 0);
        size_t len = (size_t)sqlite3_column_bytes(q, 0);
        ptrdiff_t i = tpp_strmap_find(&s->pins, pin, len);
        if (i < 0)
            continue;
        int64_t where = s->pins.entries[i].value;
        tpp_srcloc at = {c->path, (unsigned)(where >> 32), (unsigned)(where & 0xFFFFFFFF),
                         "device_pin"};
        tpp_imp_error(c, at, "device_pin '%s' is already used by NIP '%s' (from an earlier file)",
                      tpp_imp_show(c, pin, len), (const char *)sqlite3_column_text(q, 1));
    }
    tpp_status rc = TPP_OK;
    if (step != SQLITE_DONE)
        rc = tpp_store_fail(c->st, err, "cannot check device PINs");
    sqlite3_finalize(q);
    return rc;
}

const tpp_imp_kind tpp_imp_employees = {
    .columns = columns,
    .n_columns = N_COLUMNS,
    .begin = emp_begin,
    .row = emp_row,
    .finish = emp_finish,
    .end = emp_end,
};
