/* host/ops/tune_cache.h - the tuner's memory of choices, private to host/ops/tune.c: this
 * process's table, and the file $XDG_CACHE_HOME/alexnet-cl/tune-<device hash>.txt (else
 * ~/.cache/alexnet-cl/...), one line per (shape, direction), format in tune_cache.c. */
#ifndef AN_OPS_TUNE_CACHE_H
#define AN_OPS_TUNE_CACHE_H

#include "ops/tune.h"

/* The cached result for (d, s, dir) with exactly the candidates of cands (cands->cand[0..ncand)):
 * *found = 1 and *out filled (source AN_TUNE_CACHED), else *found = 0. skip_file: memory only
 * (ALEXNET_TUNE=retune). A corrupt file is ignored; a stale entry (another code hash) never
 * matches. */
an_status an_tune_cache_lookup(const an_dev *d, const an_conv_shape *s, an_tune_dir dir,
                               const an_tune_result *cands, int skip_file, an_tune_result *out,
                               int *found);

/* Keep r (its candidates, times and choice) for (d, s, dir) in memory and in the file: the
 * file's other valid, current entries are kept, corrupt or stale content dropped, and the whole
 * written atomically. A file that cannot be written is not an error (the choice stays in
 * memory). */
an_status an_tune_cache_store(const an_dev *d, const an_conv_shape *s, an_tune_dir dir,
                              const an_tune_result *r);

/* Drop the in-memory table. */
void an_tune_cache_forget(void);

#endif
