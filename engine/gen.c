/* Synthetic region inputs: employees, attendance, absences, events, performance and holidays of
 * one month, in the canonical CSV columns of SPEC §3.
 *
 * Everything is a pure function of the options: a counter-based PRNG (splitmix64) is keyed by
 * (seed, stream, employee, day), so one file's draws never shift another's, and all distributions
 * are integer draws in per-mille. No rand(), no clock, no floating point: the same options give
 * byte-identical files on every platform. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/util.h"
#include "tpp/date.h"
#include "tpp/gen.h"

/* ---- PRNG ------------------------------------------------------------------------------------ */

typedef struct rng {
    uint64_t s;
} rng;

static uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint64_t rng_next(rng *r)
{
    r->s += 0x9e3779b97f4a7c15ULL;
    return mix64(r->s);
}

/* Independent streams: what one employee-day draws does not depend on any other. */
enum {
    S_EMPLOYEE = 1,
    S_UNITS,
    S_SPECIAL,
    S_PINS,
    S_ATTEND,
    S_ABSENCE,
    S_EVENT,
    S_PERF,
    S_REFS,
};

static rng rng_for(uint64_t seed, uint64_t stream, uint64_t a, uint64_t b)
{
    rng r = {mix64(mix64(mix64(seed ^ (stream * 0xd1b54a32d192ed03ULL)) + a) ^ (b + 0x632be5ab))};
    return r;
}

/* Uniform in [0, n) without modulo bias; n > 0. */
static int rng_int(rng *r, int n)
{
    uint64_t un = (uint64_t)n;
    uint64_t limit = UINT64_MAX - UINT64_MAX % un;
    uint64_t x;
    do
        x = rng_next(r);
    while (x >= limit);
    return (int)(x % un);
}

static int rng_range(rng *r, int lo, int hi)
{
    return lo + rng_int(r, hi - lo + 1);
}

static int permille(rng *r)
{
    return rng_int(r, 1000);
}

/* Index drawn from integer weights (any positive total). */
static int pick_weighted(rng *r, const int *w, int n)
{
    int total = 0;
    for (int i = 0; i < n; i++)
        total += w[i];
    int x = rng_int(r, total);
    for (int i = 0; i < n; i++) {
        if (x < w[i])
            return i;
        x -= w[i];
    }
    return n - 1;
}

#define COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* ---- Reference data -------------------------------------------------------------------------- */

enum unit_kind { UK_GENERAL, UK_SETDA, UK_EDU, UK_HEALTH, UK_DISTRICT, UK_AUDIT, UK_POLICE };

/* OPDs of a kota in Kalimantan Timur, largest first so that small regions still get the big
 * services. weight is the relative head count (schools and puskesmas dominate real rosters). */
static const struct gen_unit {
    const char *code;
    const char *name;
    const char *head;
    int head_class;
    int weight;
    int kind;
} UNITS[] = {
    {"1.01.01", "Dinas Pendidikan", "Kepala Dinas", 13, 30, UK_EDU},
    {"1.02.01", "Dinas Kesehatan", "Kepala Dinas", 13, 16, UK_HEALTH},
    {"4.01.01", "Sekretariat Daerah", "Sekretaris Daerah", 14, 8, UK_SETDA},
    {"1.03.01", "Dinas Pekerjaan Umum dan Penataan Ruang", "Kepala Dinas", 13, 6, UK_GENERAL},
    {"1.06.01", "Dinas Sosial", "Kepala Dinas", 12, 3, UK_GENERAL},
    {"5.02.01", "Badan Keuangan dan Aset Daerah", "Kepala Badan", 13, 5, UK_GENERAL},
    {"6.01.01", "Inspektorat Daerah", "Inspektur", 13, 3, UK_AUDIT},
    {"1.05.01", "Satuan Polisi Pamong Praja", "Kepala Satuan", 12, 5, UK_POLICE},
    {"5.01.01", "Badan Perencanaan Pembangunan Daerah", "Kepala Badan", 13, 3, UK_GENERAL},
    {"5.03.01", "Badan Kepegawaian dan Pengembangan Sumber Daya Manusia", "Kepala Badan", 13, 3,
     UK_GENERAL},
    {"7.01.01", "Kecamatan Samarinda Ulu", "Camat", 12, 3, UK_DISTRICT},
    {"2.12.01", "Dinas Kependudukan dan Pencatatan Sipil", "Kepala Dinas", 12, 3, UK_GENERAL},
    {"2.15.01", "Dinas Perhubungan", "Kepala Dinas", 12, 4, UK_GENERAL},
    {"2.11.01", "Dinas Lingkungan Hidup", "Kepala Dinas", 12, 4, UK_GENERAL},
    {"7.01.02", "Kecamatan Samarinda Ilir", "Camat", 12, 3, UK_DISTRICT},
    {"2.16.01", "Dinas Komunikasi dan Informatika", "Kepala Dinas", 12, 2, UK_GENERAL},
    {"5.02.02", "Badan Pendapatan Daerah", "Kepala Badan", 13, 3, UK_GENERAL},
    {"4.02.01", "Sekretariat DPRD", "Sekretaris DPRD", 13, 3, UK_GENERAL},
    {"1.04.01", "Dinas Perumahan dan Kawasan Permukiman", "Kepala Dinas", 12, 3, UK_GENERAL},
    {"7.01.03", "Kecamatan Samarinda Kota", "Camat", 12, 2, UK_DISTRICT},
    {"2.08.01", "Dinas Pemberdayaan Perempuan dan Perlindungan Anak", "Kepala Dinas", 12, 2,
     UK_GENERAL},
    {"1.05.02", "Badan Penanggulangan Bencana Daerah", "Kepala Pelaksana", 12, 2, UK_GENERAL},
    {"2.07.01", "Dinas Tenaga Kerja", "Kepala Dinas", 12, 2, UK_GENERAL},
    {"7.01.04", "Kecamatan Sungai Kunjang", "Camat", 12, 3, UK_DISTRICT},
    {"2.18.01", "Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu", "Kepala Dinas", 12, 2,
     UK_GENERAL},
    {"2.09.01", "Dinas Ketahanan Pangan", "Kepala Dinas", 12, 2, UK_GENERAL},
    {"2.14.01", "Dinas Pengendalian Penduduk dan Keluarga Berencana", "Kepala Dinas", 12, 2,
     UK_GENERAL},
    {"7.01.05", "Kecamatan Sungai Pinang", "Camat", 12, 3, UK_DISTRICT},
    {"2.17.01", "Dinas Koperasi dan Usaha Kecil Menengah", "Kepala Dinas", 12, 2, UK_GENERAL},
    {"2.19.01", "Dinas Kepemudaan dan Olahraga", "Kepala Dinas", 12, 2, UK_GENERAL},
    {"2.23.01", "Dinas Perpustakaan dan Kearsipan", "Kepala Dinas", 12, 2, UK_GENERAL},
    {"7.01.06", "Kecamatan Samarinda Utara", "Camat", 12, 3, UK_DISTRICT},
    {"3.26.01", "Dinas Pariwisata", "Kepala Dinas", 12, 2, UK_GENERAL},
    {"3.30.01", "Dinas Perdagangan", "Kepala Dinas", 12, 2, UK_GENERAL},
    {"3.27.01", "Dinas Pertanian", "Kepala Dinas", 12, 2, UK_GENERAL},
    {"7.01.07", "Kecamatan Palaran", "Camat", 12, 2, UK_DISTRICT},
    {"8.01.01", "Badan Kesatuan Bangsa dan Politik", "Kepala Badan", 12, 2, UK_GENERAL},
    {"5.05.01", "Badan Riset dan Inovasi Daerah", "Kepala Badan", 12, 2, UK_GENERAL},
    {"7.01.08", "Kecamatan Loa Janan Ilir", "Camat", 12, 2, UK_DISTRICT},
    {"3.31.01", "Dinas Perindustrian", "Kepala Dinas", 12, 2, UK_GENERAL},
};
#define MAX_UNITS 40

/* Positions by kelas jabatan (index 1..12) for staff of an ordinary OPD. Classes 9+ hold the
 * structural posts, which CPNS and PPPK never get (their classes stop at 8). */
