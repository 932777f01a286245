/* host/train/train_config.h - the training configuration as one table: each field's name (its
 * key in config.txt and checkpoints), type, default, `alexnet train` flag (with its metavar,
 * choices and help) and what --resume does with it. The table gives the defaults, writes
 * config.txt and the checkpoints' configuration, reads it back on --resume and declares
 * `alexnet train`'s flags (host/cli/cmd_train.c), so a new option is one row. */
#ifndef AN_TRAIN_TRAIN_CONFIG_H
#define AN_TRAIN_TRAIN_CONFIG_H

#include <stddef.h>

#include "train/trainer.h"

#define AN_TRAIN_STR_MAX 4096  /* one restored string (a path, a layer list) */
#define AN_TRAIN_STR_FIELDS 8  /* at most this many string fields are restored */
#define AN_TRAIN_MAX_FIELDS 40 /* rows the table may grow to */

/* How a field is stored, written and given on the command line. */
typedef enum an_train_type {
    AN_TRAIN_INT,    /* int */
    AN_TRAIN_LLONG,  /* long long >= 0, given as text */
    AN_TRAIN_U64,    /* uint64_t, given as text */
    AN_TRAIN_DOUBLE, /* double */
    AN_TRAIN_STR,    /* const char *, NULL by default where the default is "" */
    AN_TRAIN_CONV,   /* an_conv_algo, given by name */
    AN_TRAIN_SWITCH, /* int 0 or 1: the flag alone sets the opposite of the default */
    AN_TRAIN_ONOFF   /* int 0 or 1, given as on|off */
} an_train_type;

typedef enum an_train_resume {
    AN_TRAIN_NOT_SAVED, /* not in config.txt or checkpoints: per process (paths, switches) */
    AN_TRAIN_KEPT,      /* saved; a resumed run takes the command line's (checkpointing, algo) */
    AN_TRAIN_RESTORED,  /* saved; a resumed run takes the checkpoint's */
    AN_TRAIN_UNLESS_GIVEN /* saved; the checkpoint's unless the command line gives one */
} an_train_resume;

/* One row of the table (text in arrays, not pointers: the table stays read-only data). */
typedef struct an_train_field {
    char name[16];     /* the key in config.txt and checkpoints */
    an_train_type type;
    size_t off;        /* in an_train_config */
    char def[16];      /* the default, as text ("" for a NULL string) */
    char flag[24];     /* `alexnet train`'s option */
    an_train_resume resume;
    char metavar[16];  /* the flag's value in the help ("" for a switch) */
    char choices[64];  /* "a|b|c": the values the flag takes ("" for any) */
    char help[192];
} an_train_field;

/* The table's rows, in the order config.txt lists them (after net=); *n of them. */
const an_train_field *an_train_fields(size_t *n);

/* Field f in c. */
void *an_train_field_at(an_train_config *c, const an_train_field *f);

/* Set field f of c from text as the command line gives it (a string field points at text
 * itself); 0, and c unchanged, when text is not a value of f's type. */
int an_train_field_parse(an_train_config *c, const an_train_field *f, const char *text);

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
