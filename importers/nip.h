/* NIP (Nomor Induk Pegawai) checks, domain brief §7.5. Private header of the importers. */
#ifndef TPP_IMPORTERS_NIP_H
#define TPP_IMPORTERS_NIP_H

#include <stdbool.h>
#include <stddef.h>

#define TPP_NIP_LEN 18

/** True if s looks like a NIP a spreadsheet turned into a number: scientific notation
 *  ("1.97704E+17"), a leading apostrophe ("'1977...") or a decimal tail ("...009.0"). */
bool tpp_nip_looks_mangled(const char *s, size_t len);

/**
 * Check a NIP. Every NIP is 18 digits. With `pns` (PNS and CPNS), it must also carry a real
 * birth date YYYYMMDD (digits 1-8), a CPNS start YYYYMM (digits 9-14) with a month 1-12 and a
 * year at least 15 after the birth year, and a sex digit 1 or 2 (digit 15). PPPK numbers are
 * accepted as their own format (18 digits).
 * Returns true if valid; otherwise writes the reason (lowercase, no value quoted) to why and the
 * 0-based offset of the offending part to *offset.
 */
bool tpp_nip_check(const char *s, size_t len, bool pns, char *why, size_t why_size, size_t *offset);

#endif /* TPP_IMPORTERS_NIP_H */
