/* host/train/finetune.c - starting a run from a weights file: the net, the tensors copied by
 * name and shape, the per-layer learning-rate multipliers and frozen layers. */
#include "train/finetune.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/weights.h"

an_status an_finetune_net(const char *init, const char *net_spec, an_net **out) {
    *out = NULL;
    if (net_spec && *net_spec) return an_net_load(net_spec, out);
    an_status s = an_net_from_weights(init, out);
    return s == AN_OK ? s : an_error_context(s, "--init %s: ", init);
}

static int has_params(const an_layer *l) {
    return l->kind == AN_LAYER_CONV || l->kind == AN_LAYER_FC;
}

static void param_layers(const an_net *net, char *buf, size_t n) {
    buf[0] = 0;
    for (int i = 0; i < net->nlayers; i++) {
        if (!has_params(&net->layers[i])) continue;
        size_t len = strlen(buf);
        snprintf(buf + len, n - len, "%s%s", len ? ", " : "", net->layers[i].name);
    }
}

static an_status find_param_layer(const an_net *net, const char *opt, const char *name, int *li) {
    char list[512];
    *li = an_net_find_layer(net, name);
    if (*li >= 0 && has_params(&net->layers[*li])) return AN_OK;
    param_layers(net, list, sizeof list);
    return an_error(AN_ERR_INVALID_ARG, "%s: net %s has no %s named '%s' (layers with "
                    "parameters: %s)", opt, net->name, *li >= 0 ? "conv or fc layer" : "layer",
                    name, list);
}

/* Each item of a comma-separated list, copied into item (NUL-terminated); returns the rest. */
static const char *next_item(const char *p, char *item, size_t n) {
    size_t len = strcspn(p, ",");
    snprintf(item, n, "%.*s", (int)(len < n ? len : n - 1), p);
    return p[len] == ',' ? p + len + 1 : p + len;
}

an_status an_finetune_mults(const an_net *net, const char *lr_mult, const char *freeze,
                            float **out) {
    *out = NULL;
    int has_mult = lr_mult && *lr_mult, has_freeze = freeze && *freeze;
    if (!has_mult && !has_freeze) return AN_OK;
    float *m = malloc((size_t)net->nlayers * sizeof *m);
    if (!m) return an_error(AN_ERR_NOMEM, "out of host memory");
    for (int i = 0; i < net->nlayers; i++) m[i] = 1;
    an_status s = AN_OK;
    char item[128];
    for (const char *p = has_mult ? lr_mult : ""; s == AN_OK && *p;) {
        p = next_item(p, item, sizeof item);
        char *eq = strchr(item, '=');
        char *end = NULL;
        double x = 0;
        if (eq) {
            errno = 0;
            x = strtod(eq + 1, &end);
        }
        if (!eq || !end || end == eq + 1 || *end || errno || !isfinite(x) || x < 0 || x > 1e6) {
            s = an_error(AN_ERR_INVALID_ARG, "--lr-mult: '%s' is not LAYER=MULT with MULT a "
                         "number >= 0 (e.g. fc8=10)", item);
            break;
        }
        *eq = 0;
        int li;
        if ((s = find_param_layer(net, "--lr-mult", item, &li)) == AN_OK) m[li] = (float)x;
    }
    for (const char *p = has_freeze ? freeze : ""; s == AN_OK && *p;) {
        p = next_item(p, item, sizeof item);
        int li;
        if ((s = find_param_layer(net, "--freeze", item, &li)) == AN_OK) m[li] = 0;
    }
    int learning = 0;
    for (int i = 0; i < net->nlayers; i++) learning += has_params(&net->layers[i]) && m[i] != 0;
    if (s == AN_OK && !learning)
        s = an_error(AN_ERR_INVALID_ARG, "--freeze/--lr-mult leave no layer of %s that learns",
                     net->name);
    if (s != AN_OK) {
        free(m);
        return s;
    }
    *out = m;
    return AN_OK;
}

