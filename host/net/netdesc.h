/* host/net/netdesc.h - a network described as text: its layers in order, their towers, and the
 * shapes, parameter counts and costs that shape inference gives them.
 *
 * The format (docs/NETS.md) is line-based: `net`, `input`, `preprocess` and `class` lines, then
 * one line per layer (`conv name=conv1 out=96 k=11 stride=4`). Layers form a chain: each takes
 * the previous layer's output (the first takes the image). A `fc` after an image-shaped tensor
 * flattens it C×H×W in that order.
 *
 * Towers. A net has T towers (1 or 2 for the paper's two-GPU net; up to AN_MAX_TOWERS). Every
 * tensor between layers is distributed over the towers in one of three ways (an_dist):
 *   SPLIT - tower t (0-based) holds channels [t·C/T, (t+1)·C/T): the output of a layer that runs
 *           on all towers, each computing out/T of its channels (conv1 → 48 + 48);
 *   ALL   - every tower holds the whole tensor (the input image);
 *   ONE   - only tower `tower` (1-based) holds it: the output of a layer placed on one tower.
 * A conv or fc layer reads its input as `own` (each tower only the channels it holds: the paper's
 * conv2, conv4, conv5) or `cross` (each tower the whole input, gathered from all towers: conv3,
 * fc6, fc7, fc8). relu, lrn, pooling, dropout and softmax work on whatever each tower holds and
 * keep the distribution (LRN's window never crosses a tower boundary).
 *
 * Whole-net view. The same net on one device is an ordinary chain whose conv/fc layers have
 * `conv.groups_whole` groups (an own-input layer on T towers is T× grouped) and whose LRN layers
 * normalise `lrn.groups` independent channel blocks. Parameter tensors are always described whole
 * (conv weight [out][in/groups_whole][k][k], fc weight [out][in/groups_whole], bias [out]); tower t
 * of a layer on all towers holds rows [t·out/T, (t+1)·out/T) of each (see layout.h).
 *
 * Everything here is plain data on the host: no OpenCL. */
#ifndef AN_NET_NETDESC_H
#define AN_NET_NETDESC_H

#include <stddef.h>

#include "alexnet/status.h"
#include "util/lrn_convention.h"

#define AN_NAME_MAX 32          /* a layer or net name, with its terminating NUL */
#define AN_TENSOR_NAME_MAX 48   /* "conv1.weight" */
#define AN_MAX_TOWERS 8
#define AN_MAX_INPUT_CHANNELS 16

typedef enum {
    AN_LAYER_CONV,    /* convolution (+ bias) */
    AN_LAYER_FC,      /* fully connected (+ bias); flattens an image-shaped input */
    AN_LAYER_RELU,
    AN_LAYER_LRN,     /* local response normalisation across channels */
    AN_LAYER_MAXPOOL,
    AN_LAYER_AVGPOOL, /* fixed window, or adaptive to a given output size (torchvision) */
    AN_LAYER_DROPOUT,
    AN_LAYER_SOFTMAX  /* over channels; only as the last layer */
} an_layer_kind;


typedef enum { AN_INPUT_OWN, AN_INPUT_CROSS } an_input_mode;

typedef enum { AN_DIST_SPLIT, AN_DIST_ALL, AN_DIST_ONE } an_dist_kind;

typedef struct an_dist {
    an_dist_kind kind;
    int tower; /* AN_DIST_ONE: the tower (1-based) that holds the tensor; 0 otherwise */
} an_dist;

/* A tensor's shape per image: channels, height, width. A vector (fc output) is c×1×1. */
typedef struct an_shape {
    int c, h, w;
} an_shape;

static inline long long an_shape_count(an_shape s) { return (long long)s.c * s.h * s.w; }

/* The most classes a net may have (its last layer's outputs), as `classes=` accepts. */
#define AN_MAX_CLASSES (1 << 24)

/* conv and fc. An fc layer has ksize = 1, stride = 1, pad = 0 and sees its input flattened to a
 * vector (in.c = C·H·W of the previous output, in.h = in.w = 1). */
typedef struct an_conv_params {
    int out;          /* output channels, whole net */
    int ksize;        /* square kernel */
    int stride, pad;
    int groups;       /* as written: groups within the input that one tower reads */
    int groups_whole; /* groups of the equivalent one-device op (groups × T for own input on T
                         split towers, else groups) */
    int in_per_group; /* input channels each output channel sees: in.c / groups_whole */
    double init_std;  /* weights ~ N(0, init_std²) */
    double init_bias; /* biases = init_bias */
} an_conv_params;

typedef struct an_layer_lrn {
    int size;             /* n: the window, odd */
    double alpha, beta, k;
    an_lrn_convention convention; /* the net's */
    int groups;           /* independent channel blocks in the whole-net view (T for a split
                             input, else 1): the window never crosses a block boundary */
} an_layer_lrn;

typedef struct an_layer_pool {
    int ksize, stride, pad; /* window (square); 0 for an adaptive pool */
    int adaptive;           /* avgpool only: the output size is given (out_size × out_size) and
                               output i averages input [floor(i·In/Out), ceil((i+1)·In/Out)), as
                               PyTorch's AdaptiveAvgPool2d */
    int out_size;
} an_layer_pool;

