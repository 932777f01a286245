/* host/net/netparse.c - read a net description (docs/NETS.md) line by line into an an_net, and
 * find a net by built-in name or file path (with ":key=value" input overrides). Errors name the
 * line and the problem. Shape inference (netdesc.c) runs on the result. */
#include "net/netdesc.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "net/netdesc_impl.h"
#include "util/try.h"

/* ---- the parser ------------------------------------------------------------------------- */

#define MAX_KV 24

typedef struct kv {
    char key[32];
    const char *val; /* into the line buffer */
} kv;

typedef struct line_ctx {
    const an_net *net;
    int line;
    const char *keyword;
    kv kv[MAX_KV];
    int nkv;
} line_ctx;

static an_status line_err(const line_ctx *c, const char *fmt, ...) PRINTF_LIKE(2, 3);

static an_status line_err(const line_ctx *c, const char *fmt, ...) {
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return an_error(AN_ERR_FORMAT, "%s:%d: %s: %s", c->net->source, c->line, c->keyword, msg);
}

static const char *get(const line_ctx *c, const char *key) {
    for (int i = 0; i < c->nkv; i++)
        if (strcmp(c->kv[i].key, key) == 0) return c->kv[i].val;
    return NULL;
}

static an_status get_int(const line_ctx *c, const char *key, int required, int def, int lo, int hi,
                         int *out) {
    const char *v = get(c, key);
    if (!v) {
        if (required) return line_err(c, "missing %s=", key);
        *out = def;
        return AN_OK;
    }
    char *end;
    errno = 0;
    long x = strtol(v, &end, 10);
    if (end == v || *end || errno)
        return line_err(c, "%s=%s is not an integer", key, v);
    if (x < lo || x > hi) return line_err(c, "%s=%ld is out of range [%d, %d]", key, x, lo, hi);
    *out = (int)x;
    return AN_OK;
}

static an_status parse_double(const line_ctx *c, const char *key, const char *v, double *out) {
    char *end;
    errno = 0;
    double x = strtod(v, &end);
    if (end == v || *end || errno || !isfinite(x))
        return line_err(c, "%s=%s is not a number", key, v);
    *out = x;
    return AN_OK;
}

static an_status get_double(const line_ctx *c, const char *key, double def, double lo, double hi,
                            double *out) {
    const char *v = get(c, key);
    if (!v) {
        *out = def;
        return AN_OK;
    }
    AN_TRY(parse_double(c, key, v, out));
    if (*out < lo || *out > hi)
        return line_err(c, "%s=%s is out of range [%g, %g]", key, v, lo, hi);
    return AN_OK;
}

/* A comma-separated list of numbers: "0.485,0.456,0.406". */
static an_status get_list(const line_ctx *c, const char *key, double def, double *vals, int *n) {
    const char *v = get(c, key);
    if (!v) {
        vals[0] = def;
        *n = 1;
        return AN_OK;
    }
    *n = 0;
    char item[64];
    while (*v) {
        size_t len = strcspn(v, ",");
        if (len == 0 || len >= sizeof item) return line_err(c, "%s: bad list item in '%s'", key, v);
        if (*n == AN_MAX_INPUT_CHANNELS)
            return line_err(c, "%s: more than %d values", key, AN_MAX_INPUT_CHANNELS);
        memcpy(item, v, len);
        item[len] = 0;
        AN_TRY(parse_double(c, key, item, &vals[*n]));
        (*n)++;
        v += len;
        if (*v == ',') v++;
    }
    return AN_OK;
}

static an_status get_choice(const line_ctx *c, const char *key, const char *choices, int def,
                            int *out) {
    const char *v = get(c, key);
    if (!v) {
        *out = def;
        return AN_OK;
    }
    int i = 0;
    const char *p = choices;
    while (*p) {
        size_t len = strcspn(p, "|");
        if (strlen(v) == len && strncmp(p, v, len) == 0) {
            *out = i;
            return AN_OK;
        }
        p += len;
        if (*p == '|') p++;
        i++;
    }
    return line_err(c, "%s=%s: expected one of %s", key, v, choices);
}

/* Which keys each line kind takes. */
typedef struct line_kind {
    char keyword[12];
    char keys[64];    /* space-separated */
    int layer_kind;   /* -1 for header lines */
} line_kind;