void an_finetune_describe(const an_net *net, const float *mult, char *buf, size_t n) {
    buf[0] = 0;
    if (!mult) return;
    char frozen[512] = "", other[512] = "";
    for (int i = 0; i < net->nlayers; i++) {
        if (!has_params(&net->layers[i]) || mult[i] == 1) continue;
        char *dst = mult[i] == 0 ? frozen : other;
        size_t len = strlen(dst);
        if (mult[i] == 0)
            snprintf(dst + len, sizeof frozen - len, " %s", net->layers[i].name);
        else
            snprintf(dst + len, sizeof other - len, " %s x%g", net->layers[i].name,
                     (double)mult[i]);
    }
    snprintf(buf, n, "%s%s%s%s%s", frozen[0] ? "frozen (no update, no gradient):" : "", frozen,
             frozen[0] && other[0] ? "; " : "", other[0] ? "learning-rate multipliers:" : "",
             other);
}

static void dims_str(const int *dims, int nd, char *buf, size_t n) {
    buf[0] = 0;
    for (int d = 0; d < nd; d++) {
        size_t len = strlen(buf);
        snprintf(buf + len, n - len, "%s%d", d ? "x" : "", dims[d]);
    }
}

/* Copy the file's tensors into whole (the model's whole layout) where names and shapes agree;
 * name the rest in report. */
static an_status copy_matching(const an_net *net, const an_layout *lay, float *whole,
                               const an_net *fnet, const an_layout *flay, const float *fwhole,
                               const char *path, char *report, size_t n) {
    char fresh[1024] = "";
    int copied = 0, last_fresh = -1;
    for (int j = 0; j < net->ntensors; j++) {
        const an_tensor *t = &net->tensors[j];
        const an_layout_entry *e = an_layout_find(lay, t->name);
        int fj = an_net_find_tensor(fnet, t->name);
        const an_layout_entry *fe = fj >= 0 ? an_layout_find(flay, t->name) : NULL;
        int same = fe && fnet->tensors[fj].ndim == t->ndim &&
                   memcmp(fnet->tensors[fj].dims, t->dims, (size_t)t->ndim * sizeof(int)) == 0;
        if (e && same) {
            memcpy(whole + e->offset, fwhole + fe->offset, t->count * sizeof(float));
            copied++;
            continue;
        }
        if (t->layer == last_fresh) continue;
        last_fresh = t->layer;
        char a[64], b[64];
        size_t len = strlen(fresh);
        dims_str(t->dims, t->ndim, b, sizeof b);
        if (fe) {
            dims_str(fnet->tensors[fj].dims, fnet->tensors[fj].ndim, a, sizeof a);
            snprintf(fresh + len, sizeof fresh - len, "%s%s (%s %s in the file, %s here)",
                     len ? ", " : "", net->layers[t->layer].name, t->name, a, b);
        } else {
            snprintf(fresh + len, sizeof fresh - len, "%s%s (%s not in the file)",
                     len ? ", " : "", net->layers[t->layer].name, t->name);
        }
    }
    if (!copied)
        return an_error(AN_ERR_FORMAT, "--init %s: none of its tensors (net %s) has the name "
                        "and shape of one of net %s's: it is for another net", path, fnet->name,
                        net->name);
    snprintf(report, n, "fine-tuning from %s (net %s): %d of %d tensors copied; initialised "
             "afresh: %s", path, fnet->name, copied, net->ntensors, fresh[0] ? fresh : "none");
    return AN_OK;
}

an_status an_finetune_init(an_model *m, const an_net *net, const char *path, uint64_t seed,
                           char *report, size_t n) {
    AN_TRY(an_model_init(m, seed));
    size_t W = an_model_whole_floats(m);
    float *whole = malloc(W * sizeof *whole), *fwhole = NULL;
    an_net *fnet = NULL;
    an_layout flay;
    memset(&flay, 0, sizeof flay);
    an_status s = whole ? AN_OK : an_error(AN_ERR_NOMEM, "out of host memory");
    if (s == AN_OK) s = an_model_get_params(m, whole);
    if (s == AN_OK) s = an_net_from_weights(path, &fnet);
    if (s == AN_OK) s = an_layout_whole(fnet, &flay);
    if (s == AN_OK && !(fwhole = malloc(flay.total * sizeof *fwhole)))
        s = an_error(AN_ERR_NOMEM, "out of host memory for %s", path);
    if (s == AN_OK) s = an_weights_load(path, fnet, fwhole, NULL);
    if (s == AN_OK)
        s = copy_matching(net, an_model_whole_layout(m), whole, fnet, &flay, fwhole, path, report,
                          n);
    if (s == AN_OK) s = an_model_set_params(m, whole);
    an_layout_free(&flay);
    an_net_free(fnet);
    free(fwhole);
    free(whole);
    return s;
}
