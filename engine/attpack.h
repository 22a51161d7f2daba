/* The packed attendance record of attendance_month.scans (engine/schema.sql): 12 bytes, BCD so
 * that SQL's hex() reads it (the `attendance` view) and bytewise order is time order:
 *
 *   [0] day of month  [1] hour  [2] minute  [3] second           2 BCD digits each
 *   [4] direction (high nibble), then att_device.id in 7 BCD digits ([4] low nibble .. [7])
 *   [8..11] input_file.id in 8 BCD digits
 *
 * Private header of the attendance importer and the batch loader. */
#ifndef TPP_ENGINE_ATTPACK_H
#define TPP_ENGINE_ATTPACK_H

#include <stdint.h>

enum {
    TPP_ATT_REC = 12,              /* bytes per scan */
    TPP_ATT_PART = 64,             /* scans per attendance_month row at most */
    TPP_ATT_MAX_ID = 9999999,      /* largest att_device.id a record holds */
    TPP_ATT_MAX_FILE = 99999999,   /* largest input_file.id a record holds */
};

static inline uint8_t tpp_att_bcd(unsigned v) /* v < 100 */
{
    return (uint8_t)((v / 10) << 4 | v % 10);
}

static inline unsigned tpp_att_unbcd(uint8_t b)
{
    return (unsigned)(b >> 4) * 10 + (b & 15);
}

/* dom 1..31, sec 0..86399, dir 0..2, device <= TPP_ATT_MAX_ID, file <= TPP_ATT_MAX_FILE */
static inline void tpp_att_pack(uint8_t r[TPP_ATT_REC], unsigned dom, unsigned sec, unsigned dir,
                                uint32_t device, uint32_t file)
{
    r[0] = tpp_att_bcd(dom);
    r[1] = tpp_att_bcd(sec / 3600);
    r[2] = tpp_att_bcd(sec / 60 % 60);
    r[3] = tpp_att_bcd(sec % 60);
    r[4] = (uint8_t)(dir << 4 | device / 1000000);
    r[5] = tpp_att_bcd(device / 10000 % 100);
    r[6] = tpp_att_bcd(device / 100 % 100);
    r[7] = tpp_att_bcd(device % 100);
    r[8] = tpp_att_bcd(file / 1000000);
    r[9] = tpp_att_bcd(file / 10000 % 100);
    r[10] = tpp_att_bcd(file / 100 % 100);
    r[11] = tpp_att_bcd(file % 100);
}

/* The record's unique key, ordered as the records are: time, then direction. */
static inline uint64_t tpp_att_key(const uint8_t r[TPP_ATT_REC])
{
    return (uint64_t)r[0] << 28 | (uint64_t)r[1] << 20 | (uint64_t)r[2] << 12 |
           (uint64_t)r[3] << 4 | (uint64_t)(r[4] >> 4);
}

static inline unsigned tpp_att_dom(const uint8_t r[TPP_ATT_REC])
{
    return tpp_att_unbcd(r[0]);
}

static inline unsigned tpp_att_sec(const uint8_t r[TPP_ATT_REC])
{
    return tpp_att_unbcd(r[1]) * 3600 + tpp_att_unbcd(r[2]) * 60 + tpp_att_unbcd(r[3]);
}

static inline unsigned tpp_att_dir(const uint8_t r[TPP_ATT_REC])
{
    return r[4] >> 4;
}

#endif /* TPP_ENGINE_ATTPACK_H */
