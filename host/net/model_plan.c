/* host/net/model_plan.c - the activations' lifetimes in the forward schedule, and (inference)
 * their packing into a few shared buffers: interval colouring, best fit first, a free slot grown
 * when none is large enough. See an_plan in model_impl.h. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/model_impl.h"

#define STEP_END LONG_MAX

typedef struct pval {
    int dev;     /* -1: no such value */
    long def, last;
    size_t floats;
    int root;    /* the value whose buffer it shares in place (itself if none) */
} pval;

int an_plan_input(const an_model *m, int di) {
    (void)m;
    return di;
}

int an_plan_value(const an_model *m, int i, int t, int gathered) {
    return m->ndev + 2 * (i * m->T + t) + (gathered ? 1 : 0);
}

void an_plan_name(const an_model *m, int k, char *buf, size_t cap) {
    if (k < m->ndev) {
        snprintf(buf, cap, "input images");
        return;
    }
    int j = k - m->ndev, i = j / 2 / m->T, t = j / 2 % m->T;
    snprintf(buf, cap, "%s.%s[tower %d]", m->net->layers[i].name, j % 2 ? "gathered input" : "out",
             t + 1);
}

/* The value holding the tensor after layer i (i = -1: the images) on tower t. */
static int out_value(const an_model *m, int i, int t) {
    return i < 0 ? an_plan_input(m, an_model_dev_of(m, t)) : an_plan_value(m, i, t, 0);
}

static long step_of(const an_model *m, int i, int t, int op) {
    return ((long)i * m->T + t) * 2 + op;
}

static int root_of(const pval *v, int k) {
    while (v[k].root != k) k = v[k].root;
    return k;
}

static void read_at(pval *v, int k, long step) {
    int r = root_of(v, k);
    if (step > v[r].last) v[r].last = step;
}

/* Lifetimes of every value. */
static void lifetimes(const an_model *m, int reuse, pval *v) {
    const an_net *net = m->net;
    size_t in_floats = (size_t)m->batch * (size_t)an_shape_count(net->input);
    for (int k = 0; k < m->ndev; k++) v[k] = (pval){k, -1, -1, in_floats, k};
    for (int i = 0; i < net->nlayers; i++) {
        const an_layer *l = &net->layers[i];
        for (int t = 0; t < m->T; t++) {
            const mtower *mt = &m->L[i].t[t];
            if (!mt->runs) continue;
            int dev = an_model_dev_of(m, t), o = an_plan_value(m, i, t, 0);
            if (mt->gathers) {
                int g = an_plan_value(m, i, t, 1);
                v[g] = (pval){dev, step_of(m, i, t, 0), step_of(m, i, t, 1), mt->gather_floats,
                              g};
                for (int u = 0; u < m->T; u++)
                    if (mt->has_link[u]) read_at(v, out_value(m, i - 1, u), step_of(m, i, t, 0));
            } else {
                read_at(v, out_value(m, i - 1, t), step_of(m, i, t, 1));
            }
            v[o] = (pval){dev, step_of(m, i, t, 1), step_of(m, i, t, 1), mt->out_floats, o};
            /* ReLU and dropout run in place; so does (launching nothing) an adaptive average
             * pool to the input's own size, the identity (alexnet-owt's avgpool at 224x224). */
            int identity = l->kind == AN_LAYER_AVGPOOL && l->pool.adaptive &&
                           l->in_tower.h == l->out_tower.h && l->in_tower.w == l->out_tower.w;
            int in_place = l->kind == AN_LAYER_RELU || l->kind == AN_LAYER_DROPOUT || identity;
            if (reuse && in_place && i > 0 && !mt->gathers && i - 1 != m->opts.keep_layer - 1) {
                int r = root_of(v, out_value(m, i - 1, t));
                if (v[r].floats == mt->out_floats) {
                    v[o].root = r;
                    read_at(v, r, v[o].def);
                }
            }
        }
    }
    /* Read after the forward: the logits (the softmax's input) and the probabilities. */
    int last = net->nlayers - 1;
    const mtower *sm = &m->L[last].t[0];
    read_at(v, an_plan_value(m, last, 0, 0), STEP_END);
    read_at(v, sm->gathers ? an_plan_value(m, last, 0, 1) : out_value(m, last - 1, 0), STEP_END);
    for (int t = 0; m->opts.keep_layer > 0 && t < m->T; t++) /* an_model_read_layer's */
        if (m->L[m->opts.keep_layer - 1].t[t].runs)
            read_at(v, an_plan_value(m, m->opts.keep_layer - 1, t, 0), STEP_END);
}

