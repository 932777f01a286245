/* test/fuzz/fuzz_classes.c - class lists (`--synsets FILE`, `--classes FILE`, a split's
 * classes.txt): "id words..." lines. Property: every accepted class has a non-empty id without
 * blanks, and no id twice. */
#include <string.h>

#include "data/source.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n) {
    const char *path = fuzz_write("classes.txt", data, n);
    an_classes c;
    if (an_classes_load(path, &c) != AN_OK) return 0;
    if (c.n < 1) fuzz_fail("accepted a list of %d classes", c.n);
    for (int i = 0; i < c.n; i++) {
        if (!c.ids[i][0] || strpbrk(c.ids[i], " \t\n") || !c.words[i])
            fuzz_fail("class %d has id '%s'", i, c.ids[i]);
        if (an_classes_find(&c, c.ids[i]) != i) fuzz_fail("class id '%s' twice", c.ids[i]);
    }
    an_classes_free(&c);
    return 0;
}