static const line_kind line_kinds[] = {
    {"net", "name towers lrn classes", -1},
    {"input", "channels size height width", -1},
    {"preprocess", "range mean std order", -1},
    {"conv", "name out k stride pad groups input tower std bias", AN_LAYER_CONV},
    {"fc", "name out groups input tower std bias", AN_LAYER_FC},
    {"relu", "name", AN_LAYER_RELU},
    {"lrn", "name size alpha beta k", AN_LAYER_LRN},
    {"maxpool", "name k stride pad", AN_LAYER_MAXPOOL},
    {"avgpool", "name k stride pad out", AN_LAYER_AVGPOOL},
    {"dropout", "name p", AN_LAYER_DROPOUT},
    {"softmax", "name", AN_LAYER_SOFTMAX},
};

static int key_in(const char *key, const char *keys) {
    size_t n = strlen(key);
    for (const char *p = keys; *p;) {
        size_t len = strcspn(p, " ");
        if (len == n && strncmp(p, key, n) == 0) return 1;
        p += len;
        while (*p == ' ') p++;
    }
    return 0;
}

/* Split the tokens of a line (already NUL-separated in buf) into key=value pairs. */
static an_status split_kv(line_ctx *c, char **tok, int ntok, const char *keys) {
    c->nkv = 0;
    for (int i = 0; i < ntok; i++) {
        char *eq = strchr(tok[i], '=');
        if (!eq || eq == tok[i])
            return line_err(c, "'%s' is not key=value (keys: %s)", tok[i], keys);
        *eq = 0;
        if (!key_in(tok[i], keys)) return line_err(c, "unknown key '%s' (keys: %s)", tok[i], keys);
        if (get(c, tok[i])) return line_err(c, "%s= given twice", tok[i]);
        if (!eq[1]) return line_err(c, "%s= has no value", tok[i]);
        if (c->nkv == MAX_KV) return line_err(c, "too many keys");
        snprintf(c->kv[c->nkv].key, sizeof c->kv[c->nkv].key, "%s", tok[i]);
        c->kv[c->nkv].val = eq + 1;
        c->nkv++;
    }
    return AN_OK;
}

static an_status check_name(const line_ctx *c, const char *name) {
    size_t n = strlen(name);
    if (n >= AN_NAME_MAX) return line_err(c, "name '%s' is longer than %d characters", name,
                                          AN_NAME_MAX - 1);
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)name[i]) && name[i] != '_' && name[i] != '-')
            return line_err(c, "name '%s': use letters, digits, '_' and '-'", name);
    return AN_OK;
}

static an_status parse_layer(an_net *net, line_ctx *c, an_layer_kind kind, int *kind_count) {
    an_layer *L = &net->layers[net->nlayers];
    memset(L, 0, sizeof *L);
    L->kind = kind;
    L->line = c->line;
    const char *name = get(c, "name");
    if (name) {
        AN_TRY(check_name(c, name));
        snprintf(L->name, sizeof L->name, "%s", name);
    } else if (kind == AN_LAYER_CONV || kind == AN_LAYER_FC) {
        return line_err(c, "missing name= (it names the layer's tensors)");
    } else {
        snprintf(L->name, sizeof L->name, "%s%d", an_layer_kind_name(kind), kind_count[kind] + 1);
    }
    kind_count[kind]++;
    if (an_net_find_layer(net, L->name) >= 0)
        return line_err(c, "a layer named '%s' already exists", L->name);

    switch (kind) {
    case AN_LAYER_CONV:
    case AN_LAYER_FC: {
        an_conv_params *p = &L->conv;
        AN_TRY(get_int(c, "out", 1, 0, 1, 1 << 24, &p->out));
        if (kind == AN_LAYER_CONV) {
            AN_TRY(get_int(c, "k", 1, 0, 1, 1024, &p->ksize));
            AN_TRY(get_int(c, "stride", 0, 1, 1, 1024, &p->stride));
            AN_TRY(get_int(c, "pad", 0, 0, 0, 1024, &p->pad));
        } else {
            p->ksize = p->stride = 1;
        }
        AN_TRY(get_int(c, "groups", 0, 1, 1, 1 << 16, &p->groups));
        int mode;
        AN_TRY(get_choice(c, "input", "own|cross", 0, &mode));
        L->input = mode ? AN_INPUT_CROSS : AN_INPUT_OWN;
        const char *tw = get(c, "tower");
        if (!tw || strcmp(tw, "all") == 0)
            L->tower = 0;
        else
            AN_TRY(get_int(c, "tower", 1, 0, 1, AN_MAX_TOWERS, &L->tower));
        AN_TRY(get_double(c, "std", 0.01, 0, 1e3, &p->init_std));
        AN_TRY(get_double(c, "bias", 0, -1e3, 1e3, &p->init_bias));
        break;
    }
    case AN_LAYER_LRN:
        AN_TRY(get_int(c, "size", 0, 5, 1, 1023, &L->lrn.size));
        AN_TRY(get_double(c, "alpha", 1e-4, 0, 1e6, &L->lrn.alpha));
        AN_TRY(get_double(c, "beta", 0.75, 0, 1e3, &L->lrn.beta));
        AN_TRY(get_double(c, "k", 2, 1e-12, 1e6, &L->lrn.k));
        break;
    case AN_LAYER_MAXPOOL:
    case AN_LAYER_AVGPOOL:
        if (kind == AN_LAYER_AVGPOOL && get(c, "out")) {
            if (get(c, "k") || get(c, "stride") || get(c, "pad"))
                return line_err(c, "an adaptive pool (out=) takes no k=, stride= or pad=");
            L->pool.adaptive = 1;
            AN_TRY(get_int(c, "out", 1, 0, 1, 1 << 16, &L->pool.out_size));
        } else {
            AN_TRY(get_int(c, "k", 1, 0, 1, 1024, &L->pool.ksize));
            AN_TRY(get_int(c, "stride", 0, L->pool.ksize, 1, 1024, &L->pool.stride));
            AN_TRY(get_int(c, "pad", 0, 0, 0, 512, &L->pool.pad));
        }
        break;
    case AN_LAYER_DROPOUT:
        AN_TRY(get_double(c, "p", 0.5, 0, 0.999, &L->dropout_p));
        break;
    case AN_LAYER_RELU:
    case AN_LAYER_SOFTMAX:
        break;
    }
    net->nlayers++;
    return AN_OK;
}

