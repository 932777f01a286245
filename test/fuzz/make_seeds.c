/* test/fuzz/make_seeds.c - seed corpora for the fuzz harnesses, made with the project's own
 * writers: weights files of a tiny one-tower net (below) and of the two-tower test net (NETFILE,
 * test/fixtures/model_features.net), a checkpoint of the tiny net (small seeds keep executions
 * fast), and the shards, index.bin and stats.bin of `prepare` run on a tree from
 * tools/make_jpeg_cases.py (with one bad file, so that the bad-file list is not empty), stored raw
 * and as JPEG.
 *
 * usage: make_seeds OUTDIR NETFILE CASES_TREE
 * writes OUTDIR/{weights,ckpt,shard,index,stats}/... (the switch byte of the weights and
 * checkpoint harnesses first: 0x01, checksums repaired, and 0x00). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/prepare.h"
#include "data/shard.h"
#include "net/layout.h"
#include "net/netdesc.h"
#include "net/weights.h"
#include "train/checkpoint.h"
#include "util/mkdir_p.h"

static int fail(const char *what) {
    fprintf(stderr, "make_seeds: %s: %s\n", what, an_last_error());
    return 1;
}

/* Copy src to dst, with a switch byte first when sw >= 0. */
static int copy(const char *src, const char *dst, int sw) {
    FILE *in = fopen(src, "rb"), *out = fopen(dst, "wb");
    int ok = in && out;
    if (ok && sw >= 0) ok = fputc(sw, out) != EOF;
    char buf[65536];
    size_t n;
    while (ok && (n = fread(buf, 1, sizeof buf, in)) > 0) ok = fwrite(buf, 1, n, out) == n;
    if (in) fclose(in);
    if (out && fclose(out) != 0) ok = 0;
    if (!ok) fprintf(stderr, "make_seeds: cannot copy %s to %s\n", src, dst);
    return ok ? 0 : 1;
}

static int prepared(const char *out, const char *tree, const char *name, int encoding) {
    char dst[4096], p[4096], q[4096];
    snprintf(dst, sizeof dst, "%s/prepared-%s", out, name);
    an_prepare_opts o;
    an_prepare_defaults(&o);
    o.src = tree;
    o.dst = dst;
    o.size = 16;
    o.threads = 1;
    o.encoding = encoding;
    o.shard_images = 4;
    an_prepare_report r;
    if (an_prepare(&o, &r) != AN_OK) return fail("prepare");
    int bad = 0;
    for (size_t k = 0; k < r.shards; k++) {
        an_shard_path(p, sizeof p, dst, (uint32_t)k);
        snprintf(q, sizeof q, "%s/shard/%s-%zu.bin", out, name, k);
        bad |= copy(p, q, -1);
    }
    an_prepare_report_free(&r);
    snprintf(p, sizeof p, "%s/index.bin", dst);
    snprintf(q, sizeof q, "%s/index/%s.bin", out, name);
    bad |= copy(p, q, -1);
    snprintf(p, sizeof p, "%s/stats.bin", dst);
    snprintf(q, sizeof q, "%s/stats/%s.bin", out, name);
    bad |= copy(p, q, -1);
    return bad;
}

static const char tiny_net[] = "net name=tiny classes=3\n"
                               "input channels=1 size=6\n"
                               "conv name=c1 out=2 k=3\n"
                               "relu name=r1\n"
                               "maxpool name=p1 k=2 stride=2\n"
                               "fc name=f2 out=3\n"
                               "softmax name=prob\n";

/* Weights (and, with ckpt, a checkpoint) of net with made-up parameters; name tells the seeds
 * apart. */
static int net_seeds(const char *out, const an_net *net, const char *name, int ckpt) {
    char p[4096], q[4096];
    an_layout lay;
    if (an_layout_whole(net, &lay) != AN_OK) return fail("layout");
    float *whole = calloc(lay.whole_total + 1, sizeof *whole);
    if (!whole) return 1;
    for (size_t i = 0; i < lay.whole_total; i++) whole[i] = (float)((int)(i % 17) - 8) / 16.0f;
    snprintf(p, sizeof p, "%s/%s.anw", out, name);
    if (an_weights_save(p, net, whole) != AN_OK) return fail("weights");
    int bad = 0;
    snprintf(q, sizeof q, "%s/weights/%s-fixed.bin", out, name);
    bad |= copy(p, q, 1);
    snprintf(q, sizeof q, "%s/weights/%s-raw.bin", out, name);
    bad |= copy(p, q, 0);
    char *text;
    if (ckpt) {
        if (an_net_to_text(net, &text) != AN_OK) return fail("net text");
        snprintf(p, sizeof p, "%s/%s.ckpt", out, name);
        const char *kv = "iteration=120\nepoch=3\nnet=tiny\nlr=0.01\nseed=7\n";
        if (an_ckpt_save(p, kv, text, lay.whole_total, whole, whole) != AN_OK) return fail("ckpt");
        snprintf(q, sizeof q, "%s/ckpt/%s-fixed.bin", out, name);
        bad |= copy(p, q, 1);
        snprintf(q, sizeof q, "%s/ckpt/%s-raw.bin", out, name);
        bad |= copy(p, q, 0);
        free(text);
    }
    free(whole);
    an_layout_free(&lay);
    return bad;
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: make_seeds OUTDIR NETFILE CASES_TREE\n");
        return 2;
    }
    const char *out = argv[1];
    char p[4096];
    const char *sub[] = {"weights", "ckpt", "shard", "index", "stats"};
    for (int i = 0; i < 5; i++) {
        snprintf(p, sizeof p, "%s/%s", out, sub[i]);
        if (an_mkdir_p(p) != AN_OK) return fail("mkdir");
    }
    an_net *net, *tiny;
    if (an_net_load(argv[2], &net) != AN_OK) return fail(argv[2]);
    if (an_net_parse(tiny_net, "tiny seed net", &tiny) != AN_OK) return fail("tiny net");
    int bad = net_seeds(out, tiny, "tiny", 1);
    bad |= net_seeds(out, net, "features", 0);
    an_net_free(tiny);
    an_net_free(net);

    bad |= prepared(out, argv[3], "raw", AN_ENC_RAW);
    bad |= prepared(out, argv[3], "jpeg", AN_ENC_JPEG);
    return bad;
}
