/* test/fuzz/fuzz_index.c - a prepared split's index.bin (host/data/shard.h, docs/DATA.md).
 * Property: every entry an_index_load accepts names an existing shard and class. */
#include "data/shard.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n) {
    fuzz_write("index.bin", data, n);
    an_index idx;
    if (an_index_load(fuzz_dir(), &idx) != AN_OK) return 0;
    for (uint64_t i = 0; i < idx.count; i++)
        if (idx.e[i].shard >= idx.nshards || idx.e[i].label < 0 ||
            (uint32_t)idx.e[i].label >= idx.nclasses)
            fuzz_fail("entry %llu: shard %u of %u, label %d of %u", (unsigned long long)i,
                      idx.e[i].shard, idx.nshards, idx.e[i].label, idx.nclasses);
    an_index_free(&idx);
    return 0;
}
