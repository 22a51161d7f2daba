/* A test-only XLSX reader: `unzip -p` for the parts, and a scan of the sheet XML that is enough
 * for what libxlsxwriter writes (inline strings in constant_memory mode, <f> and <v> per cell).
 * It is not a general XLSX parser; the project's reader is a separate piece of work. Also an
 * RFC 4180 reader for the CSV files LibreOffice converts sheets to. */
#ifndef TPP_TESTS_XLSX_READ_H
#define TPP_TESTS_XLSX_READ_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The bytes of one member of the zip (NUL-terminated), or NULL when it is missing. */
__attribute__((unused)) static char *xr_member(const char *xlsx, const char *member)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "unzip -p '%s' '%s' 2>/dev/null", xlsx, member);
    FILE *p = popen(cmd, "r");
    if (p == NULL)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    size_t got;
    while (buf != NULL && (got = fread(buf + n, 1, cap - n - 1, p)) > 0) {
        n += got;
        if (cap - n < 2) {
            char *b = realloc(buf, cap * 2);
            if (b == NULL) {
                free(buf);
                buf = NULL;
            }
            buf = b;
            cap *= 2;
        }
    }
    int rc = pclose(p);
    if (buf == NULL || rc != 0 || n == 0) {
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    return buf;
}

/* In-place XML entity decoding of the five predefined entities and &#N;. */
__attribute__((unused)) static void xr_unescape(char *s)
{
    char *o = s;
    for (char *p = s; *p;) {
        static const struct {
            const char *e;
            char c;
        } ents[] = {
            {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}};
        bool done = false;
        for (size_t i = 0; i < sizeof ents / sizeof ents[0] && !done; i++) {
            size_t l = strlen(ents[i].e);
            if (strncmp(p, ents[i].e, l) == 0) {
                *o++ = ents[i].c;
                p += l;
                done = true;
            }
        }
        if (!done && p[0] == '&' && p[1] == '#') {
            char *end;
            long v = strtol(p + 2, &end, 10);
            if (*end == ';' && v > 0 && v < 128) {
                *o++ = (char)v;
                p = end + 1;
                done = true;
            }
        }
        if (!done)
            *o++ = *p++;
    }
    *o = '\0';
}

/* The XML of the sheet called `name` (via workbook.xml and its relationships), or NULL. */
__attribute__((unused)) static char *xr_sheet(const char *xlsx, const char *name)
{
    char *wb = xr_member(xlsx, "xl/workbook.xml");
    char *rels = xr_member(xlsx, "xl/_rels/workbook.xml.rels");
    char *out = NULL;
    char pat[512], rid[32] = "", target[256] = "";
    snprintf(pat, sizeof pat, "<sheet name=\"%s\"", name);
    char *s = wb ? strstr(wb, pat) : NULL;
    char *r = s ? strstr(s, "r:id=\"") : NULL;
    if (r != NULL)
        sscanf(r + 6, "%31[^\"]", rid);
    snprintf(pat, sizeof pat, "Id=\"%s\"", rid);
    char *t = rid[0] && rels ? strstr(rels, pat) : NULL;
    char *tt = t ? strstr(t, "Target=\"") : NULL;
    if (tt != NULL)
        sscanf(tt + 8, "%255[^\"]", target);
    if (target[0]) {
        snprintf(pat, sizeof pat, "xl/%s", target);
        out = xr_member(xlsx, pat);
    }
    free(wb);
    free(rels);
    return out;
}

/* Copy the text between open (which must start at p) and close into out. */
__attribute__((unused)) static void xr_between(const char *p, const char *stop, const char *open,
                                               const char *close, char *out, size_t size)
{
    out[0] = '\0';
    const char *a = strstr(p, open);
    if (a == NULL || a > stop)
        return;
    a = strchr(a, '>'); /* skip attributes like xml:space */
    if (a == NULL)
        return;
    a++;
    const char *b = strstr(a, close);
    if (b == NULL || b > stop)
        return;
    size_t n = (size_t)(b - a) < size - 1 ? (size_t)(b - a) : size - 1;
    memcpy(out, a, n);
    out[n] = '\0';
    xr_unescape(out);
}

/* Cell `ref` (e.g. "R12") of a sheet: its value (number text or string) and formula (without
 * '='; empty when it has none). False when the sheet has no such cell. */
