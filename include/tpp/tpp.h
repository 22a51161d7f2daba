/* Umbrella header of the tpp library. */
#ifndef TPP_TPP_H
#define TPP_TPP_H

#include "tpp/batch.h"
#include "tpp/date.h"
#include "tpp/error.h"
#include "tpp/eval.h"
#include "tpp/export.h"
#include "tpp/import.h"
#include "tpp/model.h"
#include "tpp/money.h"
#include "tpp/rules.h"

#endif /* TPP_TPP_H */
