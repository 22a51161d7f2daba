/* Writes the workbooks the XLSX fuzz seeds are made from (tests/fuzz/seeds/make-seeds.sh):
 * small, but with what the reader handles: shared strings, inline numbers, date, date-time and
 * time formats, booleans, a formula with its cached result, a NIP typed as a number, an empty
 * column, a second sheet. Usage: xlsx_seeds <dir>. */
#include <stdio.h>

#include <xlsxwriter.h>

static int employees(const char *path)
{
    lxw_workbook *wb = workbook_new(path);
    if (wb == NULL)
        return 1;
    lxw_worksheet *ws = workbook_add_worksheet(wb, "Sheet1");
    lxw_worksheet *other = workbook_add_worksheet(wb, "Sheet2");
    lxw_format *date = workbook_add_format(wb);
    format_set_num_format(date, "dd/mm/yyyy");
    lxw_format *stamp = workbook_add_format(wb);
    format_set_num_format(stamp, "yyyy-mm-dd hh:mm:ss");
    lxw_format *clock = workbook_add_format(wb);
    format_set_num_format(clock, "hh:mm");
    static const char *const head[] = {"nip",  "name", "start_date", "scan",
                                       "time", "net",  "",           "aktif"};
    for (int i = 0; i < 8; i++)
        if (head[i][0] != '\0')
            worksheet_write_string(ws, 0, (lxw_col_t)i, head[i], NULL);
    worksheet_write_string(ws, 1, 0, "198501012010011001", NULL);
    worksheet_write_string(ws, 1, 1, "Budi, S.Kom", NULL);
    lxw_datetime d = {2011, 2, 1, 0, 0, 0};
    worksheet_write_datetime(ws, 1, 2, &d, date);
    lxw_datetime t = {2025, 1, 6, 7, 29, 59.0};
    worksheet_write_datetime(ws, 1, 3, &t, stamp);
    worksheet_write_number(ws, 1, 4, 0.3125, clock);
    worksheet_write_number(ws, 1, 5, 5400000, NULL);
    worksheet_write_boolean(ws, 1, 7, 1, NULL);
    worksheet_write_number(ws, 2, 0, 197704182003122009.0, NULL); /* lossy */
    worksheet_write_string(ws, 2, 1, "=HYPERLINK(\"http://x\",\"Klik\")", NULL);
    worksheet_write_formula_num(ws, 2, 5, "=F2*2", NULL, 10800000);
    worksheet_write_number(ws, 2, 4, -0.5, NULL);
    worksheet_write_string(ws, 3, 1, "Siti Rahmah", NULL);
    worksheet_write_string(other, 0, 0, "date", NULL);
    worksheet_write_string(other, 0, 1, "name", NULL);
    worksheet_write_datetime(other, 1, 0, &d, date);
    worksheet_write_string(other, 1, 1, "Tahun Baru", NULL);
    return workbook_close(wb) == LXW_NO_ERROR ? 0 : 1;
}

static int tiny(const char *path)
{
    lxw_workbook *wb = workbook_new(path);
    if (wb == NULL)
        return 1;
    lxw_worksheet *ws = workbook_add_worksheet(wb, NULL);
    worksheet_write_string(ws, 0, 0, "device_pin", NULL);
    worksheet_write_number(ws, 1, 0, 11, NULL);
    return workbook_close(wb) == LXW_NO_ERROR ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: xlsx_seeds <dir>\n");
        return 2;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/employees.xlsx", argv[1]);
    int bad = employees(path);
    snprintf(path, sizeof path, "%s/tiny.xlsx", argv[1]);
    bad |= tiny(path);
    return bad;
}
