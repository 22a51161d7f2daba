/* Workspace configuration: key/value settings kept in the workspace's `meta` table under the
 * prefix "config:" (no schema change). A key may be scoped to one OPD ("sign.payer.name" for
 * unit 1.02.01 is stored as "config:sign.payer.name@1.02.01"). Private header. */
#ifndef TPP_ENGINE_CONFIG_H
#define TPP_ENGINE_CONFIG_H

#include <stdbool.h>

#include "engine/store.h"
#include "tpp/error.h"

/** Whether key is one tpp knows (see tpp_config_keys_help); unit_ok tells if it may be scoped
 *  to an OPD. */
bool tpp_config_key_known(const char *key, bool *unit_ok);
/** A one-line description per key, for `tpp config --help`. */
extern const char tpp_config_keys_help[];
/** Check a value for key; on failure err says why. */
tpp_status tpp_config_check(const char *key, const char *value, tpp_error *err);

/** *value = a malloc'd copy, or NULL when the key is not set (for unit: not set for that unit). */
tpp_status tpp_config_get(tpp_store *st, const char *key, const char *unit, char **value,
                          tpp_error *err);
/** Set (value != NULL) or remove (value == NULL) a key; checks key and value. */
tpp_status tpp_config_set(tpp_store *st, const char *key, const char *unit, const char *value,
                          tpp_error *err);

typedef void (*tpp_config_fn)(void *user, const char *key, const char *unit, const char *value);
/** Every setting, ordered by key then unit (unscoped first). */
tpp_status tpp_config_list(tpp_store *st, tpp_config_fn fn, void *user, tpp_error *err);

#endif /* TPP_ENGINE_CONFIG_H */