static const char *const POS_GENERAL[13][3] = {
    {NULL, NULL, NULL},
    {"Pramu Bakti", "Petugas Kebersihan", "Pramu Bakti"},
    {"Pengemudi", "Petugas Keamanan", "Pramu Bakti"},
    {"Pengadministrasi Umum", "Pengemudi", "Pengadministrasi Umum"},
    {"Pengadministrasi Umum", "Pengadministrasi Perkantoran", "Pengadministrasi Umum"},
    {"Pengadministrasi Perkantoran", "Operator Layanan Operasional", "Pengolah Data dan Informasi"},
    {"Pengolah Data dan Informasi", "Arsiparis Terampil", "Pranata Komputer Terampil"},
    {"Penata Layanan Operasional", "Pranata Komputer Mahir", "Pengelola Keuangan"},
    {"Analis Kebijakan Ahli Pertama", "Perencana Ahli Pertama", "Pranata Komputer Ahli Pertama"},
    {"Kepala Subbagian Umum dan Kepegawaian", "Analis Kebijakan Ahli Muda",
     "Kepala Subbagian Keuangan"},
    {"Analis Kebijakan Ahli Muda", "Perencana Ahli Muda",
     "Analis Sumber Daya Manusia Aparatur Ahli Muda"},
    {"Kepala Bidang", "Analis Kebijakan Ahli Madya", "Kepala Bidang"},
    {"Sekretaris", "Analis Kebijakan Ahli Madya", "Sekretaris"},
};

/* Specialised staff by class; NULL falls back to POS_GENERAL. */
static const char *const POS_EDU[13] = {
    [6] = "Tenaga Administrasi Sekolah",
    [7] = "Guru Ahli Pertama",
    [8] = "Guru Ahli Pertama",
    [9] = "Guru Ahli Muda",
    [10] = "Guru Ahli Muda",
    [11] = "Guru Ahli Madya",
    [12] = "Pengawas Sekolah Ahli Madya",
};
static const char *const POS_HEALTH[13] = {
    [5] = "Bidan Terampil",       [6] = "Perawat Terampil",    [7] = "Perawat Mahir",
    [8] = "Perawat Ahli Pertama", [9] = "Dokter Ahli Pertama", [10] = "Dokter Ahli Muda",
    [11] = "Kepala Puskesmas",    [12] = "Dokter Ahli Madya",
};
static const char *const POS_AUDIT[13] = {
    [7] = "Auditor Terampil",   [8] = "Auditor Ahli Pertama", [9] = "Auditor Ahli Muda",
    [10] = "Auditor Ahli Muda", [11] = "Auditor Ahli Madya",  [12] = "Inspektur Pembantu",
};
static const char *const POS_POLICE[13] = {
    [5] = "Polisi Pamong Praja Terampil",
    [6] = "Polisi Pamong Praja Terampil",
    [7] = "Polisi Pamong Praja Mahir",
    [8] = "Polisi Pamong Praja Ahli Pertama",
};
static const char *const POS_DISTRICT[13] = {
    [9] = "Lurah",
    [11] = "Sekretaris Camat",
};
static const char *const POS_SETDA[13] = {
    [11] = "Kepala Bagian",
    [12] = "Asisten",
};

/* Golongan for a PNS of each class: the lower one early in a career, the higher one later. */
static const char *const GRADE_PNS[16][2] = {
    {"", ""},           {"II/a", "II/b"},   {"II/a", "II/b"},   {"II/b", "II/c"},
    {"II/c", "II/d"},   {"II/c", "III/a"},  {"II/d", "III/a"},  {"III/a", "III/b"},
    {"III/a", "III/b"}, {"III/b", "III/c"}, {"III/c", "III/d"}, {"III/d", "IV/a"},
    {"IV/a", "IV/b"},   {"IV/b", "IV/c"},   {"IV/c", "IV/d"},   {"IV/d", "IV/e"},
};

/* Non-head class mix in per mille: most 5-9, few at 12. */
static const int CLASS_WEIGHTS[13] = {0, 10, 15, 30, 50, 120, 140, 170, 170, 140, 80, 50, 25};

static const char *const MALE_GIVEN[] = {
    "Ahmad",  "Muhammad", "Budi",    "Agus",   "Andi",   "Rudi",       "Hendra", "Dedi",
    "Eko",    "Joko",     "Bambang", "Slamet", "Rizky",  "Fajar",      "Arif",   "Yusuf",
    "Hasan",  "Irfan",    "Syahrul", "Rahmat", "Dimas",  "Fikri",      "Hadi",   "Imam",
    "Wahyu",  "Teguh",    "Yohanes", "Markus", "Daniel", "Abdul",      "Ma'ruf", "Syamsul",
    "Aditya", "Bayu",     "Gilang",  "Heri",   "Iwan",   "Fransiskus", "Ilham",  "Reza",
};
static const char *const FEMALE_GIVEN[] = {
    "Siti",  "Dewi",     "Sri",       "Nur",    "Rina",  "Wulan",  "Ratna", "Yuliana",
    "Fitri", "Indah",    "Ayu",       "Putri",  "Nurul", "Endang", "Yanti", "Dian",
    "Maria", "Theresia", "Novita",    "Anisa",  "Eka",   "Rini",   "Mega",  "Intan",
    "Maya",  "Linda",    "Fransiska", "Helena", "Ratih", "Vivi",
};
/* First parts of three-part names: religious, birth-order and Kutai/Bugis forms. */
static const char *const MALE_FIRST[] = {"Muhammad", "Ahmad", "Andi", "Dwi", "Tri", "Aji", "Awang"};
static const char *const FEMALE_FIRST[] = {"Siti", "Nur", "Dwi", "Tri", "Sri", "Dayang", "Andi"};
static const char *const MALE_LAST[] = {
    "Santoso",   "Pratama",    "Saputra",   "Hidayat",  "Setiawan", "Nugroho",  "Wibowo",
    "Kurniawan", "Firmansyah", "Hakim",     "Ramadhan", "Gunawan",  "Susanto",  "Rahman",
    "Hamzah",    "Effendi",    "Syahputra", "Wijaya",   "Prasetyo", "Hermawan",
};
static const char *const FEMALE_LAST[] = {
    "Lestari",   "Rahayu",    "Wulandari",   "Handayani", "Susanti",  "Puspitasari",
    "Kartika",   "Anggraini", "Permatasari", "Safitri",   "Maharani", "Novitasari",
    "Rahmawati", "Yuliani",   "Kusumawati",  "Utami",
};
/* Batak and Minahasa family names, carried by both sexes. */
static const char *const FAMILY[] = {
    "Siregar",    "Sinaga",   "Simanjuntak",   "Tarigan", "Sembiring", "Manurung",
    "Nainggolan", "Pasaribu", "Lumban Tobing", "Sitorus", "Wenas",     "Lumentut",
};
static const char *const MONONYM[2][4] = {
    {"Sugiyono", "Suparman", "Mulyadi", "Sutrisno"},
    {"Sumarni", "Suwarni", "Parmi", "Sulastri"},
};
static const char *const TITLE_PREFIX[2][4] = {{"Dr.", "Ir.", "Drs.", "H."},
                                               {"Dr.", "Ir.", "Dra.", "Hj."}};
static const char *const TITLE_SUFFIX[] = {"S.Kom.", "S.E.", "S.Pd.", "S.H.",
                                           "S.Sos.", "S.T.", "A.Md.", "S.AP."};

static const char *const PTKP[] = {"TK/0", "K/0", "K/1", "K/2", "K/3"};
static const int PTKP_MALE[] = {200, 150, 220, 250, 180};
static const int PTKP_FEMALE[] = {750, 50, 70, 80, 50};

static const char *const BANKS[] = {"Bank Kaltimtara", "BRI", "Bank Mandiri", "BNI"};
static const int BANK_WEIGHTS[] = {850, 70, 50, 30};
static const int BANK_DIGITS[] = {10, 15, 13, 10};

