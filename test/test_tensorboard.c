/* test/test_tensorboard.c - TensorBoard event files (host/train/tensorboard.h): CRC-32C's check
 * value, an Event's bytes against ones encoded by hand from the protobuf rules, a written file
 * read back (every tag, step, value and time, the file_version first), and a flipped byte, a
 * flipped length and a truncated file refused with a message naming the byte.
 * `test_tensorboard --dump FILE` prints a file's scalars as "tag,step,value" lines (used by
 * test_finetune.sh against iterations.csv). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "train/tensorboard.h"
#include "util/crc32.h"

static int dump(void *ctx, const char *tag, int64_t step, float value, double wall) {
    (void)ctx;
    (void)wall;
    printf("%s,%lld,%.9g\n", tag, (long long)step, (double)value);
    return 0;
}

typedef struct got {
    int n;
    char tag[8][32];
    int64_t step[8];
    float value[8];
    double wall[8];
} got;

static int collect(void *ctx, const char *tag, int64_t step, float value, double wall) {
    got *g = ctx;
    if (g->n < 8) {
        snprintf(g->tag[g->n], sizeof g->tag[0], "%s", tag);
        g->step[g->n] = step;
        g->value[g->n] = value;
        g->wall[g->n] = wall;
    }
    g->n++;
    return 0;
}

static void flip(const char *p, long at) {
    FILE *f = fopen(p, "r+b");
    fseek(f, at, SEEK_SET);
    int c = fgetc(f);
    fseek(f, at, SEEK_SET);
    fputc(c ^ 0x10, f);
    fclose(f);
}

int main(int argc, char **argv) {
    if (argc == 3 && strcmp(argv[1], "--dump") == 0) {
        an_status s = an_tb_read(argv[2], dump, NULL, NULL);
        if (s != AN_OK) fprintf(stderr, "%s\n", an_last_error());
        return s == AN_OK ? 0 : 1;
    }
    CHECK(an_crc32c(0, "123456789", 9) == 0xE3069283u, "CRC-32C check value: %08x",
          an_crc32c(0, "123456789", 9));

    char dir[] = "/tmp/an_tb_XXXXXX";
    CHECK(mkdtemp(dir) != NULL, "mkdtemp");
    an_tb_writer w;
    CHECK_OK(an_tb_open(&w, dir));
    CHECK(strstr(w.path, "/events.out.tfevents.") != NULL, "file name %s", w.path);
    /* By hand: Value{tag "a" (0a 01 61), simple_value 1.0f (15 00 00 80 3f)} inside Summary
     * {value (0a 08 ...)} inside Event{wall_time 0.0 (09 + 8 zero bytes), step 1 (10 01),
     * summary (2a 0a ...)}. */
    static const uint8_t event[23] = {0x09, 0, 0, 0, 0, 0, 0, 0, 0, 0x10, 0x01, 0x2a, 0x0a,
                                      0x0a, 0x08, 0x0a, 0x01, 'a', 0x15, 0x00, 0x00, 0x80, 0x3f};
    long before = check_file_size(w.path);
    CHECK_OK(an_tb_scalar(&w, "a", 1, 1.0f, 0.0));
    CHECK_OK(an_tb_scalar(&w, "train/loss", 300, 0.125f, 1.7e9 + 0.25));
    CHECK_OK(an_tb_scalar(&w, "val/top1_err", 1LL << 40, -3.5f, 1.7e9 + 1));
    an_tb_close(&w);
    FILE *f = fopen(w.path, "rb");
    uint8_t rec[12 + 23 + 4];
    fseek(f, before, SEEK_SET);
    CHECK(fread(rec, 1, sizeof rec, f) == sizeof rec, "the first scalar's record");
    fclose(f);
    uint64_t len;
    memcpy(&len, rec, 8);
    CHECK(len == 23 && memcmp(rec + 12, event, 23) == 0, "the Event's bytes (length %llu)",
          (unsigned long long)len);
    uint32_t c1, c2;
    memcpy(&c1, rec + 8, 4);
    memcpy(&c2, rec + 35, 4);
    uint32_t want1 = an_crc32c(0, rec, 8), want2 = an_crc32c(0, event, 23);
    CHECK(c1 == ((want1 >> 15 | want1 << 17) + 0xa282ead8u) &&
          c2 == ((want2 >> 15 | want2 << 17) + 0xa282ead8u), "masked CRCs");

    got g = {0};
    char version[64];
    CHECK_OK(an_tb_read(w.path, collect, &g, version));
    CHECK(strcmp(version, "brain.Event:2") == 0, "file_version '%s'", version);
    CHECK(g.n == 3 && strcmp(g.tag[1], "train/loss") == 0 && g.step[1] == 300 &&
          g.value[1] == 0.125f && g.wall[1] == 1.7e9 + 0.25 &&
          strcmp(g.tag[2], "val/top1_err") == 0 && g.step[2] == 1LL << 40 &&
          g.value[2] == -3.5f && g.wall[0] == 0.0,
          "scalars read back: %d", g.n);

    long size = check_file_size(w.path);
    flip(w.path, size - 8);
    an_status s = an_tb_read(w.path, collect, &g, NULL);
    CHECK(s == AN_ERR_FORMAT && strstr(an_last_error(), "bad data CRC"), "a flipped data byte: %s",
          an_last_error());
    flip(w.path, size - 8);
    flip(w.path, before + 1);
    s = an_tb_read(w.path, collect, &g, NULL);
    CHECK(s == AN_ERR_FORMAT && strstr(an_last_error(), "bad length CRC"),
          "a flipped length byte: %s", an_last_error());
    flip(w.path, before + 1);
    CHECK(truncate(w.path, size - 3) == 0, "truncate");
    s = an_tb_read(w.path, collect, &g, NULL);
    CHECK(s == AN_ERR_FORMAT && strstr(an_last_error(), "truncated"), "a truncated file: %s",
          an_last_error());
    unlink(w.path);
    rmdir(dir);
    return check_done("test_tensorboard");
}
