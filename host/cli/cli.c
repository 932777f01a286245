/* host/cli/cli.c - option parsing, device opening and error printing shared by the subcommands. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "net/netdesc.h"
#include "runtime/limits.h"
#include "train/evaluate.h"

static void print_usage(FILE *f, const char *cmd, const char *usage, const cli_opt *opts,
                        int defaults) {
    fprintf(f, "usage: alexnet %s %s\n\noptions:\n", cmd, usage);
    for (const cli_opt *o = opts; o->name; o++) {
        char left[64];
        snprintf(left, sizeof left, "%s%s%s", o->name, o->metavar ? " " : "",
                 o->metavar ? o->metavar : "");
        fprintf(f, "  %-24s %s", left, o->help);
        if (o->kind == CLI_CHOICE) fprintf(f, " (%s)", o->choices);
        if (!defaults) {
            /* after a usage error the values are the user's, not defaults */
        } else if (o->kind == CLI_INT && *(int *)o->dst) {
            fprintf(f, " [default %d]", *(int *)o->dst);
        } else if (o->kind == CLI_FLOAT && *(double *)o->dst != 0) {
            fprintf(f, " [default %g]", *(double *)o->dst);
        } else if ((o->kind == CLI_STR || o->kind == CLI_CHOICE) && *(const char **)o->dst) {
            fprintf(f, " [default %s]", *(const char **)o->dst);
        }
        fputc('\n', f);
    }
    fprintf(f, "  %-24s %s\n", "-h, --help", "show this help");
}

static int choice_ok(const char *choices, const char *v) {
    size_t lv = strlen(v);
    for (const char *p = choices; *p;) {
        const char *bar = strchr(p, '|');
        size_t l = bar ? (size_t)(bar - p) : strlen(p);
        if (l == lv && strncmp(p, v, l) == 0) return 1;
        if (!bar) break;
        p = bar + 1;
    }
    return 0;
}

int cli_parse(const char *cmd, const char *usage, const cli_opt *opts, int argc, char **argv,
              const char **pos, int max_pos, int *npos) {
    *npos = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            print_usage(stdout, cmd, usage, opts, 1);
            return -1;
        }
        if (a[0] != '-' || a[1] == 0) {
            if (*npos >= max_pos) {
                fprintf(stderr, "alexnet %s: unexpected argument \"%s\"\n", cmd, a);
                print_usage(stderr, cmd, usage, opts, 0);
                return 2;
            }
            pos[(*npos)++] = a;
            continue;
        }
        char name[64];
        const char *eq = strchr(a, '='), *val = NULL;
        snprintf(name, sizeof name, "%.*s", eq ? (int)(eq - a) : (int)strlen(a), a);
        const cli_opt *o = opts;
        while (o->name && strcmp(o->name, name) != 0) o++;
        if (!o->name) {
            fprintf(stderr, "alexnet %s: unknown option \"%s\"\n", cmd, name);
            print_usage(stderr, cmd, usage, opts, 0);
            return 2;
        }
        if (o->kind == CLI_FLAG) {
            if (eq) {
                fprintf(stderr, "alexnet %s: %s takes no value\n", cmd, name);
                return 2;
            }
            *(int *)o->dst = 1;
            continue;
        }
        if (eq)
            val = eq + 1;
        else if (i + 1 < argc)
            val = argv[++i];
        else {
            fprintf(stderr, "alexnet %s: %s needs a value (%s)\n", cmd, name,
                    o->kind == CLI_CHOICE ? o->choices : o->metavar);
            return 2;
        }
        char *end = NULL;
        errno = 0;
        switch (o->kind) {
        case CLI_INT: {
            long v = strtol(val, &end, 10);
            if (errno || !*val || *end || v < -2147483647L || v > 2147483647L) {
                fprintf(stderr, "alexnet %s: %s wants a whole number, not \"%s\"\n", cmd, name, val);
                return 2;
            }
            *(int *)o->dst = (int)v;
            break;
        }
        case CLI_FLOAT: {
            double v = strtod(val, &end);
            if (errno || !*val || *end || v != v) {
                fprintf(stderr, "alexnet %s: %s wants a number, not \"%s\"\n", cmd, name, val);
                return 2;
            }
            *(double *)o->dst = v;
            break;
        }
        case CLI_CHOICE:
            if (!choice_ok(o->choices, val)) {
                fprintf(stderr, "alexnet %s: %s must be one of %s, not \"%s\"\n", cmd, name,
                        o->choices, val);
                return 2;
            }
            *(const char **)o->dst = val;
            break;
        default:
            *(const char **)o->dst = val;
        }
    }
    return 0;
}

int cli_fail(const char *cmd, an_status s) {
    fprintf(stderr, "alexnet %s: %s\n", cmd, an_last_error()[0] ? an_last_error() : an_status_name(s));
    return 1;
}

int cli_use_limits(const char *limits) {
    if (!limits) return 0;
    an_status s = an_limits_use(limits);
    if (s != AN_OK) fprintf(stderr, "alexnet: --limits: %s\n", an_last_error());
    return s != AN_OK;
}

int cli_open_devices(const cli_device_opts *o, int want, an_dev *devs, int *ndev) {
    if (o->no_kernel_cache) an_kernel_cache_enable(0);
    if (cli_use_limits(o->limits)) return 1;
    an_device_info *list = NULL;
    int n = 0, nsel = 0;
    an_device_info infos[AN_MAX_SELECTED];
    an_status s = an_devices_list(&list, &n);
    if (s == AN_OK) s = an_devices_pick(list, n, o->device, want, infos, &nsel);
    if (s == AN_OK) s = an_devs_open(infos, nsel, devs);
    free(list);
    if (s != AN_OK) {
        fprintf(stderr, "alexnet: %s\n", an_last_error());
        return 1;
    }
    *ndev = nsel;
    return 0;
}

int cli_is_tty(void) { return isatty(2); }

void cli_tune_progress(void *ctx, const char *line) {
    (void)ctx;
    fprintf(stderr, "%s\n", line);
}

void cli_json_string(FILE *f, const char *s) {
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

int cli_eval_opts(const char *cmd, int batch, int default_batch, int threads, int size,
                  int ten_crop, int flip, const char *classes, an_eval_opts *eo) {
    if (batch < 0 || threads < 0 || size < 0) {
        fprintf(stderr, "alexnet %s: --batch, --threads and --size take positive numbers\n", cmd);
        return 2;
    }
    *eo = an_eval_defaults();
    eo->ten_crop = ten_crop;
    eo->flip = flip;
    eo->batch = batch ? batch : default_batch;
    eo->model_batch = eo->batch * (ten_crop ? 10 : flip ? 2 : 1);
    eo->threads = threads;
    eo->size = size;
    eo->classes = classes;
    return 0;
}

int cli_say(const char *cmd, int rc, const char *msg) {
    fprintf(stderr, "alexnet %s: %s\n", cmd, msg);
    return rc;
}

int cli_open_net(const char *cmd, const char *net_name, const cli_device_opts *o, an_net **net,
                 an_dev *devs, int *ndev) {
    *net = NULL;
    an_status s = an_net_load(net_name, net);
    if (s != AN_OK) return cli_fail(cmd, s);
    if (cli_open_devices(o, 0, devs, ndev)) {
        an_net_free(*net);
        *net = NULL;
        return 1;
    }
    return 0;
}