static an_status parse_header(an_net *net, line_ctx *c, int *seen_input) {
    if (strcmp(c->keyword, "net") == 0) {
        const char *name = get(c, "name");
        if (!name) return line_err(c, "missing name=");
        AN_TRY(check_name(c, name));
        snprintf(net->name, sizeof net->name, "%s", name);
        AN_TRY(get_int(c, "towers", 0, 1, 1, AN_MAX_TOWERS, &net->towers));
        int lrn;
        AN_TRY(get_choice(c, "lrn", "paper|caffe", 0, &lrn));
        net->lrn = lrn ? AN_LRN_CAFFE : AN_LRN_PAPER;
        AN_TRY(get_int(c, "classes", 0, 0, 1, AN_MAX_CLASSES, &net->classes));
    } else if (strcmp(c->keyword, "input") == 0) {
        if (*seen_input) return line_err(c, "given twice");
        *seen_input = 1;
        AN_TRY(get_int(c, "channels", 1, 0, 1, AN_MAX_INPUT_CHANNELS, &net->input.c));
        if (get(c, "size")) {
            if (get(c, "height") || get(c, "width"))
                return line_err(c, "give size= or height= and width=, not both");
            AN_TRY(get_int(c, "size", 1, 0, 1, 1 << 16, &net->input.h));
            net->input.w = net->input.h;
        } else {
            if (!get(c, "height")) return line_err(c, "missing size= (or height= and width=)");
            AN_TRY(get_int(c, "height", 1, 0, 1, 1 << 16, &net->input.h));
            AN_TRY(get_int(c, "width", 1, 0, 1, 1 << 16, &net->input.w));
        }
    } else { /* preprocess */
        an_preproc *p = &net->pre;
        AN_TRY(get_double(c, "range", 255, 1e-6, 1e6, &p->range));
        AN_TRY(get_list(c, "mean", 0, p->mean, &p->nmean));
        AN_TRY(get_list(c, "std", 1, p->std, &p->nstd));
        for (int i = 0; i < p->nstd; i++)
            if (!(p->std[i] > 0)) return line_err(c, "std values must be positive");
        int order;
        AN_TRY(get_choice(c, "order", "rgb|bgr|grey", 0, &order));
        snprintf(p->order, sizeof p->order, "%s", order == 1 ? "bgr" : order == 2 ? "grey" : "rgb");
    }
    return AN_OK;
}

