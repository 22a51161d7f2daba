/* Money: every rounding mode at the .5 boundaries, negative values, overflow, allocation. */
#include "tests/check.h"
#include "tpp/money.h"

static tpp_money ratio(tpp_money a, int64_t num, int64_t den, tpp_rounding mode)
{
    tpp_money out = 0;
    CHECK(tpp_money_mul_ratio(a, num, den, mode, &out));
    return out;
}

static void test_rounding_at_half(void)
{
    /* 2.5, 3.5, -2.5, -3.5 under every mode */
    struct {
        tpp_money a;
        tpp_rounding mode;
        tpp_money want;
    } cases[] = {
        {250, TPP_ROUND_HALF_UP, 3},     {350, TPP_ROUND_HALF_UP, 4},
        {-250, TPP_ROUND_HALF_UP, -3},   {-350, TPP_ROUND_HALF_UP, -4},
        {250, TPP_ROUND_HALF_EVEN, 2},   {350, TPP_ROUND_HALF_EVEN, 4},
        {-250, TPP_ROUND_HALF_EVEN, -2}, {-350, TPP_ROUND_HALF_EVEN, -4},
        {250, TPP_ROUND_DOWN, 2},        {-250, TPP_ROUND_DOWN, -2},
        {250, TPP_ROUND_UP, 3},          {-250, TPP_ROUND_UP, -3},
        {250, TPP_ROUND_FLOOR, 2},       {-250, TPP_ROUND_FLOOR, -3},
        {250, TPP_ROUND_CEILING, 3},     {-250, TPP_ROUND_CEILING, -2},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        CHECK_I64(ratio(cases[i].a, 1, 100, cases[i].mode), cases[i].want);
    /* just below and above the half */
    CHECK_I64(ratio(249, 1, 100, TPP_ROUND_HALF_UP), 2);
    CHECK_I64(ratio(251, 1, 100, TPP_ROUND_HALF_EVEN), 3);
    CHECK_I64(ratio(-251, 1, 100, TPP_ROUND_HALF_EVEN), -3);
    /* exact results are never moved */
    CHECK_I64(ratio(300, 1, 100, TPP_ROUND_UP), 3);
    CHECK_I64(ratio(-300, 1, 100, TPP_ROUND_FLOOR), -3);
    /* negative denominator */
    CHECK_I64(ratio(250, 1, -100, TPP_ROUND_HALF_UP), -3);
}

static void test_domain_vectors(void)
{
    /* Seruyan 2022 kelas 14: 22,295,000 x 0.4653 = 10,373,863.5 -> 10,373,864 half up */
    CHECK_I64(ratio(22295000, 4653, 10000, TPP_ROUND_HALF_UP), 10373864);
    /* Lubuklinggau kelas 3: 2,354,000 x 0.59112978 = 1,391,519.5; the SK prints 1,391,519 */
    CHECK_I64(ratio(2354000, 59112978, 100000000, TPP_ROUND_HALF_UP), 1391520);
    CHECK_I64(ratio(2354000, 59112978, 100000000, TPP_ROUND_HALF_EVEN), 1391520);
    CHECK_I64(ratio(2354000, 59112978, 100000000, TPP_ROUND_DOWN), 1391519);
    /* Lubuklinggau kelas 15: 29,286,000 x 0.59112978 = 17,311,826.74 -> 17,311,827 */
    CHECK_I64(ratio(29286000, 59112978, 100000000, TPP_ROUND_HALF_UP), 17311827);
    /* PPh 21 TER example: 10,454,000 x 1.5 % = 156,810 */
    CHECK_I64(ratio(10454000, 15, 1000, TPP_ROUND_HALF_UP), 156810);
}

static void test_overflow(void)
{
    tpp_money out;
    CHECK(!tpp_money_add(INT64_MAX, 1, &out));
    CHECK(!tpp_money_sub(INT64_MIN, 1, &out));
    CHECK(!tpp_money_mul_int(INT64_MAX / 2 + 1, 2, &out));
    CHECK(tpp_money_add(INT64_MAX - 1, 1, &out) && out == INT64_MAX);
    CHECK(!tpp_money_mul_ratio(INT64_MAX, 3, 2, TPP_ROUND_DOWN, &out));
    CHECK(!tpp_money_mul_ratio(1, 1, 0, TPP_ROUND_DOWN, &out));
    /* the intermediate product may exceed int64 when the result does not */
    CHECK(tpp_money_mul_ratio(INT64_MAX, 100, 100, TPP_ROUND_DOWN, &out) && out == INT64_MAX);
}

static void test_allocate(void)
{
    tpp_money parts[3];
    int64_t w4060[] = {40, 60};
    CHECK(tpp_money_allocate(716562, w4060, 2, parts));
    CHECK_I64(parts[0] + parts[1], 716562);
    CHECK_I64(parts[0], 286625); /* 286,624.8 takes the remaining rupiah (remainder .8 > .2) */
    CHECK_I64(parts[1], 429937);
    int64_t thirds[] = {1, 1, 1};
    CHECK(tpp_money_allocate(100, thirds, 3, parts));
    CHECK_I64(parts[0], 34);
    CHECK_I64(parts[1], 33);
    CHECK_I64(parts[2], 33);
    CHECK(tpp_money_allocate(-100, thirds, 3, parts));
    CHECK_I64(parts[0] + parts[1] + parts[2], -100);
    int64_t zero[] = {0, 0};
    CHECK(!tpp_money_allocate(100, zero, 2, parts));
}

static void test_parse_format(void)
{
    tpp_ratio r;
    CHECK(tpp_ratio_parse("2.5", 3, &r) && r.num == 25 && r.den == 10);
    CHECK(tpp_ratio_parse("0.59112978", 10, &r) && r.num == 59112978 && r.den == 100000000);
    CHECK(tpp_ratio_parse("-7", 2, &r) && r.num == -7 && r.den == 1);
    CHECK(!tpp_ratio_parse("1e3", 3, &r));
    CHECK(!tpp_ratio_parse("", 0, &r));
    CHECK(!tpp_ratio_parse("1.", 2, &r));
    CHECK(!tpp_ratio_parse("99999999999999999999", 20, &r));
    tpp_money m;
    CHECK(tpp_money_parse("12000000", 8, &m) && m == 12000000);
    CHECK(!tpp_money_parse("12.5", 4, &m));
    char buf[64];
    tpp_money_format_id(1234567, buf, sizeof buf);
    CHECK_STR(buf, "Rp 1.234.567");
    tpp_money_format_id(-1000, buf, sizeof buf);
    CHECK_STR(buf, "-Rp 1.000");
    tpp_money_format_id(0, buf, sizeof buf);
    CHECK_STR(buf, "Rp 0");
    tpp_ratio_format((tpp_ratio){250, 100}, buf, sizeof buf);
    CHECK_STR(buf, "2.5");
    tpp_ratio_format((tpp_ratio){-125, 1000}, buf, sizeof buf);
    CHECK_STR(buf, "-0.125");
    tpp_ratio sum;
    CHECK(tpp_ratio_add((tpp_ratio){25, 10}, (tpp_ratio){3, 1}, &sum));
    CHECK(tpp_ratio_cmp(sum, (tpp_ratio){55, 10}) == 0);
}

int main(void)
{
    test_rounding_at_half();
    test_domain_vectors();
    test_overflow();
    test_allocate();
    test_parse_format();
    return CHECK_DONE();
}
