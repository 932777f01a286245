/* host/train/train_config.h - the training configuration as one table: each field's name (its
 * key in config.txt and checkpoints), type, default, `alexnet train` flag and what --resume does
 * with it. The table gives the defaults, writes config.txt and the checkpoints' configuration,
 * and reads it back on --resume, so a new option is one row. */
#ifndef AN_TRAIN_TRAIN_CONFIG_H
#define AN_TRAIN_TRAIN_CONFIG_H

#include <stddef.h>

#include "train/trainer.h"

#define AN_TRAIN_STR_MAX 4096  /* one restored string (a path, a layer list) */
#define AN_TRAIN_STR_FIELDS 8  /* at most this many string fields are restored */

/* The strings --resume read back; the restored configuration points into them. */
typedef struct an_train_strings {
    char s[AN_TRAIN_STR_FIELDS][AN_TRAIN_STR_MAX];
} an_train_strings;

/* "net=NAME\n" then every saved field as "key=value\n" (doubles in %.17g, so they read back
 * exactly) into buf (n bytes, cut short if too small). */
void an_train_config_kv(const an_train_config *c, const char *net_name, char *buf, size_t n);

/* Restore into c the fields a checkpoint's kv text saved: a field the run resumes with comes
 * from kv (its default when kv lacks it); data, val and epochs only when given (c as the
 * command line set it) does not name them. Strings are copied into store. */
void an_train_config_resume(an_train_config *c, const char *kv, an_train_strings *store);

#endif