/* National holidays and cuti bersama (SKB 3 Menteri 2025 as amended for 18 August, and 2026). */
static const struct gen_holiday {
    const char *date;
    const char *name;
    const char *kind;
} HOLIDAYS[] = {
    {"2025-01-01", "Tahun Baru 2025 Masehi", "national"},
    {"2025-01-27", "Isra Mikraj Nabi Muhammad SAW", "national"},
    {"2025-01-28", "Cuti Bersama Tahun Baru Imlek", "cuti_bersama"},
    {"2025-01-29", "Tahun Baru Imlek 2576 Kongzili", "national"},
    {"2025-03-28", "Cuti Bersama Hari Suci Nyepi", "cuti_bersama"},
    {"2025-03-29", "Hari Suci Nyepi Tahun Baru Saka 1947", "national"},
    {"2025-03-31", "Idul Fitri 1446 Hijriah", "national"},
    {"2025-04-01", "Idul Fitri 1446 Hijriah", "national"},
    {"2025-04-02", "Cuti Bersama Idul Fitri", "cuti_bersama"},
    {"2025-04-03", "Cuti Bersama Idul Fitri", "cuti_bersama"},
    {"2025-04-04", "Cuti Bersama Idul Fitri", "cuti_bersama"},
    {"2025-04-07", "Cuti Bersama Idul Fitri", "cuti_bersama"},
    {"2025-04-18", "Wafat Yesus Kristus", "national"},
    {"2025-04-20", "Kebangkitan Yesus Kristus (Paskah)", "national"},
    {"2025-05-01", "Hari Buruh Internasional", "national"},
    {"2025-05-12", "Hari Raya Waisak 2569 BE", "national"},
    {"2025-05-13", "Cuti Bersama Hari Raya Waisak", "cuti_bersama"},
    {"2025-05-29", "Kenaikan Yesus Kristus", "national"},
    {"2025-05-30", "Cuti Bersama Kenaikan Yesus Kristus", "cuti_bersama"},
    {"2025-06-01", "Hari Lahir Pancasila", "national"},
    {"2025-06-06", "Idul Adha 1446 Hijriah", "national"},
    {"2025-06-09", "Cuti Bersama Idul Adha", "cuti_bersama"},
    {"2025-06-27", "Tahun Baru Islam 1447 Hijriah", "national"},
    {"2025-08-17", "Proklamasi Kemerdekaan", "national"},
    {"2025-08-18", "Cuti Bersama HUT ke-80 Kemerdekaan RI", "cuti_bersama"},
    {"2025-09-05", "Maulid Nabi Muhammad SAW", "national"},
    {"2025-12-25", "Kelahiran Yesus Kristus", "national"},
    {"2025-12-26", "Cuti Bersama Kelahiran Yesus Kristus", "cuti_bersama"},
    {"2026-01-01", "Tahun Baru 2026 Masehi", "national"},
    {"2026-01-16", "Isra Mikraj Nabi Muhammad SAW", "national"},
    {"2026-02-16", "Cuti Bersama Tahun Baru Imlek", "cuti_bersama"},
    {"2026-02-17", "Tahun Baru Imlek 2577 Kongzili", "national"},
    {"2026-03-18", "Cuti Bersama Hari Suci Nyepi", "cuti_bersama"},
    {"2026-03-19", "Hari Suci Nyepi Tahun Baru Saka 1948", "national"},
    {"2026-03-20", "Cuti Bersama Idul Fitri", "cuti_bersama"},
    {"2026-03-21", "Idul Fitri 1447 Hijriah", "national"},
    {"2026-03-22", "Idul Fitri 1447 Hijriah", "national"},
    {"2026-03-23", "Cuti Bersama Idul Fitri", "cuti_bersama"},
    {"2026-03-24", "Cuti Bersama Idul Fitri", "cuti_bersama"},
    {"2026-04-03", "Wafat Yesus Kristus", "national"},
    {"2026-04-05", "Kebangkitan Yesus Kristus (Paskah)", "national"},
    {"2026-05-01", "Hari Buruh Internasional", "national"},
    {"2026-05-14", "Kenaikan Yesus Kristus", "national"},
    {"2026-05-15", "Cuti Bersama Kenaikan Yesus Kristus", "cuti_bersama"},
    {"2026-05-27", "Idul Adha 1447 Hijriah", "national"},
    {"2026-05-28", "Cuti Bersama Idul Adha", "cuti_bersama"},
    {"2026-05-31", "Hari Raya Waisak 2570 BE", "national"},
    {"2026-06-01", "Hari Lahir Pancasila", "national"},
    {"2026-06-16", "Tahun Baru Islam 1448 Hijriah", "national"},
    {"2026-08-17", "Proklamasi Kemerdekaan", "national"},
    {"2026-08-25", "Maulid Nabi Muhammad SAW", "national"},
    {"2026-12-24", "Cuti Bersama Kelahiran Yesus Kristus", "cuti_bersama"},
    {"2026-12-25", "Kelahiran Yesus Kristus", "national"},
};
/* Outside the known calendars only the fixed-date holidays are certain. */
static const struct gen_holiday FIXED_HOLIDAYS[] = {
    {"01-01", "Tahun Baru Masehi", "national"},
    {"05-01", "Hari Buruh Internasional", "national"},
    {"06-01", "Hari Lahir Pancasila", "national"},
    {"08-17", "Proklamasi Kemerdekaan", "national"},
    {"12-25", "Kelahiran Yesus Kristus", "national"},
};

/* Absence types in per mille, with their length in days (workdays for the short leaves). */
enum {
    AB_CUTI_TAHUNAN,
    AB_SAKIT,
    AB_DINAS_LUAR,
    AB_CUTI_SAKIT,
    AB_CUTI_ALASAN_PENTING,
    AB_DISPENSASI,
    AB_CUTI_MELAHIRKAN,
    AB_CUTI_BESAR,
    AB_COUNT
};
static const struct absence_kind {
    const char *type;
    int weight;
    int min_days, max_days;
    int workdays;    /* length counts workdays (leave requests) or calendar days (trips, care) */
    int long_leave;  /* may run past the end of the month */
    const char *ref; /* reference prefix: SPT (travel order), SKD (doctor's note), ... */
    int ref_year;    /* the reference carries the year */
} ABSENCE_KINDS[AB_COUNT] = {
    [AB_CUTI_TAHUNAN] = {"cuti_tahunan", 340, 1, 3, 1, 0, "Cuti", 0},
    [AB_SAKIT] = {"sakit", 250, 1, 2, 1, 0, "SKD", 1},
    [AB_DINAS_LUAR] = {"dinas_luar", 300, 1, 4, 0, 0, "SPT", 1},
    [AB_CUTI_SAKIT] = {"cuti_sakit", 30, 3, 14, 0, 1, "Cuti", 0},
    [AB_CUTI_ALASAN_PENTING] = {"cuti_alasan_penting", 30, 1, 5, 1, 0, "Cuti", 0},
    [AB_DISPENSASI] = {"dispensasi", 30, 1, 1, 1, 0, "Disp", 1},
    [AB_CUTI_MELAHIRKAN] = {"cuti_melahirkan", 15, 90, 90, 0, 1, "Cuti", 0},
    [AB_CUTI_BESAR] = {"cuti_besar", 5, 30, 60, 0, 1, "Cuti", 0},
};

/* ---- Model ----------------------------------------------------------------------------------- */

enum { ST_PNS, ST_CPNS, ST_PPPK };
static const char *const STATUS[] = {"PNS", "CPNS", "PPPK"};

typedef struct gen_absence {
    tpp_date from, to;
    int32_t ref_no;
    int32_t kind;
} gen_absence;

/* What the later files need of an employee, kept for the whole region: about 70 bytes each, so
 * that a national roster of 4 million fits in a few hundred MB. The rest of the row (name,
 * position, tax and bank data, pay) is drawn again from the employee's own stream when
 * employees.csv is written: see gen_detail. */
typedef struct gen_emp {
    uint64_t nip; /* the 18 digits as a number: numeric order is the text's order */
    int32_t pin;
    tpp_date birth;
    tpp_date start, end;   /* TPP_DATE_NONE when open */
    int16_t late_permille; /* personal share of late arrivals */
    uint8_t status;
    uint8_t unit;
    uint8_t head;
    uint8_t cls;
    uint8_t sex; /* 1 male, 2 female, as in the NIP */
    uint8_t age;
    uint8_t service; /* years since TMT CPNS or appointment */
    uint8_t six_day;
    uint8_t perf;         /* 0 = no performance row */
    uint8_t special_pay;  /* the most senior head: pay at the BPJS cap */
    uint8_t special_name; /* the name that needs CSV quoting */
    uint8_t nabs;
    gen_absence abs[2];
} gen_emp;

/* The rest of an employees.csv row, drawn only while that row is written. */
typedef struct gen_detail {
    char name[96];
    const char *position;
    const char *grade;
    const char *ptkp;
    const char *bank;
    char npwp[64];
    char account[16];
    int64_t bpjs_base, gross, pph21;
} gen_detail;

