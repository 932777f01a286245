/* host/train/tensorboard.h - TensorBoard event files written (and read back) without TensorFlow
 * or protobuf: the TFRecord framing and the few Event/Summary protobuf fields scalars need,
 * encoded by hand, so that `tensorboard --logdir RUNDIR` shows a run's curves while it trains.
 *
 * A file events.out.tfevents.<seconds>.<host>.alexnet-cl is a sequence of records
 *   uint64 length (little-endian), uint32 masked CRC-32C of those 8 bytes, data[length],
 *   uint32 masked CRC-32C of data,   with mask(c) = ((c >> 15) | (c << 17)) + 0xa282ead8,
 * each data an Event message: wall_time (field 1, double), step (2, varint), and either
 * file_version (3, string "brain.Event:2", the first record) or summary (5) holding one
 * Summary.Value: tag (1, string) and simple_value (2, float). */
#ifndef AN_TRAIN_TENSORBOARD_H
#define AN_TRAIN_TENSORBOARD_H

#include <stdint.h>
#include <stdio.h>

#include "alexnet/status.h"

typedef struct an_tb_writer {
    FILE *f;
    char path[4300];
} an_tb_writer;

/* Create a new event file in dir (the file_version record first). */
an_status an_tb_open(an_tb_writer *w, const char *dir);
/* Append one scalar and flush it (TensorBoard reads files as they grow). */
an_status an_tb_scalar(an_tb_writer *w, const char *tag, int64_t step, float value,
                       double wall_time);
void an_tb_close(an_tb_writer *w);
/* Seconds since the epoch (an Event's wall_time). */
double an_tb_now(void);

/* Read an event file: every scalar, in order, to fn (its return value non-zero stops the read).
 * A bad length or data CRC, a truncated record or a malformed Event is an error naming the file
 * and the byte. *file_version receives the first record's (may be NULL; 64 bytes). */
typedef int (*an_tb_scalar_fn)(void *ctx, const char *tag, int64_t step, float value,
                               double wall_time);
an_status an_tb_read(const char *path, an_tb_scalar_fn fn, void *ctx, char *file_version);

/* TFRecord's mask of a CRC-32C (util/crc32.h). */
uint32_t an_tb_mask_crc(uint32_t crc);

#endif
