/* XLSX (Office Open XML spreadsheet) reader: one sheet's rows as records, like the CSV reader.
 * Private header of the importers. */
#ifndef TPP_IMPORTERS_XLSX_H
#define TPP_IMPORTERS_XLSX_H

#include <stdbool.h>
#include <stddef.h>

#include "importers/csv.h"
#include "tpp/error.h"

typedef struct tpp_xlsx_reader tpp_xlsx_reader;

/**
 * Open sheet `sheet` (NULL: the first) of the workbook at path. Problems with the file (not a
 * ZIP, no such sheet, broken XML) are reported to diags as "path:line:col: error: ..." and
 * counted by tpp_xlsx_reader_errors(); the reader then yields no records. Returns TPP_ERR_NOMEM
 * or TPP_ERR_IO only.
 */
tpp_status tpp_xlsx_reader_open(tpp_xlsx_reader **out, const char *path, const char *sheet,
                                tpp_diags *diags, tpp_error *err);
/** Next non-empty row as a record: field i is column i+1 (A = 1); line is the row number, col
 *  the column number. Dates come out as YYYY-MM-DD (with " HH:MM:SS" when they have a time),
 *  times as HH:MM:SS, numbers in plain decimal. NULL at the end. */
tpp_status tpp_xlsx_reader_next(tpp_xlsx_reader *r, const tpp_csv_record **out, tpp_error *err);
/** Pad every following record to at least n fields (the header's width). */
void tpp_xlsx_reader_set_width(tpp_xlsx_reader *r, size_t n);
size_t tpp_xlsx_reader_errors(const tpp_xlsx_reader *r);
/** The name of the sheet being read. */
const char *tpp_xlsx_reader_sheet(const tpp_xlsx_reader *r);
/** The workbook's sheets in workbook order, known once the reader is open (whichever sheet it
 *  reads): how many, and the name of sheet i (NULL when i is out of range). A workbook the
 *  reader could not open has none. */
size_t tpp_xlsx_reader_sheet_count(const tpp_xlsx_reader *r);
const char *tpp_xlsx_reader_sheet_name(const tpp_xlsx_reader *r, size_t i);
void tpp_xlsx_reader_free(tpp_xlsx_reader *r);

/** Exposed for tests: convert a spreadsheet date serial (decimal text) to ISO text.
 *  kind: 1 date, 2 date and time, 3 time. False if it is no date. */
bool tpp_xlsx_serial_to_text(const char *v, bool date1904, int kind, char *out, size_t size);
/** Exposed for tests: a number as plain decimal text; *lossy when it has 16+ integer digits. */
bool tpp_xlsx_number_text(const char *v, char *out, size_t size, bool *lossy);

#endif /* TPP_IMPORTERS_XLSX_H */
