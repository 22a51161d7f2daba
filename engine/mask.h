/* Personal data in messages (SPEC §8): NIK, NPWP and bank account numbers are masked in logs,
 * diagnostics and `tpp explain` unless the user asks for them (--show-personal-data).
 * The payroll files themselves keep them whole: the bank pays from them. Private header. */
#ifndef TPP_ENGINE_MASK_H
#define TPP_ENGINE_MASK_H

#include <stdbool.h>
#include <stddef.h>

/** Show personal data unmasked from now on. Set once at start-up, before any thread starts. */
void tpp_mask_show_personal(bool show);
bool tpp_mask_personal_shown(void);

/** A column that holds personal numbers: nik, npwp, bank_account (and their usual aliases). */
bool tpp_mask_is_personal_field(const char *column);

/**
 * s[0..len) masked into out (size bytes, NUL-terminated, truncated to fit): every letter and
 * digit but the last four is replaced by '*'; separators stay, so the shape is still
 * recognisable ("31.71.000-000.0000" -> "**.**.***-***.0000"). Values of four characters or
 * fewer are masked entirely. Returns out.
 */
char *tpp_mask(const char *s, size_t len, char *out, size_t size);

/** Same, but only when personal data is not shown; otherwise a plain copy. */
char *tpp_mask_personal(const char *s, size_t len, char *out, size_t size);

/**
 * Mask in place, in free text, every number shaped like a NIK or an NPWP: a run of 15 or 16
 * digits, possibly split by '.' or '-', not part of a longer number (an 18-digit NIP stays).
 * Does nothing when personal data is shown. Returns the number of runs masked.
 */
size_t tpp_mask_text(char *text);

#endif /* TPP_ENGINE_MASK_H */