typedef struct gen_ctx {
    uint64_t seed;
    int year, month, ndays;
    tpp_date first, last;
    int nunits;
    int unit_count[MAX_UNITS];
    unsigned char unit_dir[MAX_UNITS];     /* the unit's device reports in/out */
    const struct gen_holiday *holiday[32]; /* by day of month */
    gen_emp *emp;
    int n;
    uint64_t *nips; /* open-addressing set of issued numbers (0 = empty) */
    size_t nips_mask;
} gen_ctx;

/* Working hours of Samarinda (Perwali 31/2022), seconds of the day. */
#define DAY_START (7 * 3600 + 30 * 60)

static int32_t day_end(int six_day, int weekday)
{
    if (!six_day)
        return weekday == 4 ? 11 * 3600 : 16 * 3600;
    if (weekday == 4)
        return 11 * 3600 + 30 * 60;
    return weekday == 5 ? 13 * 3600 : 14 * 3600 + 30 * 60;
}

static int is_holiday(const gen_ctx *g, tpp_date d)
{
    return d >= g->first && d <= g->last && g->holiday[d - g->first + 1] != NULL;
}

static int employed(const gen_emp *e, tpp_date d)
{
    return (e->start == TPP_DATE_NONE || d >= e->start) && (e->end == TPP_DATE_NONE || d <= e->end);
}

static int is_workday(const gen_ctx *g, const gen_emp *e, tpp_date d)
{
    return tpp_date_weekday(d) < (e->six_day ? 6 : 5) && !is_holiday(g, d) && employed(e, d);
}

static int on_leave(const gen_emp *e, tpp_date d)
{
    for (int k = 0; k < e->nabs; k++)
        if (d >= e->abs[k].from && d <= e->abs[k].to)
            return 1;
    return 0;
}

/* ---- CSV writer ------------------------------------------------------------------------------ */

/* Rows are streamed field by field to "<file>.tmp-PID" and renamed into place by csv_finish():
 * a national attendance file is gigabytes, and it never exists in memory. */
typedef struct csv_out {
    FILE *f;
    char tmp[1100];
    char path[1024];
    int col;
} csv_out;

static void csv_raw(csv_out *o, const char *s, size_t n)
{
    fwrite(s, 1, n, o->f);
}

static void csv_field(csv_out *o, const char *s)
{
    if (o->col++ > 0)
        putc(',', o->f);
    if (strpbrk(s, ",\"\r\n") == NULL) {
        fputs(s, o->f);
        return;
    }
    putc('"', o->f);
    for (const char *p = s; *p; p++) {
        if (*p == '"')
            putc('"', o->f);
        putc(*p, o->f);
    }
    putc('"', o->f);
}

