/* host/train/checkpoint.h - a training run's state in one file, written atomically.
 *
 * A checkpoint holds everything `alexnet train --resume` needs to continue exactly: the net
 * description, the run's configuration and counters (key=value text), the parameters and the
 * momentum (whole layout, float32). Layout, little-endian:
 *   "ANCKPT01" | u32 H | H bytes of key=value lines | u32 D | D bytes of net description |
 *   u64 W | W floats parameters | W floats momentum | u32 CRC-32 of everything before it.
 * It is written to a temporary file in the same directory, fsync'ed, renamed into place and the
 * directory fsync'ed, so a crash leaves either the old file or the new one, never half of one.
 * Loading checks the magic, every length against the file size, and the CRC before trusting any
 * of it. */
#ifndef AN_TRAIN_CHECKPOINT_H
#define AN_TRAIN_CHECKPOINT_H

#include <stddef.h>

#include "alexnet/status.h"

typedef struct an_ckpt {
    char *kv;          /* key=value lines (configuration and counters) */
    char *net_text;    /* the net description */
    size_t floats;     /* W */
    float *params, *momentum;
} an_ckpt;

an_status an_ckpt_save(const char *path, const char *kv, const char *net_text, size_t floats,
                       const float *params, const float *momentum);
/* Load and verify a checkpoint; free with an_ckpt_free. */
an_status an_ckpt_load(const char *path, an_ckpt *c);
void an_ckpt_free(an_ckpt *c);

/* The value of key in kv lines ("key=value\n"), copied into buf; 0 when absent. */
int an_kv_get(const char *kv, const char *key, char *buf, size_t n);

#endif
