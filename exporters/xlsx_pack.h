/* A workbook written by libxlsxwriter, its large sheets' rows inserted and every part deflated
 * on several threads. Private header.
 *
 * libxlsxwriter deflates the parts of a workbook one after the other on the thread that closes
 * it, at zlib's default level: for a national payment list (3.7 GB of sheet XML) that was more
 * than a minute on one core. So the library writes the workbook without the employees' rows
 * (every other byte, styles and names included, is its own), and this re-packs it: each part is
 * read back, the rows of a sheet are rendered in pieces of a fixed number of rows straight into
 * the sheet's XML where they belong, every piece is deflated by whichever thread takes it, and
 * the zip is written in the parts' order. The XML of every part is the library's (a test
 * compares it with the workbook the library writes alone); the container and the compressed
 * bytes are ours, the same for any number of threads. */
#ifndef TPP_EXPORTERS_XLSX_PACK_H
#define TPP_EXPORTERS_XLSX_PACK_H

#include <stdbool.h>
#include <stddef.h>

#include "engine/util.h"
#include "tpp/error.h"

/* Rows to insert into one part of the workbook. */
typedef struct tpp_xlsx_insert {
    char member[64]; /* "xl/worksheets/sheet3.xml" */
    char before[32]; /* the rows go just before this text, which occurs once in the part */
    size_t n_rows;   /* rows the render callback produces for this insert */
} tpp_xlsx_insert;

/* Append the XML of rows [first, first + count) of insert `ins` to out; scratch is two buffers
 * of the calling thread's own. False when out of memory. Called from several threads at once. */
typedef bool (*tpp_xlsx_render_fn)(const void *ctx, size_t ins, size_t first, size_t count,
                                   tpp_buf *out, tpp_buf *scratch);

/** Re-pack the workbook `in` into `out` (see above) with `threads` threads (at least one);
 *  `in` is left alone. */
tpp_status tpp_xlsx_repack(const char *in, const char *out, const tpp_xlsx_insert *ins,
                           size_t n_ins, tpp_xlsx_render_fn render, const void *ctx, int threads,
                           unsigned dos_date, tpp_error *err);

#endif /* TPP_EXPORTERS_XLSX_PACK_H */
