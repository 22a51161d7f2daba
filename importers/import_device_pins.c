/* Device PIN -> NIP, per device (domain brief §7.1: PIN is not NIP). Machines are re-enrolled
 * and PINs reused, so the map is per device; an empty device applies to every device. A later
 * file replaces a PIN's NIP. */
#include <stdlib.h>
#include <string.h>

#include "engine/util.h"
#include "importers/import_int.h"

enum { C_DEVICE, C_PIN, C_NIP, N_COLUMNS };

static const tpp_imp_column columns[N_COLUMNS] = {
    [C_DEVICE] = {"device", false},
    [C_PIN] = {"device_pin", true},
    [C_NIP] = {"nip", true},
};

typedef struct pin_state {
    sqlite3_stmt *upsert;
    tpp_strmap seen;
    tpp_buf key;
} pin_state;

static tpp_status pin_begin(tpp_imp_ctx *c, tpp_error *err)
{
    pin_state *s = calloc(1, sizeof *s);
    if (s == NULL)
        return tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
    c->state = s;
    tpp_strmap_init(&s->seen);
    return tpp_store_prepare(c->st,
                             "INSERT INTO device_pin(device, pin, nip, file_id) VALUES (?1, ?2, "
                             "?3, ?4) ON CONFLICT (device, pin) DO UPDATE SET nip = excluded.nip, "
                             "file_id = excluded.file_id",
                             &s->upsert, err);
}

static void pin_end(tpp_imp_ctx *c)
{
    pin_state *s = c->state;
    if (s == NULL)
        return;
    sqlite3_finalize(s->upsert);
    tpp_strmap_release(&s->seen);
    tpp_buf_release(&s->key);
    free(s);
    c->state = NULL;
}

static tpp_status pin_row(tpp_imp_ctx *c, const tpp_csv_record *rec, tpp_error *err)
{
    pin_state *s = c->state;
    tpp_imp_val device = tpp_imp_get(c, rec, C_DEVICE);
    tpp_imp_val pin = tpp_imp_get(c, rec, C_PIN);
    tpp_imp_val nip = tpp_imp_get(c, rec, C_NIP);
    bool nip_ok = false;
    if (nip.len > 0)
        TPP_TRY(tpp_imp_known_nip(c, &nip, &nip_ok, err));
    if (pin.len > 0) {
        s->key.len = 0;
        tpp_buf_append(&s->key, device.s, device.len + 1);
        tpp_buf_append(&s->key, pin.s, pin.len);
        if (s->key.oom)
            return tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
        bool found;
        ptrdiff_t i = tpp_strmap_put(&s->seen, s->key.data, s->key.len, rec->line, &found);
        if (i < 0)
            return tpp_fail(err, TPP_ERR_NOMEM, TPP_NOLOC, "out of memory");
        if (found)
            tpp_imp_error(c, pin.at,
                          "device_pin '%s' of device '%s' is given twice (also on line %lld)",
                          tpp_imp_showv(c, &pin), tpp_imp_showv(c, &device),
                          (long long)s->seen.entries[i].value);
    }
    if (c->row_errors > 0 || !nip_ok)
        return TPP_OK;
    sqlite3_stmt *q = s->upsert;
    tpp_imp_bind_text(q, 1, device.s, device.len);
    tpp_imp_bind_text(q, 2, pin.s, pin.len);
    tpp_imp_bind_text(q, 3, nip.s, nip.len);
    sqlite3_bind_int64(q, 4, c->file_id);
    TPP_TRY(tpp_imp_step_done(c, q, "cannot store device PIN", err));
    c->stats->inserted++;
    return TPP_OK;
}

const tpp_imp_kind tpp_imp_device_pins = {
    .columns = columns,
    .n_columns = N_COLUMNS,
    .begin = pin_begin,
    .row = pin_row,
    .end = pin_end,
};
