/* host/net/layout.h - where each parameter tensor lives in one flat float buffer per device.
 *
 * A layout is built for a set of towers (a bit mask: bit t-1 for tower t). A device that runs
 * towers {t} holds, for every conv/fc tensor, the rows (output channels or units) those towers
 * compute: for a layer on all T towers, tower t holds rows [(t-1)·R/T, t·R/T) of the whole
 * tensor (R = dims[0]); for a layer placed on one tower, that tower holds all rows and the others
 * none. Because rows are the first dimension, every held part is one contiguous slice of the
 * whole tensor: conv1.weight for tower 2 of alexnet is rows 48..95 ([48][3][11][11]); conv3
 * (input=cross) for tower t is rows [192(t-1), 192t) over all 256 input channels; fc6 rows
 * [2048(t-1), 2048t) over all 9216 inputs.
 *
 * The layout of all towers (an_layout_whole) holds every tensor whole, in the net's tensor order:
 * that is the host buffer that init, weights files and the one-device executor use. Parameters,
 * gradients and momentum of a device all use the device's one layout, so an optimiser step is a
 * single loop over `total` floats (padding floats between tensors are kept at zero).
 *
 * Every tensor starts at a multiple of AN_LAYOUT_ALIGN floats (64 bytes), for vector loads. */
#ifndef AN_NET_LAYOUT_H
#define AN_NET_LAYOUT_H

#include <stddef.h>

#include "net/netdesc.h"

#define AN_LAYOUT_ALIGN 16 /* floats */

typedef struct an_layout_entry {
    int tensor;          /* index into net->tensors */
    const char *name;    /* net->tensors[tensor].name ("conv1.weight"): valid while the net is */
    size_t offset;       /* first float of the held part in this layout's buffer */
    size_t count;        /* floats held: row_count × row_size */
    int row_begin;       /* the held rows of the whole tensor: [row_begin, row_begin+row_count) */
    int row_count;
    size_t row_size;     /* floats per row (product of dims[1..]) */
    size_t whole_offset; /* where the whole tensor starts in the whole layout's buffer */
    int ndim;
    int dims[4];         /* shape of the held part: dims[0] = row_count, the rest as the whole */
} an_layout_entry;

typedef struct an_layout {
    unsigned towers;         /* the tower mask it was built for */
    int n;                   /* entries, in net tensor order (tensors not held are left out) */
    an_layout_entry *e;
    size_t total;            /* floats to allocate, padding included */
    size_t params;           /* parameters held (total less padding) */
    size_t whole_total;      /* `total` of the whole layout, for cutting and pasting */
} an_layout;

/* The mask of all of a net's towers: (1 << towers) - 1. */
unsigned an_all_towers(const an_net *net);

/* Build the layout of the towers in `towers`, which must be a non-empty run of consecutive
 * towers of the net (one tower, or all of them for T = 2). */
an_status an_layout_build(const an_net *net, unsigned towers, an_layout *out);

/* The layout of all towers: every tensor whole. */
an_status an_layout_whole(const an_net *net, an_layout *out);

void an_layout_free(an_layout *l);

/* The entry of a tensor by name ("fc6.weight"), NULL when this layout does not hold it. */
const an_layout_entry *an_layout_find(const an_layout *l, const char *name);

/* Copy this layout's parts out of a whole-layout buffer (whole has l->whole_total floats;
 * part gets l->total, padding zeroed), and back: paste writes only the held slices. */
void an_layout_cut(const an_layout *l, const float *whole, float *part);
void an_layout_paste(const an_layout *l, const float *part, float *whole);

#endif