/* The largest sum of two values live at one step, per device (the lifetimes without in-place
 * sharing: the net's own tensors, whatever the packing). */
static void live_pairs(const pval *v, int nval, an_plan *p) {
    for (int a = 0; a < nval; a++) {
        if (v[a].dev < 0 || root_of(v, a) != a) continue;
        /* At the step that writes a, the values live are those with def <= v[a].def <= last. */
        size_t best = 0;
        for (int b = 0; b < nval; b++) {
            if (b == a || v[b].dev != v[a].dev || root_of(v, b) != b) continue;
            if (v[b].def <= v[a].def && v[a].def <= v[b].last && v[b].floats > best)
                best = v[b].floats;
        }
        size_t pair = v[a].floats + best;
        if (pair > p->live_pair[v[a].dev]) p->live_pair[v[a].dev] = pair;
    }
}

/* Interval colouring per device, in order of first write. */
static an_status pack(const pval *v, int nval, int reuse, an_plan *p) {
    int *order = malloc((size_t)nval * sizeof *order);
    long *busy = malloc((size_t)nval * sizeof *busy);
    p->slot_dev = malloc((size_t)nval * sizeof *p->slot_dev);
    p->slot_floats = malloc((size_t)nval * sizeof *p->slot_floats);
    p->slot_largest = malloc((size_t)nval * sizeof *p->slot_largest);
    if (!order || !busy || !p->slot_dev || !p->slot_floats || !p->slot_largest) {
        free(order);
        free(busy);
        return an_error(AN_ERR_NOMEM, "out of host memory");
    }
    int n = 0;
    for (int k = 0; k < nval; k++)
        if (v[k].dev >= 0 && root_of(v, k) == k) order[n++] = k;
    /* Insertion sort by (def, index): a few dozen values. */
    for (int a = 1; a < n; a++) {
        int k = order[a], b = a;
        while (b > 0 && v[order[b - 1]].def > v[k].def) {
            order[b] = order[b - 1];
            b--;
        }
        order[b] = k;
    }
    for (int a = 0; a < n; a++) {
        int k = order[a], pick = -1;
        for (int s = 0; reuse && s < p->nslot; s++) {
            if (p->slot_dev[s] != v[k].dev || busy[s] >= v[k].def) continue;
            if (pick < 0) {
                pick = s;
                continue;
            }
            int fits = p->slot_floats[s] >= v[k].floats;
            int pfits = p->slot_floats[pick] >= v[k].floats;
            /* A slot that fits, the smallest such; else the largest (grown the least). */
            if (fits ? !pfits || p->slot_floats[s] < p->slot_floats[pick]
                     : !pfits && p->slot_floats[s] > p->slot_floats[pick])
                pick = s;
        }
        if (pick < 0) {
            pick = p->nslot++;
            p->slot_dev[pick] = v[k].dev;
            p->slot_floats[pick] = 0;
            p->slot_largest[pick] = k;
        }
        if (v[k].floats > p->slot_floats[pick]) {
            p->slot_floats[pick] = v[k].floats;
            p->slot_largest[pick] = k;
        }
        busy[pick] = v[k].last;
        p->slot_of[k] = pick;
    }
    for (int k = 0; k < nval; k++)
        if (v[k].dev >= 0) p->slot_of[k] = p->slot_of[root_of(v, k)];
    free(order);
    free(busy);
    return AN_OK;
}

an_status an_plan_build(const an_model *m, int reuse, an_plan *p) {
    memset(p, 0, sizeof *p);
    p->nval = m->ndev + 2 * m->net->nlayers * m->T;
    pval *v = malloc((size_t)p->nval * sizeof *v);
    p->slot_of = malloc((size_t)p->nval * sizeof *p->slot_of);
    if (!v || !p->slot_of) {
        free(v);
        free(p->slot_of);
        p->slot_of = NULL;
        return an_error(AN_ERR_NOMEM, "out of host memory");
    }
    for (int k = 0; k < p->nval; k++) {
        v[k] = (pval){-1, 0, 0, 0, k};
        p->slot_of[k] = -1;
    }
    lifetimes(m, 0, v);
    live_pairs(v, p->nval, p);
    if (reuse) lifetimes(m, 1, v);
    an_status s = pack(v, p->nval, reuse, p);
    free(v);
    if (s != AN_OK) an_plan_free(p);
    return s;
}

void an_plan_free(an_plan *p) {
    free(p->slot_of);
    free(p->slot_dev);
    free(p->slot_floats);
    free(p->slot_largest);
    memset(p, 0, sizeof *p);
}