static void csv_fieldf(csv_out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void csv_fieldf(csv_out *o, const char *fmt, ...)
{
    char tmp[128];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    csv_field(o, tmp);
}

static void csv_date(csv_out *o, tpp_date d)
{
    char tmp[11];
    if (d == TPP_DATE_NONE) {
        csv_field(o, "");
        return;
    }
    tpp_date_format(d, tmp);
    csv_field(o, tmp);
}

static void csv_end(csv_out *o)
{
    putc('\n', o->f);
    o->col = 0;
}

/* Open "<dir>/<name>.tmp-PID" and write the header row. */
static tpp_status csv_open(csv_out *o, const char *dir, const char *name, const char *const *cols,
                           tpp_error *err)
{
    memset(o, 0, sizeof *o);
    if ((size_t)snprintf(o->path, sizeof o->path, "%s/%s", dir, name) >= sizeof o->path)
        return tpp_fail(err, TPP_ERR_USAGE, TPP_NOLOC, "output directory name too long");
    snprintf(o->tmp, sizeof o->tmp, "%s.tmp-%ld", o->path, (long)getpid());
    o->f = fopen(o->tmp, "wb");
    if (o->f == NULL)
        return tpp_fail(err, TPP_ERR_IO, TPP_NOLOC, "cannot create '%s': %s", o->tmp,
                        strerror(errno));
    setvbuf(o->f, NULL, _IOFBF, 1 << 20);
    for (; *cols; cols++)
        csv_field(o, *cols);
    csv_end(o);
    return TPP_OK;
}

/* Close, sync and rename into place; on any earlier failure (rc) just remove the temporary. */
static tpp_status csv_finish(csv_out *o, tpp_status rc, tpp_error *err)
{
    if (o->f == NULL)
        return rc;
    int bad = ferror(o->f) != 0;
    bad |= fclose(o->f) != 0;
    o->f = NULL;
    if (rc != TPP_OK) {
        unlink(o->tmp);
        return rc;
    }
    if (bad) {
        unlink(o->tmp);
        return tpp_fail(err, TPP_ERR_IO, TPP_NOLOC, "cannot write '%s'", o->tmp);
    }
    return tpp_file_commit(o->tmp, o->path, err);
}

/* The NIP's 18 digits. */
static void nip_text(uint64_t v, char out[19])
{
    for (int k = 17; k >= 0; k--, v /= 10)
        out[k] = (char)('0' + v % 10);
    out[18] = '\0';
}

static void csv_nip(csv_out *o, const gen_emp *e)
{
    char t[19];
    nip_text(e->nip, t);
    csv_field(o, t);
}

/* ---- Employees ------------------------------------------------------------------------------- */

static int nip_insert(gen_ctx *g, uint64_t v)
{
    size_t i = (size_t)mix64(v) & g->nips_mask;
    while (g->nips[i] != 0) {
        if (g->nips[i] == v)
            return 0;
        i = (i + 1) & g->nips_mask;
    }
    g->nips[i] = v;
    return 1;
}

/* A random real date in the given year. */
static tpp_date random_birth(rng *r, int year)
{
    int m = rng_range(r, 1, 12);
    return tpp_date_from_ymd(year, m, rng_range(r, 1, tpp_days_in_month(year, m)));
}

/* 18 digits: birth YYYYMMDD, then TMT YYYYMM for PNS/CPNS or appointment year + "21" for PPPK
 * (an impossible month, so the two kinds never collide), sex, sequence. The sequence is
 * small as in real registers and bumped on the rare clash. */
static void make_nip(gen_ctx *g, rng *r, gen_emp *e, tpp_date birth, int mid)
{
    if (g->nips == NULL) { /* drawing a row again: the number is already issued */
        int again = permille(r) < 900 ? rng_range(r, 1, 9) : rng_range(r, 10, 40);
        (void)again;
        return;
    }
    int y, m, d;
    tpp_date_to_ymd(birth, &y, &m, &d);
    uint64_t stem = (uint64_t)(y * 10000 + m * 100 + d) * 1000000u + (uint64_t)mid;
    stem = stem * 10u + (uint64_t)e->sex;
    int seq = permille(r) < 900 ? rng_range(r, 1, 9) : rng_range(r, 10, 40);
    uint64_t v = stem * 1000u + (uint64_t)seq;
    while (!nip_insert(g, v)) {
        seq = seq % 999 + 1;
        v = stem * 1000u + (uint64_t)seq;
    }
    e->nip = v;
}

/* Given name(s) and a family or father-derived name; comma_title gives the one name that must be
 * quoted in CSV ("Nama, S.Sos., M.Si.", the official way of writing degrees). */
static void make_name(rng *r, const gen_emp *e, gen_detail *dt, int comma_title)
{
    const char *const *given = e->sex == 1 ? MALE_GIVEN : FEMALE_GIVEN;
    int ngiven = e->sex == 1 ? COUNT(MALE_GIVEN) : COUNT(FEMALE_GIVEN);
    const char *const *last = e->sex == 1 ? MALE_LAST : FEMALE_LAST;
    int nlast = e->sex == 1 ? COUNT(MALE_LAST) : COUNT(FEMALE_LAST);
    const char *const *first = e->sex == 1 ? MALE_FIRST : FEMALE_FIRST;
    int nfirst = e->sex == 1 ? COUNT(MALE_FIRST) : COUNT(FEMALE_FIRST);
    char core[64];
    int shape = permille(r);
    int a = rng_int(r, ngiven);
    const char *z = permille(r) < 150 ? FAMILY[rng_int(r, COUNT(FAMILY))] : last[rng_int(r, nlast)];
    if (shape < 80) {
        snprintf(core, sizeof core, "%s", MONONYM[e->sex - 1][rng_int(r, 4)]);
    } else if (shape < 750) {
        snprintf(core, sizeof core, "%s %s", given[a], z);
    } else {
        const char *f = first[rng_int(r, nfirst)];
        if (strcmp(f, given[a]) == 0) /* never "Siti Siti" */
            a = (a + 1) % ngiven;
        snprintf(core, sizeof core, "%s %s %s", f, given[a], z);
    }
    if (comma_title) {
        snprintf(dt->name, sizeof dt->name, "%s, S.Sos., M.Si.", core);
        return;
    }
    /* A minority carry an academic or pilgrimage title, more often in the higher classes. */
    int t = permille(r);
    int titled = e->cls >= 8 ? 250 : 60;
    if (t < titled / 3)
        snprintf(dt->name, sizeof dt->name, "%s %s", TITLE_PREFIX[e->sex - 1][rng_int(r, 4)], core);
    else if (t < titled)
        snprintf(dt->name, sizeof dt->name, "%s %s", core,
                 TITLE_SUFFIX[rng_int(r, COUNT(TITLE_SUFFIX))]);
    else
        snprintf(dt->name, sizeof dt->name, "%s", core);
}

static const char *make_position(rng *r, const gen_emp *e)
{
    const struct gen_unit *u = &UNITS[e->unit];
    if (e->head)
        return u->head;
    const char *special = NULL;
    int share = 0; /* per mille of the unit's staff in its own functional trees */
    switch (u->kind) {
    case UK_EDU:
        special = POS_EDU[e->cls], share = 750;
        break;
    case UK_HEALTH:
        special = POS_HEALTH[e->cls], share = 650;
        break;
    case UK_AUDIT:
        special = POS_AUDIT[e->cls], share = 600;
        break;
    case UK_POLICE:
        special = POS_POLICE[e->cls], share = 700;
        break;
    case UK_DISTRICT:
        special = POS_DISTRICT[e->cls], share = 600;
        break;
    case UK_SETDA:
        special = POS_SETDA[e->cls], share = 700;
        break;
    default:
        break;
    }
    if (special != NULL && permille(r) < share)
        return special;
    return POS_GENERAL[e->cls][rng_int(r, 3)];
}

static const char *make_grade(const gen_emp *e)
{
    static const char *const pppk[9] = {"V", "V", "V", "V", "V", "V", "VII", "VII", "IX"};
    if (e->status == ST_PPPK)
        return pppk[e->cls <= 8 ? e->cls : 8];
    if (e->status == ST_CPNS)
        return e->cls <= 6 ? "II/a" : "III/a";
    return GRADE_PNS[e->cls][e->service >= 16];
}

static void make_digits(rng *r, char *out, int n, int first_nonzero)
{
    for (int i = 0; i < n; i++)
        out[i] = (char)('0' + (i == 0 && first_nonzero ? rng_range(r, 1, 9) : rng_int(r, 10)));
    out[n] = '\0';
}

static int64_t round_to(int64_t v, int64_t unit)
{
    return v / unit * unit;
}

/* Salary components: a rough PP 5/2024 gaji pokok by class and service, the family allowance
 * (spouse 10 %, children 2 % each), the general/position allowance and rice (72,420 a head). */
static void set_pay(gen_detail *e, int cls, int64_t base)
{
    e->bpjs_base = base;
    int married = e->ptkp[0] == 'K';
    int kids = married ? e->ptkp[2] - '0' : 0;
    int64_t family = married ? base * (10 + 2 * kids) / 100 : 0;
    int64_t allowance = 185000 + (int64_t)cls * 40000;
    int64_t rice = (int64_t)(1 + married + kids) * 72420;
    e->gross = base + family + allowance + rice;
    /* Monthly TER-like withholding: nothing below ~5.4 M, a fraction of a percent above. */
    int64_t bp = e->gross <= 5400000 ? 0 : 25 + (e->gross - 5400000) / 1000000 * 25;
    e->pph21 = e->gross * (bp > 300 ? 300 : bp) / 10000;
}

static void make_salary(rng *r, const gen_emp *e, gen_detail *dt)
{
    int64_t base = 2400000 + (int64_t)e->cls * 180000 + (int64_t)e->service * 35000 +
                   (int64_t)rng_int(r, 2001) * 100;
    if (e->status == ST_CPNS)
        base = base * 80 / 100; /* CPNS draw 80 % of gaji pokok */
    base = round_to(base, 100);
    int64_t cap = e->head ? 7000000 : 6500000;
    set_pay(dt, e->cls, base < 2500000 ? 2500000 : base > cap ? cap : base);
}

static int pick_special(gen_ctx *g, rng *r, const unsigned char *taken)
{
    for (int tries = 0; tries < 64; tries++) {
        int i = rng_int(r, g->n);
        if (!taken[i] && !g->emp[i].head)
            return i;
    }
    for (int i = 0; i < g->n; i++)
        if (!taken[i])
            return i;
    return rng_int(r, g->n);
}

static void build_units(gen_ctx *g)
{
    int k = g->n / 20;
    k = k < 3 ? 3 : k > MAX_UNITS ? MAX_UNITS : k;
    k = k > g->n ? g->n : k;
    g->nunits = k;
    /* Every unit has its head; the rest is shared by jittered weights (largest share first). */
    rng r = rng_for(g->seed, S_UNITS, 0, 0);
    int w[MAX_UNITS], total = 0;
    for (int u = 0; u < k; u++) {
        w[u] = UNITS[u].weight * rng_range(&r, 70, 130);
        total += w[u];
        /* Newer devices report in/out; the big services (first two) run old ones, so most
         * rows come without a direction, and Setda's new device guarantees a few with one. */
        g->unit_dir[u] = u == 2 || (u > 2 && permille(&r) < 250);
    }
    int rest = g->n - k, given = 0;
    for (int u = 0; u < k; u++) {
        g->unit_count[u] = 1 + (int)((int64_t)rest * w[u] / total);
        given += g->unit_count[u] - 1;
    }
    for (int u = 0; given < rest; u = (u + 1) % k, given++)
        g->unit_count[u]++;
}

/* Draws employee i from its own stream into *e and *dt. The region keeps only *e; the detail is
 * drawn again, draw for draw, when the row is written (g->nips is NULL then). */
static void build_employee(gen_ctx *g, int i, int unit, int head, gen_emp *e, gen_detail *dt)
{
    rng r = rng_for(g->seed, S_EMPLOYEE, (uint64_t)i, 0);
    memset(dt, 0, sizeof *dt);
    memset(e, 0, sizeof *e);
    e->unit = (uint8_t)unit;
    e->head = (uint8_t)head;
    e->start = e->end = TPP_DATE_NONE;
    e->perf = 1;
    e->sex = permille(&r) < 480 ? 1 : 2;
    int cls;
    int s = permille(&r);
    e->status = head ? ST_PNS : s < 850 ? ST_PNS : s < 950 ? ST_PPPK : ST_CPNS;
    switch (e->status) {
    case ST_PNS:
        cls = head ? UNITS[unit].head_class : 1 + pick_weighted(&r, CLASS_WEIGHTS + 1, 12);
        break;
    case ST_CPNS:
        cls = rng_range(&r, 5, 8);
        break;
    default:
        cls = 5 + pick_weighted(&r, (const int[]){200, 200, 150, 450}, 4);
        break;
    }
    e->cls = (uint8_t)cls;

    int bd_year; /* year of birth */
    if (e->status == ST_CPNS) {
        e->age = (uint8_t)rng_range(&r, 22, 34);
        bd_year = g->year - e->age;
        int back = rng_range(&r, 1, 12); /* TMT within the last year */
        int idx = g->year * 12 + g->month - 1 - back;
        e->service = 0;
        e->birth = random_birth(&r, bd_year);
        make_nip(g, &r, e, e->birth, (idx / 12) * 100 + idx % 12 + 1);
    } else if (e->status == ST_PPPK) {
        e->age = (uint8_t)rng_range(&r, 26, 55);
        bd_year = g->year - e->age;
        int appointed = g->year >= 2021 ? rng_range(&r, 2021, g->year) : g->year;
        e->service = (uint8_t)(g->year - appointed);
        e->birth = random_birth(&r, bd_year);
        make_nip(g, &r, e, e->birth, appointed * 100 + 21);
    } else {
        /* Heads are senior; staff age with their class. Retirement age is 58 (60 for heads). */
        int lo = head ? 46 : 24 + (e->cls > 6 ? (e->cls - 6) * 3 : 0);
        int hi = head ? 59 : 57;
        e->age = (uint8_t)rng_range(&r, lo, hi);
        bd_year = g->year - e->age;
        int tmt_lo = bd_year + 21, tmt_hi = bd_year + 35;
        if (tmt_hi > g->year - 2)
            tmt_hi = g->year - 2;
        if (tmt_lo > tmt_hi)
            tmt_lo = tmt_hi;
        int tmt = rng_range(&r, tmt_lo, tmt_hi);
        static const int tmt_months[] = {1, 2, 3, 4, 6, 10, 12};
        e->service = (uint8_t)(g->year - tmt);
        e->birth = random_birth(&r, bd_year);
        make_nip(g, &r, e, e->birth, tmt * 100 + tmt_months[rng_int(&r, COUNT(tmt_months))]);
    }
    make_name(&r, e, dt, 0);
    dt->position = make_position(&r, e);
    dt->grade = make_grade(e);
    e->six_day = permille(&r) < 100;
    dt->ptkp = PTKP[pick_weighted(&r, e->sex == 1 ? PTKP_MALE : PTKP_FEMALE, 5)];
    int lp = permille(&r);
    e->late_permille = lp < 600 ? 60 : lp < 900 ? 220 : 450;

    /* Since 2024 the NIK is the NPWP (16 digits: 6472 = Kota Samarinda, district, birth date
     * with 40 added to the day for women, serial); older 15-digit numbers remain in use. */
    if (permille(&r) < 700) {
        int y, m, d;
        tpp_date_to_ymd(e->birth, &y, &m, &d);
        /* Two draws in one argument list would be unsequenced (gcc and clang differ): the
         * order is fixed here, serial first, as the sample-region fixture was made. */
        int serial = rng_range(&r, 1, 3000);
        int district = rng_range(&r, 1, 10);
        snprintf(dt->npwp, sizeof dt->npwp, "6472%02d%02d%02d%02d%04d", district,
                 d + (e->sex == 2 ? 40 : 0), m, y % 100, serial);
    } else {
        make_digits(&r, dt->npwp, 15, 0);
    }
    int b = pick_weighted(&r, BANK_WEIGHTS, COUNT(BANK_WEIGHTS));
    dt->bank = BANKS[b];
    make_digits(&r, dt->account, BANK_DIGITS[b], 1);
    make_salary(&r, e, dt);
}

/* Row i of employees.csv in full: the kept fields, and the detail drawn again. */
static void employee_detail(gen_ctx *g, int i, gen_detail *dt)
{
    const gen_emp *e = &g->emp[i];
    gen_emp scratch;
    uint64_t *nips = g->nips;
    g->nips = NULL;
    build_employee(g, i, e->unit, e->head, &scratch, dt);
    g->nips = nips;
    if (e->special_pay)
        set_pay(dt, e->cls, 11500000);
    if (e->special_name) {
        rng rn = rng_for(g->seed, S_SPECIAL, 1, 0);
        make_name(&rn, e, dt, 1);
    }
}

static tpp_status build_employees(gen_ctx *g, tpp_error *err)
{
    size_t cap = 16;
    while (cap < (size_t)g->n * 2)
        cap *= 2;
    g->emp = calloc((size_t)g->n, sizeof *g->emp);
    g->nips = calloc(cap, sizeof *g->nips);
    int *pins = malloc((size_t)g->n * sizeof *pins);
    unsigned char *taken = calloc((size_t)g->n, 1);
    if (g->emp == NULL || g->nips == NULL || pins == NULL || taken == NULL) {
        free(pins);
        free(taken);
        return tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory generating employees");
    }
    g->nips_mask = cap - 1;
    build_units(g);
    int i = 0;
    gen_detail scratch;
    for (int u = 0; u < g->nunits; u++)
        for (int k = 0; k < g->unit_count[u]; k++, i++)
            build_employee(g, i, u, k == 0, &g->emp[i], &scratch);

    /* Device PINs are enrolment numbers: unique, unrelated to the roster order. */
    rng r = rng_for(g->seed, S_PINS, 0, 0);
    for (i = 0; i < g->n; i++)
        pins[i] = i + 1;
    for (i = g->n - 1; i > 0; i--) {
        int j = rng_int(&r, i + 1), t = pins[i];
        pins[i] = pins[j];
        pins[j] = t;
    }
    for (i = 0; i < g->n; i++)
        g->emp[i].pin = pins[i];

    /* The cases a month must exercise: the BPJS cap (the most senior head), a name that needs
     * quoting, a mid-month start, a retirement and a missing performance row. */
    int top = 0;
    for (i = 1; i < g->n; i++)
        if (g->emp[i].cls > g->emp[top].cls)
            top = i;
    g->emp[top].special_pay = 1;
    taken[top] = 1;

    r = rng_for(g->seed, S_SPECIAL, 0, 0);
    i = pick_special(g, &r, taken);
    taken[i] = 1;
    g->emp[i].special_name = 1;

    i = pick_special(g, &r, taken);
    taken[i] = 1;
    g->emp[i].start = tpp_date_from_ymd(g->year, g->month, 16);

    i = pick_special(g, &r, taken);
    taken[i] = 1;
    g->emp[i].end = tpp_date_from_ymd(g->year, g->month, 10);

    i = pick_special(g, &r, taken);
    g->emp[i].perf = 0;

    free(pins);
    free(taken);
    /* Numbers are issued: the set is not needed any more (and NULL marks a redraw). */
    free(g->nips);
    g->nips = NULL;
    return TPP_OK;
}

static tpp_status write_employees(gen_ctx *g, const char *dir, tpp_error *err)
{
    static const char *const cols[] = {
        "nip",          "name",         "status",     "unit_code",    "unit_name",
        "position",     "class",        "grade",      "schedule",     "device_pin",
        "ptkp",         "npwp",         "bank_name",  "bank_account", "salary_bpjs_base",
        "salary_gross", "salary_pph21", "start_date", "end_date",     NULL,
    };
    csv_out o;
    TPP_TRY(csv_open(&o, dir, "employees.csv", cols, err));
    for (int i = 0; i < g->n; i++) {
        const gen_emp *e = &g->emp[i];
        gen_detail dt;
        employee_detail(g, i, &dt);
        csv_nip(&o, e);
        csv_field(&o, dt.name);
        csv_field(&o, STATUS[e->status]);
        csv_field(&o, UNITS[e->unit].code);
        csv_field(&o, UNITS[e->unit].name);
        csv_field(&o, dt.position);
        csv_fieldf(&o, "%d", e->cls);
        csv_field(&o, dt.grade);
        csv_field(&o, e->six_day ? "6day" : "5day");
        csv_fieldf(&o, "%d", (int)e->pin);
        csv_field(&o, dt.ptkp);
        csv_field(&o, dt.npwp);
        csv_field(&o, dt.bank);
        csv_field(&o, dt.account);
        csv_fieldf(&o, "%" PRId64, dt.bpjs_base);
        csv_fieldf(&o, "%" PRId64, dt.gross);
        csv_fieldf(&o, "%" PRId64, dt.pph21);
        csv_date(&o, e->start);
        csv_date(&o, e->end);
        csv_end(&o);
    }
    return csv_finish(&o, TPP_OK, err);
}

/* ---- Holidays -------------------------------------------------------------------------------- */

/* The month's holidays by day: the SKB table when the year is in it, else the fixed dates. */
static void build_holidays(gen_ctx *g)
{
    char prefix[8];
    snprintf(prefix, sizeof prefix, "%04d-%02d", g->year, g->month);
    int known = 0;
    for (int i = 0; i < COUNT(HOLIDAYS); i++) {
        if (strncmp(HOLIDAYS[i].date, prefix, 4) == 0)
            known = 1;
        if (strncmp(HOLIDAYS[i].date, prefix, 7) == 0)
            g->holiday[atoi(HOLIDAYS[i].date + 8)] = &HOLIDAYS[i];
    }
    for (int i = 0; !known && i < COUNT(FIXED_HOLIDAYS); i++)
        if (atoi(FIXED_HOLIDAYS[i].date) == g->month)
            g->holiday[atoi(FIXED_HOLIDAYS[i].date + 3)] = &FIXED_HOLIDAYS[i];
}

static tpp_status write_holidays(const gen_ctx *g, const char *dir, tpp_error *err)
{
    static const char *const cols[] = {"date", "name", "kind", NULL};
    csv_out o;
    TPP_TRY(csv_open(&o, dir, "holidays.csv", cols, err));
    for (tpp_date d = g->first; d <= g->last; d++) {
        const struct gen_holiday *h = g->holiday[d - g->first + 1];
        if (h == NULL)
            continue;
        csv_date(&o, d);
        csv_field(&o, h->name);
        csv_field(&o, h->kind);
        csv_end(&o);
    }
    return csv_finish(&o, TPP_OK, err);
}

/* ---- Absences -------------------------------------------------------------------------------- */

static void build_absences(gen_ctx *g)
{
    rng refs = rng_for(g->seed, S_REFS, 0, 0);
    int ref_no[AB_COUNT];
    for (int k = 0; k < AB_COUNT; k++)
        ref_no[k] = rng_range(&refs, 1, 400);
    int aw[AB_COUNT];
    for (int k = 0; k < AB_COUNT; k++)
        aw[k] = ABSENCE_KINDS[k].weight;

    for (int i = 0; i < g->n; i++) {
        gen_emp *e = &g->emp[i];
        rng r = rng_for(g->seed, S_ABSENCE, (uint64_t)i, 0);
        int p = permille(&r);
        int want = p < 180 ? 1 : p < 215 ? 2 : 0; /* about 4.5 absences per 20 employees */
        /* Workdays of this employee in the month: the candidate first days. */
        tpp_date days[31];
        int nd = 0;
        for (tpp_date d = g->first; d <= g->last; d++)
            if (is_workday(g, e, d))
                days[nd++] = d;
        for (int a = 0; a < want && nd > 0; a++) {
            int kind = pick_weighted(&r, aw, AB_COUNT);
            if (kind == AB_CUTI_MELAHIRKAN && (e->sex != 2 || e->age > 45))
                kind = AB_CUTI_TAHUNAN;
            if (kind == AB_CUTI_BESAR && (e->status != ST_PNS || e->service < 5))
                kind = AB_CUTI_TAHUNAN;
            if (kind == AB_CUTI_TAHUNAN && e->status == ST_CPNS)
                kind = AB_SAKIT; /* no annual leave before a year of service */
            const struct absence_kind *ak = &ABSENCE_KINDS[kind];
            int len = rng_range(&r, ak->min_days, ak->max_days);
            tpp_date from = days[rng_int(&r, nd)], to = from;
            if (ak->workdays) {
                for (int left = len - 1; left > 0 && to < g->last;) {
                    to++;
                    if (is_workday(g, e, to))
                        left--;
                }
                while (to > from && !is_workday(g, e, to))
                    to--;
            } else {
                to = from + len - 1;
                if (!ak->long_leave && to > g->last)
                    to = g->last;
            }
            if (e->end != TPP_DATE_NONE && to > e->end)
                to = e->end;
            int clash = 0;
            for (int k = 0; k < e->nabs; k++)
                clash |= from <= e->abs[k].to && to >= e->abs[k].from;
            if (clash)
                continue;
            gen_absence *ab = &e->abs[e->nabs++];
            ab->from = from;
            ab->to = to;
            ab->kind = kind;
            ab->ref_no = ref_no[kind]++;
        }
    }
}

static tpp_status write_absences(const gen_ctx *g, const char *dir, tpp_error *err)
{
    static const char *const cols[] = {"nip", "type", "start_date", "end_date", "reference", NULL};
    csv_out o;
    TPP_TRY(csv_open(&o, dir, "absences.csv", cols, err));
    for (int i = 0; i < g->n; i++) {
        const gen_emp *e = &g->emp[i];
        for (int k = 0; k < e->nabs; k++) {
            const gen_absence *ab = &e->abs[k];
            const struct absence_kind *ak = &ABSENCE_KINDS[ab->kind];
            char ref[48];
            if (ak->ref_year)
                snprintf(ref, sizeof ref, "%s/%03d/%d", ak->ref, ab->ref_no, g->year);
            else
                snprintf(ref, sizeof ref, "%s/%03d", ak->ref, ab->ref_no);
            csv_nip(&o, e);
            csv_field(&o, ak->type);
            csv_date(&o, ab->from);
            csv_date(&o, ab->to);
            csv_field(&o, ref);
            csv_end(&o);
        }
    }
    return csv_finish(&o, TPP_OK, err);
}

/* ---- Attendance ------------------------------------------------------------------------------ */

/* One employee-day as the device saw it; -1 = no such scan. */
typedef struct day_plan {
    int32_t in, in_dup, out, out_dup;
} day_plan;

static int32_t late_minutes(rng *r)
{
    int p = permille(r);
    if (p < 600)
        return rng_range(r, 1, 30);
    if (p < 850)
        return rng_range(r, 31, 60);
    if (p < 950)
        return rng_range(r, 61, 90);
    return rng_range(r, 91, 150);
}

static void plan_day(const gen_ctx *g, int i, tpp_date d, day_plan *p)
{
    const gen_emp *e = &g->emp[i];
    p->in = p->in_dup = p->out = p->out_dup = -1;
    if (!is_workday(g, e, d) || on_leave(e, d))
        return;
    rng r = rng_for(g->seed, S_ATTEND, (uint64_t)i, (uint64_t)(int64_t)d);
    int shape = permille(&r);
    if (shape < 10)
        return; /* absent without leave: no scan at all */

    int32_t end = day_end(e->six_day, tpp_date_weekday(d));
    int32_t in;
    if (permille(&r) >= e->late_permille)
        in = 6 * 3600 + 30 * 60 + rng_int(&r, 61 * 60); /* 06:30:00 .. 07:30:59 */
    else
        in = DAY_START + late_minutes(&r) * 60 + rng_int(&r, 60);

    int32_t out;
    int q = permille(&r);
    if (q < 60) {
        /* Leaves early: mostly by minutes, sometimes by an hour or two. */
        int32_t early = permille(&r) < 700 ? rng_range(&r, 1, 30) : rng_range(&r, 31, 120);
        out = end - early * 60 + rng_int(&r, 60);
    } else {
        int z = permille(&r);
        int32_t after = z < 600   ? rng_int(&r, 16)
                        : z < 900 ? rng_range(&r, 16, 60)
                                  : rng_range(&r, 61, 180);
        out = end + after * 60 + rng_int(&r, 60);
    }
    if (out < in + 30 * 60)
        out = in + 30 * 60 + rng_int(&r, 600);

    p->in = in;
    p->out = out;
    if (shape < 30) {
        /* Forgot one scan: check-in only, or check-out only. */
        if (permille(&r) < 600)
            p->out = -1;
        else
            p->in = -1;
    }
    /* Pressing twice: the same minute, a few seconds later. */
    if (p->in >= 0 && permille(&r) < 20)
        p->in_dup = p->in + rng_int(&r, 60 - p->in % 60);
    if (p->out >= 0 && permille(&r) < 5)
        p->out_dup = p->out + rng_int(&r, 60 - p->out % 60);
}

/* Rank of every employee in NIP order: a device export lists a second's scans by NIP. */
typedef struct nip_idx {
    uint64_t nip;
    int32_t i;
} nip_idx;

static int nip_idx_cmp(const void *pa, const void *pb)
{
    const nip_idx *a = pa, *b = pb;
    return a->nip < b->nip ? -1 : a->nip > b->nip;
}

/* LSD radix sort of 48-bit keys, 16 bits a pass (three passes; the result ends in *keys). */
static void radix48(uint64_t **keys, uint64_t **tmp, size_t *count, size_t n)
{
    for (int shift = 0; shift < 48; shift += 16) {
        memset(count, 0, sizeof *count << 16);
        const uint64_t *src = *keys;
        uint64_t *dst = *tmp;
        for (size_t k = 0; k < n; k++)
            count[(src[k] >> shift) & 0xFFFF]++;
        size_t sum = 0;
        for (size_t b = 0; b < (1u << 16); b++) {
            size_t c = count[b];
            count[b] = sum;
            sum += c;
        }
        for (size_t k = 0; k < n; k++)
            dst[count[(src[k] >> shift) & 0xFFFF]++] = src[k];
        *tmp = *keys;
        *keys = dst;
    }
}

/* Attendance is most of a region's bytes (about 40 rows per employee): rows are formatted by
 * hand into a block and written a block at a time, and each day's scans are sorted as integer
 * keys (second, rank of the NIP, in/out) instead of with strcmp. */
static tpp_status write_attendance(const gen_ctx *g, const char *dir, tpp_error *err)
{
    static const char *const cols[] = {"nip", "timestamp", "direction", "device", NULL};
    size_t cap = (size_t)g->n * 4;
    uint64_t *keys = malloc(cap * sizeof *keys);
    uint64_t *tmp = malloc(cap * sizeof *tmp);
    nip_idx *order = malloc((size_t)g->n * sizeof *order);
    int32_t *by_rank = malloc((size_t)g->n * sizeof *by_rank);
    int32_t *rank = malloc((size_t)g->n * sizeof *rank);
    char *blk = malloc(1 << 16);
    size_t *count = malloc(sizeof *count << 16);
    csv_out o = {0};
    tpp_status rc = TPP_OK;
    if (keys == NULL || tmp == NULL || order == NULL || by_rank == NULL || rank == NULL ||
        blk == NULL || count == NULL) {
        rc = tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory generating attendance");
        goto done;
    }
    for (int i = 0; i < g->n; i++)
        order[i] = (nip_idx){g->emp[i].nip, i};
    qsort(order, (size_t)g->n, sizeof *order, nip_idx_cmp);
    for (int r = 0; r < g->n; r++) {
        by_rank[r] = order[r].i;
        rank[order[r].i] = r;
    }
    free(order);
    order = NULL;

    rc = csv_open(&o, dir, "attendance.csv", cols, err);
    if (rc != TPP_OK)
        goto done;
    /* A device export is in time order; a day at a time keeps the sort small. */
    for (tpp_date d = g->first; d <= g->last; d++) {
        size_t ns = 0;
        for (int i = 0; i < g->n; i++) {
            day_plan p;
            plan_day(g, i, d, &p);
            const int32_t secs[4] = {p.in, p.in_dup, p.out, p.out_dup};
            for (int k = 0; k < 4; k++)
                if (secs[k] >= 0)
                    keys[ns++] = (uint64_t)secs[k] << 25 | (uint64_t)rank[i] << 1 | (k >= 2);
        }
        radix48(&keys, &tmp, count, ns);
        char day[11];
        tpp_date_format(d, day);
        size_t used = 0;
        for (size_t k = 0; k < ns; k++) {
            uint64_t key = keys[k];
            int32_t s = (int32_t)(key >> 25);
            const gen_emp *e = &g->emp[by_rank[(key >> 1) & 0xFFFFFF]];
            int out = (int)(key & 1);
            if (used > (1 << 16) - 128) {
                csv_raw(&o, blk, used);
                used = 0;
            }
            char *w = blk + used;
            nip_text(e->nip, w);
            w += 18;
            *w++ = ',';
            memcpy(w, day, 10);
            w += 10;
            *w++ = ' ';
            const int hms[3] = {s / 3600, s / 60 % 60, s % 60};
            for (int f = 0; f < 3; f++) {
                *w++ = (char)('0' + hms[f] / 10);
                *w++ = (char)('0' + hms[f] % 10);
                *w++ = f < 2 ? ':' : ',';
            }
            if (g->unit_dir[e->unit]) {
                memcpy(w, out ? "out" : "in", out ? 3 : 2);
                w += out ? 3 : 2;
            }
            *w++ = ',';
            const char *code = UNITS[e->unit].code;
            size_t cl = strlen(code);
            memcpy(w, "FP-", 3);
            memcpy(w + 3, code, cl);
            w += 3 + cl;
            *w++ = '\n';
            used = (size_t)(w - blk);
        }
        csv_raw(&o, blk, used);
    }
done:
    free(keys);
    free(tmp);
    free(order);
    free(by_rank);
    free(rank);
    free(blk);
    free(count);
    return csv_finish(&o, rc, err);
}

/* ---- Events ---------------------------------------------------------------------------------- */

static tpp_status write_events(const gen_ctx *g, const char *dir, tpp_error *err)
{
    static const char *const cols[] = {"nip", "date", "type", "minutes", "reference", NULL};
    csv_out o;
    TPP_TRY(csv_open(&o, dir, "events.csv", cols, err));
    rng refs = rng_for(g->seed, S_REFS, 1, 0);
    int sidak = rng_range(&refs, 1, 200);
    for (tpp_date d = g->first; d <= g->last; d++) {
        int monday = tpp_date_weekday(d) == 0;
        for (int i = 0; i < g->n; i++) {
            day_plan p;
            plan_day(g, i, d, &p);
            if (p.in < 0 && p.out < 0)
                continue; /* not at work: nothing to miss */
            rng r = rng_for(g->seed, S_EVENT, (uint64_t)i, (uint64_t)(int64_t)d);
            if (monday && permille(&r) < 50) {
                csv_nip(&o, &g->emp[i]);
                csv_date(&o, d);
                csv_field(&o, "missed_apel");
                csv_field(&o, "");
                csv_field(&o, "");
                csv_end(&o);
            }
            if (p.in >= 0 && p.out >= 0 && permille(&r) < 4) {
                csv_nip(&o, &g->emp[i]);
                csv_date(&o, d);
                csv_field(&o, "left_without_permit");
                csv_fieldf(&o, "%d", rng_range(&r, 30, 150));
                csv_fieldf(&o, "Sidak/%03d/%d", sidak++, g->year);
                csv_end(&o);
            }
        }
    }
    return csv_finish(&o, TPP_OK, err);
}

/* ---- Performance ----------------------------------------------------------------------------- */

static tpp_status write_performance(const gen_ctx *g, const char *dir, tpp_error *err)
{
    static const char *const cols[] = {"nip", "period", "predicate", "score", NULL};
    static const char *const predicates[] = {"sangat_baik", "baik", "butuh_perbaikan", "kurang",
                                             "sangat_kurang"};
    static const int weights[] = {150, 700, 100, 40, 10};
    csv_out o;
    TPP_TRY(csv_open(&o, dir, "performance.csv", cols, err));
    for (int i = 0; i < g->n; i++) {
        if (!g->emp[i].perf)
            continue;
        rng r = rng_for(g->seed, S_PERF, (uint64_t)i, 0);
        csv_nip(&o, &g->emp[i]);
        csv_fieldf(&o, "%04d-%02d", g->year, g->month);
        csv_field(&o, predicates[pick_weighted(&r, weights, 5)]);
        csv_field(&o, "");
        csv_end(&o);
    }
    return csv_finish(&o, TPP_OK, err);
}

/* ---- Entry point ----------------------------------------------------------------------------- */

tpp_status tpp_gen_region(const char *dir, const tpp_gen_options *opt, tpp_error *err)
{
    if (dir == NULL || opt == NULL)
        return tpp_fail(err, TPP_ERR_USAGE, TPP_NOLOC, "gen: no directory or options");
    if (opt->employees < 1 || opt->employees > 10000000)
        return tpp_fail(err, TPP_ERR_USAGE, TPP_NOLOC,
                        "gen: employees must be between 1 and 10000000, not %d", opt->employees);
    if (opt->year < 2000 || opt->year > 2100 || opt->month < 1 || opt->month > 12)
        return tpp_fail(err, TPP_ERR_USAGE, TPP_NOLOC, "gen: bad period %d-%02d", opt->year,
                        opt->month);
    TPP_TRY(tpp_mkdirs(dir, err));

    gen_ctx g;
    memset(&g, 0, sizeof g);
    g.seed = opt->seed;
    g.year = opt->year;
    g.month = opt->month;
    g.ndays = tpp_days_in_month(g.year, g.month);
    g.first = tpp_date_from_ymd(g.year, g.month, 1);
    g.last = g.first + g.ndays - 1;
    g.n = opt->employees;
    build_holidays(&g);

    tpp_status rc = build_employees(&g, err);
    if (rc == TPP_OK) {
        build_absences(&g);
        rc = write_employees(&g, dir, err);
    }
    if (rc == TPP_OK)
        rc = write_holidays(&g, dir, err);
    if (rc == TPP_OK)
        rc = write_absences(&g, dir, err);
    if (rc == TPP_OK)
        rc = write_attendance(&g, dir, err);
    if (rc == TPP_OK)
        rc = write_events(&g, dir, err);
    if (rc == TPP_OK)
        rc = write_performance(&g, dir, err);
    free(g.emp);
    free(g.nips);
    return rc;
}
