/* Masking of personal numbers in messages. The switch is process-wide because a diagnostic can
 * come from any layer (importers, the rule loader, the store); the CLI sets it once, from
 * --show-personal-data, before anything runs. */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "engine/mask.h"

static bool shown;

void tpp_mask_show_personal(bool show)
{
    shown = show;
}

bool tpp_mask_personal_shown(void)
{
    return shown;
}

bool tpp_mask_is_personal_field(const char *column)
{
    static const char *const personal[] = {"nik",         "npwp",           "bank_account",
                                           "no_rekening", "nomor_rekening", "rekening"};
    if (column == NULL)
        return false;
    for (size_t i = 0; i < sizeof personal / sizeof personal[0]; i++)
        if (strcasecmp(column, personal[i]) == 0)
            return true;
    return false;
}

char *tpp_mask(const char *s, size_t len, char *out, size_t size)
{
    if (size == 0)
        return out;
    size_t alnum = 0;
    for (size_t i = 0; i < len; i++)
        if (isalnum((unsigned char)s[i]))
            alnum++;
    size_t keep = alnum > 4 ? 4 : 0; /* a short value would be all but given away */
    size_t seen = 0, o = 0;
    for (size_t i = 0; i < len && o + 1 < size; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (isalnum(ch)) {
            seen++;
            out[o++] = seen > alnum - keep ? (char)ch : '*';
        } else if (ch >= 0x80) {
            out[o++] = '*'; /* a byte of a non-ASCII character: no partial UTF-8 left behind */
        } else {
            out[o++] = (char)ch;
        }
    }
    out[o] = '\0';
    return out;
}

char *tpp_mask_personal(const char *s, size_t len, char *out, size_t size)
{
    if (!shown)
        return tpp_mask(s, len, out, size);
    if (size == 0)
        return out;
    size_t n = len < size - 1 ? len : size - 1;
    memcpy(out, s, n);
    out[n] = '\0';
    return out;
}

static bool is_sep(char c)
{
    return c == '.' || c == '-';
}

size_t tpp_mask_text(char *text)
{
    if (shown || text == NULL)
        return 0;
    size_t masked = 0;
    char *p = text;
    while (*p) {
        if (!isdigit((unsigned char)*p) ||
            (p > text && (isalnum((unsigned char)p[-1]) ||
                          (is_sep(p[-1]) && p - 1 > text && isdigit((unsigned char)p[-2]))))) {
            p++;
            continue;
        }
        /* A run of digits and single separators between digits. */
        char *end = p;
        size_t digits = 0;
        while (isdigit((unsigned char)*end) ||
               (is_sep(*end) && digits > 0 && isdigit((unsigned char)end[1]))) {
            digits += isdigit((unsigned char)*end) != 0;
            end++;
        }
        if ((digits == 15 || digits == 16) && !isalpha((unsigned char)*end)) {
            size_t n = (size_t)(end - p);
            char buf[64];
            tpp_mask(p, n, buf, sizeof buf);
            memcpy(p, buf, n);
            masked++;
        }
        p = end;
    }
    return masked;
}
