/* Masking of NIK, NPWP and bank accounts in messages (engine/mask.c). */
#include <string.h>

#include "engine/mask.h"
#include "tests/check.h"

static const char *masked_text(const char *in)
{
    static char buf[256];
    snprintf(buf, sizeof buf, "%s", in);
    tpp_mask_text(buf);
    return buf;
}

int main(void)
{
    char out[64];
    CHECK_STR(tpp_mask("3171000000001234", 16, out, sizeof out), "************1234");
    CHECK_STR(tpp_mask("31.71.000-000.0000", 18, out, sizeof out), "**.**.***-***.0000");
    CHECK_STR(tpp_mask("1234", 4, out, sizeof out), "****");
    CHECK_STR(tpp_mask("", 0, out, sizeof out), "");
    CHECK_STR(tpp_mask("4398465686", 10, out, 5), "****");              /* truncated to fit */
    CHECK_STR(tpp_mask("Bé1234567", 10, out, sizeof out), "******4567"); /* é: two bytes */

    CHECK(tpp_mask_is_personal_field("npwp"));
    CHECK(tpp_mask_is_personal_field("NIK"));
    CHECK(tpp_mask_is_personal_field("bank_account"));
    CHECK(!tpp_mask_is_personal_field("nip"));
    CHECK(!tpp_mask_is_personal_field(NULL));

    /* NIK / NPWP shapes in free text: 15 or 16 digits, maybe split by '.' or '-'. */
    CHECK_STR(
        masked_text("x.csv:3:5: error: invalid date '6472090804732355' in column 'start_date'"),
        "x.csv:3:5: error: invalid date '************2355' in column 'start_date'");
    CHECK_STR(masked_text("npwp 09.254.294.3-407.000 ok"), "npwp **.***.***.*-**7.000 ok");
    CHECK_STR(masked_text("447000111222333"), "***********2333");
    /* Not personal: an 18-digit NIP, dates, times, money, line numbers, hex hashes. */
    const char *keep[] = {"NIP 198001012005011001",
                          "2025-01-02 07:15:00",
                          "Rp 4.355.208",
                          "line 1234567890",
                          "sha256 33a59dcf88887874d3287345167ecaca2",
                          "12345678901234567",
                          "a1234567890123456",
                          "1234567890123456b"};
    for (size_t i = 0; i < sizeof keep / sizeof keep[0]; i++)
        CHECK_STR(masked_text(keep[i]), keep[i]);

    CHECK_STR(tpp_mask_personal("3171000000001234", 16, out, sizeof out), "************1234");
    tpp_mask_show_personal(true);
    CHECK(tpp_mask_personal_shown());
    CHECK_STR(tpp_mask_personal("3171000000001234", 16, out, sizeof out), "3171000000001234");
    CHECK_STR(masked_text("nik 3171000000001234"), "nik 3171000000001234");
    tpp_mask_show_personal(false);
    CHECK_STR(masked_text("nik 3171000000001234"), "nik ************1234");
    return CHECK_DONE();
}
