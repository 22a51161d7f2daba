/* The canonical employee record (docs/canonical-trace.md): the bytes a seal's leaf hashes.
 * Private header. */
#ifndef TPP_ENGINE_CANON_H
#define TPP_ENGINE_CANON_H

#include <sqlite3.h>
#include <stdbool.h>

#include "engine/util.h"

/** The columns of `result` a record holds, in record order, for "SELECT <this> FROM result".
 *  The last one is the trace. */
extern const char tpp_canon_columns_sql[];
/** Number of columns in tpp_canon_columns_sql, the trace included. */
#define TPP_CANON_N_COLUMNS 37
/** The name of column i of the record (0 = nip). */
const char *tpp_canon_column_name(int i);
/** True when column i is an integer. */
bool tpp_canon_column_is_int(int i);

/**
 * Append to out the canonical record of the result row q is on, whose columns start at
 * first_col in the order of tpp_canon_columns_sql, for `period` ("YYYY-MM").
 */
void tpp_canon_record(sqlite3_stmt *q, int first_col, const char *period, tpp_buf *out);

/** Split a trace into its lines; calls fn(user, index, line, len) for each (no '\n'). */
void tpp_canon_trace_lines(const char *trace, size_t len,
                           void (*fn)(void *user, size_t i, const char *line, size_t n),
                           void *user);

#endif /* TPP_ENGINE_CANON_H */