static an_status add_class_name(an_net *net, const line_ctx *c, const char *name) {
    if (!*name) return line_err(c, "a class line needs a name: `class Ankle boot`");
    char **grown = realloc(net->class_names, (size_t)(net->nclass_names + 1) * sizeof *grown);
    if (!grown) return an_error(AN_ERR_NOMEM, "out of memory reading class names");
    net->class_names = grown;
    if (!(grown[net->nclass_names] = an_net_dup_str(name)))
        return an_error(AN_ERR_NOMEM, "out of memory reading class names");
    net->nclass_names++;
    return AN_OK;
}

static an_status parse_text(an_net *net, const char *text) {
    size_t cap_lines = 1;
    for (const char *p = text; *p; p++) cap_lines += *p == '\n';
    net->layers = calloc(cap_lines, sizeof *net->layers);
    if (!net->layers) return an_error(AN_ERR_NOMEM, "out of memory parsing %s", net->source);
    net->towers = 1;
    net->pre.range = 255;
    net->pre.nmean = net->pre.nstd = 1;
    net->pre.std[0] = 1;

    int kind_count[8] = {0};
    int seen_net = 0, seen_input = 0, seen_pre = 0;
    int lineno = 0;
    const char *p = text;
    char buf[4096];
    while (*p) {
        size_t len = strcspn(p, "\n");
        lineno++;
        line_ctx c = {.net = net, .line = lineno, .keyword = "line"};
        if (len >= sizeof buf)
            return line_err(&c, "line longer than %zu characters", sizeof buf - 1);
        memcpy(buf, p, len);
        buf[len] = 0;
        p += len;
        if (*p == '\n') p++;
        if (len && buf[len - 1] == '\r') buf[--len] = 0;

        /* A comment starts at a '#' that begins a token. */
        for (size_t i = 0; i < len; i++)
            if (buf[i] == '#' && (i == 0 || isspace((unsigned char)buf[i - 1]))) {
                buf[i] = 0;
                break;
            }
        char *s = buf;
        while (isspace((unsigned char)*s)) s++;
        if (!*s) continue;
        size_t kwlen = strcspn(s, " \t");
        char *rest = s + kwlen;
        if (*rest) *rest++ = 0;
        c.keyword = s;

        if (strcmp(s, "class") == 0) {
            while (isspace((unsigned char)*rest)) rest++;
            char *e = rest + strlen(rest);
            while (e > rest && isspace((unsigned char)e[-1])) *--e = 0;
            AN_TRY(add_class_name(net, &c, rest));
            continue;
        }
        const line_kind *lk = NULL;
        for (size_t i = 0; i < sizeof line_kinds / sizeof line_kinds[0]; i++)
            if (strcmp(line_kinds[i].keyword, s) == 0) lk = &line_kinds[i];
        if (!lk)
            return line_err(&c, "unknown keyword (expected net, input, preprocess, class, conv, "
                                "fc, relu, lrn, maxpool, avgpool, dropout or softmax)");
        char *tok[MAX_KV + 1];
        int ntok = 0;
        for (char *t = strtok(rest, " \t"); t; t = strtok(NULL, " \t")) {
            if (ntok == MAX_KV) return line_err(&c, "too many keys");
            tok[ntok++] = t;
        }
        AN_TRY(split_kv(&c, tok, ntok, lk->keys));
        if (!seen_net && strcmp(s, "net") != 0)
            return line_err(&c, "the description must start with a `net name=...` line");
        if (lk->layer_kind < 0) {
            if (net->nlayers) return line_err(&c, "header lines must come before the layers");
            if (strcmp(s, "net") == 0 && seen_net) return line_err(&c, "given twice");
            if (strcmp(s, "preprocess") == 0 && seen_pre++) return line_err(&c, "given twice");
            seen_net = 1;
            AN_TRY(parse_header(net, &c, &seen_input));
            continue;
        }
        if (!seen_input)
            return line_err(&c, "the `input channels=... size=...` line must come before the "
                                "layers");
        AN_TRY(parse_layer(net, &c, (an_layer_kind)lk->layer_kind, kind_count));
    }
    if (!seen_net)
        return an_error(AN_ERR_FORMAT, "%s: empty description (no `net` line)", net->source);
    if (!seen_input)
        return an_error(AN_ERR_FORMAT, "%s: no `input channels=... size=...` line", net->source);
    return AN_OK;
}

an_status an_net_parse(const char *text, const char *source, an_net **out) {
    *out = NULL;
    an_net *net = calloc(1, sizeof *net);
    if (!net) return an_error(AN_ERR_NOMEM, "out of memory");
    snprintf(net->source, sizeof net->source, "%s", source ? source : "net description");
    an_status s = parse_text(net, text);
    if (s == AN_OK) s = an_net_infer(net);
    if (s != AN_OK) {
        an_net_free(net);
        return s;
    }
    *out = net;
    return AN_OK;
}

