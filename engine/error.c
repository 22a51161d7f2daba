/* Status names, the error record and the diagnostics list. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "engine/mask.h"
#include "tpp/error.h"

const char *tpp_status_str(tpp_status code)
{
    /* A switch without default: -Wall -Werror then catches a missing case. */
    switch (code) {
    case TPP_OK:
        return "ok";
    case TPP_ERR_NOMEM:
        return "out of memory";
    case TPP_ERR_USAGE:
        return "usage error";
    case TPP_ERR_IO:
        return "I/O error";
    case TPP_ERR_SYNTAX:
        return "syntax error";
    case TPP_ERR_INVALID:
        return "invalid input";
    case TPP_ERR_RULES:
        return "invalid rules";
    case TPP_ERR_RULE:
        return "rule failed";
    case TPP_ERR_OVERFLOW:
        return "arithmetic overflow";
    case TPP_ERR_DB:
        return "database error";
    case TPP_ERR_EXPORT:
        return "export failed";
    case TPP_ERR_INTERNAL:
        return "internal error";
    case TPP_STATUS_COUNT:
        break;
    }
    return "unknown status";
}

tpp_status tpp_error_set_(tpp_error *e, tpp_status code, tpp_srcloc at, const char *file, int line,
                          const char *fmt, ...)
{
    if (e == NULL)
        return code;
    memset(e, 0, sizeof *e);
    e->code = code;
    e->at = at;
    if (at.path != NULL) {
        snprintf(e->path, sizeof e->path, "%s", at.path);
        e->at.path = e->path;
    }
    e->at.field = NULL; /* borrowed strings may not outlive the input */
    e->raised_file = file;
    e->raised_line = line;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
    return code;
}

static void print_loc(FILE *out, tpp_srcloc at)
{
    if (at.path == NULL) {
        fputs("tpp: ", out);
        return;
    }
    fputs(at.path, out);
    if (at.line > 0) {
        fprintf(out, ":%u", at.line);
        if (at.col > 0)
            fprintf(out, ":%u", at.col);
    }
    fputs(": ", out);
}

void tpp_error_print(FILE *out, const tpp_error *e)
{
    char msg[TPP_ERRMSG_SIZE];
    memcpy(msg, e->msg, sizeof msg);
    msg[sizeof msg - 1] = '\0';
    tpp_mask_text(msg);
    print_loc(out, e->at);
    fprintf(out, "error: %s\n", msg);
}

struct tpp_diags {
    FILE *echo;
    size_t errors;
    size_t warnings;
    size_t max_errors;
};

tpp_diags *tpp_diags_new(FILE *echo)
{
    tpp_diags *d = calloc(1, sizeof *d);
    if (d != NULL)
        d->echo = echo;
    return d;
}

void tpp_diags_free(tpp_diags *d)
{
    free(d);
}

__attribute__((format(printf, 4, 0))) static void report(tpp_diags *d, const char *sev,
                                                         tpp_srcloc at, const char *fmt, va_list ap)
{
    if (d->echo == NULL)
        return;
    /* A NIK or NPWP quoted in any message is masked (engine/mask.h), so the text is made
     * first. */
    char buf[2048];
    vsnprintf(buf, sizeof buf, fmt, ap);
    tpp_mask_text(buf);
    print_loc(d->echo, at);
    fprintf(d->echo, "%s: %s\n", sev, buf);
}

void tpp_diag_error(tpp_diags *d, tpp_srcloc at, const char *fmt, ...)
{
    if (d == NULL)
        return;
    d->errors++;
    if (d->max_errors != 0 && d->errors > d->max_errors)
        return;
    va_list ap;
    va_start(ap, fmt);
    report(d, "error", at, fmt, ap);
    va_end(ap);
}

void tpp_diag_warning(tpp_diags *d, tpp_srcloc at, const char *fmt, ...)
{
    if (d == NULL)
        return;
    d->warnings++;
    va_list ap;
    va_start(ap, fmt);
    report(d, "warning", at, fmt, ap);
    va_end(ap);
}

size_t tpp_diags_errors(const tpp_diags *d)
{
    return d == NULL ? 0 : d->errors;
}

size_t tpp_diags_warnings(const tpp_diags *d)
{
    return d == NULL ? 0 : d->warnings;
}

void tpp_diags_set_max(tpp_diags *d, size_t max_errors)
{
    if (d != NULL)
        d->max_errors = max_errors;
}

int tpp_diags_full(const tpp_diags *d)
{
    return d != NULL && d->max_errors != 0 && d->errors >= d->max_errors;
}
