/* Test helper for the importer tests: paths in the test's scratch and data directories, input
 * files written from text, and diagnostics captured in memory so that a test can look for
 * "file:line:col: error: ...". Needs tests/check.h first. The includer sets tmp_dir (and
 * data_dir when it reads tests/data) in main(). */
#ifndef TPP_TESTS_TEST_FILES_H
#define TPP_TESTS_TEST_FILES_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tpp/error.h"

static char tmp_dir[512];
static char data_dir[512];

/* dir/name in one of 8 rotating buffers: a few paths may be alive at once */
static inline const char *test_path_in(const char *dir, const char *name)
{
    static char paths[8][700];
    static unsigned next;
    char *p = paths[next++ % 8];
    snprintf(p, sizeof paths[0], "%s/%s", dir, name);
    return p;
}

static inline const char *tmp_path(const char *name)
{
    return test_path_in(tmp_dir, name);
}

static inline const char *data_path(const char *name)
{
    return test_path_in(data_dir, name);
}

/* Write text to tmp_dir/name; returns the path. */
static inline const char *write_file(const char *name, const char *text)
{
    const char *path = tmp_path(name);
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (f != NULL) {
        fputs(text, f);
        fclose(f);
    }
    return path;
}

typedef struct capture {
    char *text;
    size_t size;
    FILE *f;
    tpp_diags *d;
} capture;

static inline void capture_open(capture *c)
{
    c->text = NULL;
    c->size = 0;
    c->f = open_memstream(&c->text, &c->size);
    c->d = tpp_diags_new(c->f);
}

static inline const char *capture_text(capture *c)
{
    fflush(c->f);
    return c->text ? c->text : "";
}

static inline void capture_close(capture *c)
{
    tpp_diags_free(c->d);
    fclose(c->f);
    free(c->text);
}

#define EXPECT_DIAG(cap, needle)                                                              \
    do {                                                                                      \
        const char *t_ = capture_text(cap);                                                   \
        check_count++;                                                                        \
        if (strstr(t_, (needle)) == NULL) {                                                   \
            check_failures++;                                                                 \
            fprintf(stderr, "%s:%d: diagnostic '%s' not found in:\n%s\n", __FILE__, __LINE__, \
                    (needle), t_);                                                            \
        }                                                                                     \
    } while (0)

#endif /* TPP_TESTS_TEST_FILES_H */
