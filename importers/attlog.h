/* ZKTeco attlog reader (domain brief §7.1): one punch per line,
 * "PIN<TAB>YYYY-MM-DD HH:MM:SS<TAB>status<TAB>verify<TAB>workcode[<TAB>reserved...]".
 * Private header of the importers. */
#ifndef TPP_IMPORTERS_ATTLOG_H
#define TPP_IMPORTERS_ATTLOG_H

#include <stdbool.h>
#include <stddef.h>

#include "importers/csv.h"
#include "tpp/error.h"

#define TPP_ATTLOG_MAX_LINE 4096

typedef struct tpp_attlog_reader {
    const char *path;
    tpp_diags *diags;
    long (*read)(void *ctx, unsigned char *buf, size_t cap);
    void *ctx;
    unsigned char *win;
    size_t cap, pos, len;
    bool eof, failed;
    unsigned line;
    size_t n_errors;
    tpp_csv_field fields[5];
    tpp_csv_record rec;
    char empty[1];
} tpp_attlog_reader;

/** The record every attlog line is read as: device_pin, timestamp, direction, verify, workcode. */
const tpp_csv_record *tpp_attlog_header(void);

tpp_status tpp_attlog_reader_init(tpp_attlog_reader *r, const char *path,
                                  long (*read)(void *ctx, unsigned char *buf, size_t cap),
                                  void *ctx, tpp_diags *diags, tpp_error *err);
/** Next punch as a record of five fields (missing trailing ones empty); NULL at the end. A line
 *  that is not a punch is reported and skipped. Fields point into the reader's window. */
tpp_status tpp_attlog_reader_next(tpp_attlog_reader *r, const tpp_csv_record **out, tpp_error *err);
void tpp_attlog_reader_release(tpp_attlog_reader *r);

#endif /* TPP_IMPORTERS_ATTLOG_H */