typedef struct an_layer {
    an_layer_kind kind;
    char name[AN_NAME_MAX];
    int line;            /* line of the description it came from (0 if built by code) */

    /* Placement. */
    int tower;           /* 0: on all towers (each computes its share); k ≥ 1: on tower k only */
    an_input_mode input; /* conv, fc: own or cross (others: own) */
    an_dist in_dist, out_dist;

    /* Shapes per image. in/out are the whole net's; in_tower is what one tower that runs the
     * layer reads (for a cross-input layer the whole input), out_tower what it produces. */
    an_shape in, out, in_tower, out_tower;

    an_conv_params conv; /* AN_LAYER_CONV, AN_LAYER_FC */
    an_layer_lrn lrn;   /* AN_LAYER_LRN */
    an_layer_pool pool; /* AN_LAYER_MAXPOOL, AN_LAYER_AVGPOOL */
    double dropout_p;    /* AN_LAYER_DROPOUT: probability of dropping a unit in training */

    int weight, bias;    /* indexes into an_net.tensors, -1 if none */
    long long params;    /* parameters, whole net */
    long long macs;      /* multiply-adds per image forward, whole net (conv and fc only) */
    long long macs_tower;/* the same for one tower that runs the layer */
} an_layer;

/* A parameter tensor, whole. Row = first dimension (an output channel or unit). */
typedef struct an_tensor {
    char name[AN_TENSOR_NAME_MAX]; /* "<layer>.weight" or "<layer>.bias" */
    int layer;                     /* index into an_net.layers */
    int is_bias;
    int ndim;                      /* 4 conv weight, 2 fc weight, 1 bias */
    int dims[4];
    size_t count;                  /* product of dims */
    size_t row_size;               /* count / dims[0] */
} an_tensor;

/* How a pixel becomes an input value: x = (p/255 · range − mean[c]) / std[c] for a byte p,
 * channel c (order: which colour is channel 0). mean and std hold 1 value (all channels) or
 * one per input channel. */
typedef struct an_preproc {
    double range;     /* 255 (Caffe, the paper) or 1 (torchvision) */
    int nmean, nstd;
    double mean[AN_MAX_INPUT_CHANNELS], std[AN_MAX_INPUT_CHANNELS];
    char order[8];    /* "rgb" or "bgr" for 3 channels; "grey" for 1; "" otherwise */
} an_preproc;

static inline double an_preproc_mean(const an_preproc *p, int c) {
    return p->nmean == 1 ? p->mean[0] : p->mean[c];
}
static inline double an_preproc_std(const an_preproc *p, int c) {
    return p->nstd == 1 ? p->std[0] : p->std[c];
}

typedef struct an_net {
    char name[AN_NAME_MAX];
    char source[256];    /* "built-in alexnet" or the file's path (for messages) */
    int towers;          /* T */
    an_lrn_convention lrn;
    an_shape input;
    an_preproc pre;
    int classes;         /* the last layer's output count */
    int nclass_names;    /* 0, or classes */
    char **class_names;

    int nlayers;
    an_layer *layers;
    int ntensors;        /* in layer order, weight then bias: the order of weights files */
    an_tensor *tensors;

    long long params;    /* totals over the whole net */
    long long macs;
    long long neurons;   /* outputs of the conv and fc layers per image */
} an_net;

/* Parse a description. source names it in messages ("nets/x.net", "built-in alexnet").
 * An error names the line and the problem, or the layer whose shapes do not fit. */
an_status an_net_parse(const char *text, const char *source, an_net **out);

/* A built-in net by name ("alexnet", "caffenet", "alexnet-owt", "alexnet-small") or a
 * description file by path. A trailing ":key=value,..." changes the input (keys channels, size,
 * height, width) or the class count (classes): "alexnet-small:channels=3,size=32,classes=2". */
an_status an_net_load(const char *name_or_path, an_net **out);

/* Give the net another input (0 keeps a value) and infer all shapes again. On failure (a shape
 * that no longer fits) the net is left as it was. */
an_status an_net_set_input(an_net *net, int channels, int height, int width);

/* Give the net `classes` outputs: its last conv or fc layer is resized (moved to tower 1 when
 * the towers cannot share them evenly) and the class names are dropped. */
an_status an_net_set_classes(an_net *net, int classes);

/* Replace the class names (n must be 0 or net->classes); names are copied. */
an_status an_net_set_class_names(an_net *net, int n, const char *const *names);

/* The description as canonical text (parses back to the same net). *text is malloc'ed. */
an_status an_net_to_text(const an_net *net, char **text);

void an_net_free(an_net *net);

/* Index of a layer or tensor by name, -1 if none. */
int an_net_find_layer(const an_net *net, const char *name);
int an_net_find_tensor(const an_net *net, const char *name);

/* "conv", "fc", "relu", "lrn", "maxpool", "avgpool", "dropout", "softmax". */
const char *an_layer_kind_name(an_layer_kind k);
const char *an_lrn_convention_name(an_lrn_convention c); /* "paper", "caffe" */
const char *an_dist_name(an_dist d, char *buf, size_t n); /* "split", "all", "tower 2" */

/* Built-in descriptions, nets/<name>.net embedded at build time (cmake/EmbedNets.cmake): a
 * NULL-terminated list of names, and the text of one (NULL if there is no such built-in). */
const char *const *an_builtin_net_names(void);
const char *an_builtin_net_text(const char *name);

#endif
