/* test/fuzz/fuzz_netdesc.c - the net description parser (docs/NETS.md), as `--net FILE` and the
 * description inside weights files and checkpoints reach it.
 *
 * Property: a description that parses prints (an_net_to_text) as canonical text that parses again
 * and prints identically, and its whole-net layout can be built. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "net/layout.h"
#include "net/netdesc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n) {
    char *text = malloc(n + 1);
    if (!text) return 0;
    memcpy(text, data, n);
    text[n] = 0;
    an_net *net = NULL;
    if (an_net_parse(text, "fuzz input", &net) == AN_OK) {
        char *t1 = NULL, *t2 = NULL;
        an_net *back = NULL;
        if (an_net_to_text(net, &t1) != AN_OK) fuzz_fail("to_text: %s", an_last_error());
        if (an_net_parse(t1, "canonical text", &back) != AN_OK)
            fuzz_fail("canonical text does not parse: %s\n%s", an_last_error(), t1);
        if (an_net_to_text(back, &t2) != AN_OK || strcmp(t1, t2) != 0)
            fuzz_fail("canonical text changes when parsed again:\n%s\n--\n%s", t1, t2 ? t2 : "");
        an_layout lay;
        an_status s = an_layout_whole(net, &lay);
        if (s == AN_OK) an_layout_free(&lay);
        else if (s != AN_ERR_NOMEM && s != AN_ERR_INVALID_ARG && s != AN_ERR_UNSUPPORTED)
            fuzz_fail("layout of a parsed net: status %d: %s", s, an_last_error());
        free(t1);
        free(t2);
        an_net_free(back);
        an_net_free(net);
    }
    free(text);
    return 0;
}
