/* host/net/layout.c - offsets of each tower's parameter slices in one flat buffer (layout.h). */
#include "net/layout.h"

#include <stdlib.h>
#include <string.h>

unsigned an_all_towers(const an_net *net) { return (1u << net->towers) - 1u; }

static size_t align_up(size_t n) {
    return (n + AN_LAYOUT_ALIGN - 1) / AN_LAYOUT_ALIGN * AN_LAYOUT_ALIGN;
}

/* Offsets of every whole tensor in the whole layout, and its total. */
static size_t whole_offsets(const an_net *net, size_t *offs) {
    size_t off = 0;
    for (int i = 0; i < net->ntensors; i++) {
        offs[i] = off;
        off = align_up(off + net->tensors[i].count);
    }
    return off;
}

an_status an_layout_build(const an_net *net, unsigned towers, an_layout *out) {
    memset(out, 0, sizeof *out);
    int T = net->towers;
    unsigned all = an_all_towers(net);
    if (towers == 0 || (towers & ~all))
        return an_error(AN_ERR_INVALID_ARG, "tower mask 0x%x does not fit net %s of %d tower%s",
                        towers, net->name, T, T == 1 ? "" : "s");
    int first = 0;
    while (!(towers & (1u << first))) first++;
    int last = first;
    while (last + 1 < T && (towers & (1u << (last + 1)))) last++;
    if (towers != (((1u << (last + 1)) - 1u) & ~((1u << first) - 1u)))
        return an_error(AN_ERR_INVALID_ARG, "tower mask 0x%x is not a run of consecutive towers",
                        towers);

    size_t *offs = malloc(((size_t)net->ntensors + 1) * sizeof *offs);
    out->e = calloc((size_t)net->ntensors + 1, sizeof *out->e);
    if (!offs || !out->e) {
        free(offs);
        free(out->e);
        out->e = NULL;
        return an_error(AN_ERR_NOMEM, "out of memory building a layout of %s", net->name);
    }
    out->whole_total = whole_offsets(net, offs);
    out->towers = towers;

    size_t off = 0;
    for (int i = 0; i < net->ntensors; i++) {
        const an_tensor *t = &net->tensors[i];
        const an_layer *L = &net->layers[t->layer];
        int rows = t->dims[0], begin, count;
        if (L->tower == 0) { /* on all towers: each holds rows/T */
            int per = rows / T;
            begin = first * per;
            count = (last - first + 1) * per;
        } else if (towers & (1u << (L->tower - 1))) {
            begin = 0;
            count = rows;
        } else {
            continue;
        }
        an_layout_entry *e = &out->e[out->n++];
        e->tensor = i;
        e->name = t->name;
        e->offset = off;
        e->row_begin = begin;
        e->row_count = count;
        e->row_size = t->row_size;
        e->count = (size_t)count * t->row_size;
        e->whole_offset = offs[i];
        e->ndim = t->ndim;
        memcpy(e->dims, t->dims, sizeof e->dims);
        e->dims[0] = count;
        out->params += e->count;
        off = align_up(off + e->count);
    }
    out->total = off;
    free(offs);
    return AN_OK;
}

an_status an_layout_whole(const an_net *net, an_layout *out) {
    return an_layout_build(net, an_all_towers(net), out);
}

void an_layout_free(an_layout *l) {
    free(l->e);
    memset(l, 0, sizeof *l);
}

const an_layout_entry *an_layout_find(const an_layout *l, const char *name) {
    for (int i = 0; i < l->n; i++)
        if (strcmp(l->e[i].name, name) == 0) return &l->e[i];
    return NULL;
}

void an_layout_cut(const an_layout *l, const float *whole, float *part) {
    memset(part, 0, l->total * sizeof *part);
    for (int i = 0; i < l->n; i++) {
        const an_layout_entry *e = &l->e[i];
        memcpy(part + e->offset, whole + e->whole_offset + (size_t)e->row_begin * e->row_size,
               e->count * sizeof *part);
    }
}

void an_layout_paste(const an_layout *l, const float *part, float *whole) {
    for (int i = 0; i < l->n; i++) {
        const an_layout_entry *e = &l->e[i];
        memcpy(whole + e->whole_offset + (size_t)e->row_begin * e->row_size, part + e->offset,
               e->count * sizeof *part);
    }
}