/* ---- loading by name or path ------------------------------------------------------------ */

static an_status read_text_file(const char *path, char **out) {
    FILE *f = fopen(path, "rb");
    if (!f) return an_error(AN_ERR_NOT_FOUND, "cannot open net description %s: %s", path,
                            strerror(errno));
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        if (n + 1 >= cap) {
            char *g = realloc(buf, cap * 2);
            if (!g) break;
            buf = g;
            cap *= 2;
        }
        size_t r = fread(buf + n, 1, cap - n - 1, f);
        n += r;
        if (r == 0) break;
    }
    int err = ferror(f);
    fclose(f);
    if (!buf) return an_error(AN_ERR_NOMEM, "out of memory reading %s", path);
    if (err) {
        free(buf);
        return an_error(AN_ERR_IO, "error reading net description %s", path);
    }
    buf[n] = 0;
    if (strlen(buf) != n) {
        free(buf);
        return an_error(AN_ERR_FORMAT, "%s is not a text file (it contains NUL bytes)", path);
    }
    *out = buf;
    return AN_OK;
}

static int is_file(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static an_status load_base(const char *name, an_net **out) {
    if (is_file(name)) {
        char *text = NULL;
        AN_TRY(read_text_file(name, &text));
        an_status s = an_net_parse(text, name, out);
        free(text);
        return s;
    }
    const char *text = an_builtin_net_text(name);
    if (text) {
        char src[AN_NAME_MAX + 16];
        snprintf(src, sizeof src, "built-in %s", name);
        return an_net_parse(text, src, out);
    }
    char list[256] = "";
    for (const char *const *n = an_builtin_net_names(); *n; n++) {
        if (list[0]) strncat(list, ", ", sizeof list - strlen(list) - 1);
        strncat(list, *n, sizeof list - strlen(list) - 1);
    }
    return an_error(AN_ERR_NOT_FOUND, "no net file '%s' and no built-in net of that name "
                                      "(built-ins: %s)", name, list);
}

static an_status apply_overrides(an_net *net, const char *spec) {
    int v[5] = {0, 0, 0, 0, 0}; /* channels, size, height, width, classes */
    const char *const keys[5] = {"channels", "size", "height", "width", "classes"};
    char buf[256];
    snprintf(buf, sizeof buf, "%s", spec);
    for (char *item = strtok(buf, ","); item; item = strtok(NULL, ",")) {
        char *eq = strchr(item, '=');
        int k = -1;
        if (eq) {
            *eq = 0;
            for (int i = 0; i < 5; i++)
                if (strcmp(item, keys[i]) == 0) k = i;
        }
        char *end = NULL;
        long x = eq ? strtol(eq + 1, &end, 10) : 0;
        long hi = k == 4 ? AN_MAX_CLASSES : 1 << 16;
        if (k < 0 || !end || end == eq + 1 || *end || x < 1 || x > hi)
            return an_error(AN_ERR_INVALID_ARG, "net option '%s': expected channels=N, size=N, "
                            "height=N, width=N or classes=N", item);
        v[k] = (int)x;
    }
    int h = v[2] ? v[2] : v[1], w = v[3] ? v[3] : v[1];
    AN_TRY(an_net_set_input(net, v[0], h, w));
    return v[4] ? an_net_set_classes(net, v[4]) : AN_OK;
}

an_status an_net_load(const char *name_or_path, an_net **out) {
    *out = NULL;
    if (!name_or_path || !*name_or_path)
        return an_error(AN_ERR_INVALID_ARG, "no net given (a built-in name or a .net file)");
    const char *colon = strrchr(name_or_path, ':');
    if (is_file(name_or_path) || !colon || !strchr(colon, '='))
        return load_base(name_or_path, out);
    char base[1024];
    size_t n = (size_t)(colon - name_or_path);
    if (n >= sizeof base) return an_error(AN_ERR_INVALID_ARG, "net name too long");
    memcpy(base, name_or_path, n);
    base[n] = 0;
    an_net *net;
    AN_TRY(load_base(base, &net));
    an_status s = apply_overrides(net, colon + 1);
    if (s != AN_OK) {
        an_net_free(net);
        return an_error_context(s, "%s: ", name_or_path);
    }
    *out = net;
    return AN_OK;
}

