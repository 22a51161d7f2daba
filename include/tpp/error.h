/* Status codes and the error record shared by every module. */
#ifndef TPP_ERROR_H
#define TPP_ERROR_H

#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum tpp_status {
    TPP_OK = 0,
    TPP_ERR_NOMEM,    /* allocation failed */
    TPP_ERR_USAGE,    /* bad command-line use */
    TPP_ERR_IO,       /* open/read/write failed; sys_errno holds errno */
    TPP_ERR_SYNTAX,   /* malformed CSV / YAML text */
    TPP_ERR_INVALID,  /* well-formed input with a bad value */
    TPP_ERR_RULES,    /* the rule pack is invalid */
    TPP_ERR_RULE,     /* a rule failed for one employee (missing table row, ...) */
    TPP_ERR_OVERFLOW, /* money arithmetic left the int64 range */
    TPP_ERR_DB,       /* SQLite error; lib_code = extended result code */
    TPP_ERR_EXPORT,   /* XLSX/CSV write failed */
    TPP_ERR_INTERNAL, /* a bug: violated invariant */
    TPP_STATUS_COUNT  /* never returned; keep last */
} tpp_status;

/** Where in the user's input a problem is. 1-based; 0 = unknown. Strings are borrowed. */
typedef struct tpp_srcloc {
    const char *path;
    unsigned line;
    unsigned col;
    const char *field;
} tpp_srcloc;

#define TPP_ERRMSG_SIZE 512

typedef struct tpp_error {
    tpp_status code;
    tpp_srcloc at;
    char path[256]; /* copy of at.path, so the error outlives the input */
    int sys_errno;
    int lib_code;
    const char *raised_file;
    int raised_line;
    char msg[TPP_ERRMSG_SIZE];
} tpp_error;

/** Static name of a status, never NULL. */
const char *tpp_status_str(tpp_status code);

/** Print "path:line:col: error: msg" (or "tpp: error: msg" without a location). */
void tpp_error_print(FILE *out, const tpp_error *e);

tpp_status tpp_error_set_(tpp_error *e, tpp_status code, tpp_srcloc at, const char *file, int line,
                          const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* Sets *e (if e != NULL) and returns code: `return tpp_fail(err, TPP_ERR_IO, TPP_NOLOC, ...)`. */
#define tpp_fail(e, code, at, ...) \
    tpp_error_set_((e), (code), (at), __FILE__, __LINE__, __VA_ARGS__)
#define TPP_NOLOC ((tpp_srcloc){0})

#define TPP_TRY(expr)                    \
    do {                                 \
        tpp_status tpp_try_rc_ = (expr); \
        if (tpp_try_rc_ != TPP_OK)       \
            return tpp_try_rc_;          \
    } while (0)

/** Diagnostics: problems in user data, collected (not fatal) so that all of them are reported. */
typedef struct tpp_diags tpp_diags;

tpp_diags *tpp_diags_new(FILE *echo);
void tpp_diags_free(tpp_diags *d);
/** Record an error at a location; printed at once to the echo stream (if any). */
void tpp_diag_error(tpp_diags *d, tpp_srcloc at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void tpp_diag_warning(tpp_diags *d, tpp_srcloc at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
size_t tpp_diags_errors(const tpp_diags *d);
size_t tpp_diags_warnings(const tpp_diags *d);
/** Stop collecting after this many errors (0 = no limit); tpp_diags_full() tells when reached. */
void tpp_diags_set_max(tpp_diags *d, size_t max_errors);
int tpp_diags_full(const tpp_diags *d);

#ifdef __cplusplus
}
#endif
#endif /* TPP_ERROR_H */
