/* Shared pieces of the command-line front end. Every command is one function in its own file. */
#ifndef TPP_CLI_H
#define TPP_CLI_H

#include <stdbool.h>
#include <stddef.h>

#include "tpp/error.h"

typedef struct tpp_cli {
    const char *db_path; /* --db, TPP_DB, or ./tpp.db */
    bool quiet;
    bool verbose;
} tpp_cli;

typedef int (*tpp_cmd_fn)(int argc, char **argv, tpp_cli *cli);

/* Re-executes tpp once with glibc's huge-page tunable set (cli/hugepages.c); returns when it
 * does not. */
void tpp_cli_huge_pages(char **argv);

int cmd_init(int argc, char **argv, tpp_cli *cli);
int cmd_import(int argc, char **argv, tpp_cli *cli);
int cmd_run(int argc, char **argv, tpp_cli *cli);
int cmd_status(int argc, char **argv, tpp_cli *cli);
int cmd_export(int argc, char **argv, tpp_cli *cli);
int cmd_explain(int argc, char **argv, tpp_cli *cli);
int cmd_rules(int argc, char **argv, tpp_cli *cli);
int cmd_gen(int argc, char **argv, tpp_cli *cli);
int cmd_demo(int argc, char **argv, tpp_cli *cli);
int cmd_finalize(int argc, char **argv, tpp_cli *cli);
int cmd_audit(int argc, char **argv, tpp_cli *cli);
int cmd_replay(int argc, char **argv, tpp_cli *cli);
int cmd_proof(int argc, char **argv, tpp_cli *cli);
int cmd_verify(int argc, char **argv, tpp_cli *cli);
int cmd_keygen(int argc, char **argv, tpp_cli *cli);
int cmd_config(int argc, char **argv, tpp_cli *cli);
int cmd_diff(int argc, char **argv, tpp_cli *cli);
int cmd_rapel(int argc, char **argv, tpp_cli *cli);
int cmd_trace(int argc, char **argv, tpp_cli *cli);

/** The one mapping from a status (and the count of data errors) to the documented exit codes:
 *  0 ok, 1 finished but data had errors, 2 usage, 3 invalid rules, 4 I/O or database, 70 bug. */
int tpp_exit_code(tpp_status status, size_t n_error_diags);

/** Print err as "file:line:col: error: msg" or "tpp: error: msg" and return its exit code. */
int cli_fail(const tpp_cli *cli, const tpp_error *err);

/** Print "tpp <cmd>: <msg>", the usage line and the hint to stderr; returns 2. */
int cli_usage_error(const char *usage, const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/** Parse --period YYYY-MM; prints a usage error and returns false when it is malformed. */
bool cli_period(const char *usage, const char *cmd, const char *arg, int *year, int *month);
/* Parse --run ID (a positive integer); on failure prints the usage error and returns false. */
bool cli_run_id(const char *usage, const char *cmd, const char *arg, long long *id);

/** getopt_long's report of a bad option, in our words (exit code 2). */
int cli_bad_option(const char *usage, const char *cmd, int optopt_char, const char *arg);

#endif /* TPP_CLI_H */
