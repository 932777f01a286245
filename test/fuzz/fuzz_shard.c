/* test/fuzz/fuzz_shard.c - a shard file's tables (host/data/shard.h, docs/DATA.md): records, the
 * bad-file list and the statistics sums, as `prepare` (resuming) and the loader read them.
 * Property: what an_shard_read_meta accepts is in bounds of the file. */
#include "data/shard.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n) {
    const char *path = fuzz_write("shard-00000.bin", data, n);
    an_shard_meta m;
    if (an_shard_read_meta(path, 1, &m) != AN_OK) return 0;
    for (uint32_t i = 0; i < m.nrec; i++)
        if (m.recs[i].off > m.file_size || m.recs[i].len > m.file_size - m.recs[i].off)
            fuzz_fail("record %u at %llu+%u is outside the %llu-byte file", i,
                      (unsigned long long)m.recs[i].off, m.recs[i].len,
                      (unsigned long long)m.file_size);
    an_shard_meta_free(&m);
    return 0;
}