__attribute__((unused)) static bool xr_cell(const char *xml, const char *ref, char *value,
                                            size_t vsize, char *formula, size_t fsize)
{
    char pat[32];
    snprintf(pat, sizeof pat, "<c r=\"%s\"", ref);
    const char *c = xml;
    for (;;) {
        c = strstr(c, pat);
        if (c == NULL)
            return false;
        char next = c[strlen(pat)];
        if (next == ' ' || next == '>' || next == '/')
            break;
        c++;
    }
    const char *tag_end = strchr(c, '>');
    value[0] = '\0';
    if (formula != NULL)
        formula[0] = '\0';
    if (tag_end == NULL || tag_end[-1] == '/')
        return true; /* an empty (formatted) cell */
    const char *stop = strstr(tag_end, "</c>");
    if (stop == NULL)
        return false;
    if (formula != NULL)
        xr_between(tag_end, stop, "<f", "</f>", formula, fsize);
    if (strstr(c, "t=\"inlineStr\"") != NULL && strstr(c, "t=\"inlineStr\"") < tag_end)
        xr_between(tag_end, stop, "<t", "</t>", value, vsize);
    else
        xr_between(tag_end, stop, "<v", "</v>", value, vsize);
    return true;
}

/* Walk the cells that hold a formula: returns a pointer past the cell, or NULL at the end. */
__attribute__((unused)) static const char *xr_next_formula(const char *p, char *ref, size_t rsize,
                                                           char *value, size_t vsize, char *formula,
                                                           size_t fsize)
{
    for (;;) {
        const char *f = strstr(p, "<f>");
        if (f == NULL)
            return NULL;
        /* the cell that holds it: the last "<c r=" before it */
        const char *c = f;
        while (c > p && strncmp(c, "<c r=\"", 6) != 0)
            c--;
        if (strncmp(c, "<c r=\"", 6) != 0) {
            p = f + 3;
            continue;
        }
        size_t n = strcspn(c + 6, "\"");
        if (n >= rsize)
            n = rsize - 1;
        memcpy(ref, c + 6, n);
        ref[n] = '\0';
        const char *stop = strstr(f, "</c>");
        if (stop == NULL)
            return NULL;
        xr_between(f, stop, "<f", "</f>", formula, fsize);
        xr_between(f, stop, "<v", "</v>", value, vsize);
        return stop + 4;
    }
}

/* ---- CSV (RFC 4180) into a grid ------------------------------------------------------------ */

typedef struct xr_grid {
    size_t rows, cols;
    char **cell; /* rows * cols, NULL where a row is shorter */
    char *text;
} xr_grid;

__attribute__((unused)) static void xr_grid_free(xr_grid *g)
{
    free(g->cell);
    free(g->text);
    memset(g, 0, sizeof *g);
}

__attribute__((unused)) static bool xr_grid_load(const char *path, xr_grid *g)
{
    memset(g, 0, sizeof *g);
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return false;
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    g->text = malloc((size_t)len + 1);
    if (g->text == NULL || fread(g->text, 1, (size_t)len, f) != (size_t)len) {
        fclose(f);
        return false;
    }
    fclose(f);
    g->text[len] = '\0';
    /* Two passes: count the shape, then split in place. */
    size_t cap = 1024, n = 0, row = 0, col = 0, maxcol = 0;
    struct pos {
        size_t r, c;
        char *s;
    } *cells = malloc(cap * sizeof *cells);
    char *p = g->text;
    while (*p != '\0' && cells != NULL) {
        char *out = p, *start = p;
        if (*p == '"') {
            p++;
            for (;;) {
                if (*p == '\0')
                    break;
                if (p[0] == '"' && p[1] == '"') {
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
            while (*p && *p != ',' && *p != '\n' && *p != '\r')
                *out++ = *p++;
        }
        char sep = *p;
        *out = '\0';
        if (n == cap) {
            cap *= 2;
            struct pos *b = realloc(cells, cap * sizeof *cells);
            if (b == NULL) {
                free(cells);
                cells = NULL;
                break;
            }
            cells = b;
        }
        cells[n++] = (struct pos){row, col, start};
        if (col + 1 > maxcol)
            maxcol = col + 1;
        if (sep == ',') {
            p++;
            col++;
        } else {
            /* the separator itself may have been overwritten by the NUL: go by sep */
            if (sep == '\r' || sep == '\n')
                p++;
            if (sep == '\r' && *p == '\n')
                p++;
            row++;
            col = 0;
        }
    }
    if (cells == NULL)
        return false;
    g->rows = row;
    g->cols = maxcol;
    g->cell = calloc(row * maxcol + 1, sizeof *g->cell);
    for (size_t i = 0; g->cell && i < n; i++)
        if (cells[i].r < row)
            g->cell[cells[i].r * maxcol + cells[i].c] = cells[i].s;
    free(cells);
    return g->cell != NULL;
}

/* The text at an A1 reference, or NULL. */
__attribute__((unused)) static const char *xr_grid_at(const xr_grid *g, const char *ref)
{
    size_t col = 0, i = 0;
    while (ref[i] >= 'A' && ref[i] <= 'Z')
        col = col * 26 + (size_t)(ref[i++] - 'A' + 1);
    size_t row = (size_t)strtoul(ref + i, NULL, 10);
    if (col == 0 || row == 0 || row > g->rows || col > g->cols)
        return NULL;
    return g->cell[(row - 1) * g->cols + (col - 1)];
}

#endif /* TPP_TESTS_XLSX_READ_H */
