/* test/fuzz/fuzz.h - what the fuzz harnesses share: libFuzzer's entry point, a scratch folder
 * for the parsers that read files, and a hard stop for a broken property.
 *
 * Each harness defines LLVMFuzzerTestOneInput. Built with -DALEXNET_FUZZ=ON (clang) it links
 * libFuzzer; in ordinary builds test/fuzz/driver.c supplies main() and replays files (the
 * checked-in regression inputs, test/fuzz/regress/TARGET/). */
#ifndef AN_TEST_FUZZ_H
#define AN_TEST_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A folder of this process's own, made on first use (under /dev/shm when there is one). */
const char *fuzz_dir(void);

/* Write data to fuzz_dir()/name and return the path (a static buffer: one per call site). */
const char *fuzz_write(const char *name, const uint8_t *data, size_t size);

/* A property the parsers promise was broken: print it and abort (libFuzzer records the input). */
void fuzz_fail(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2), noreturn))
#endif
    ;

#endif
