/* placeholder */
#include "engine/store.h"
