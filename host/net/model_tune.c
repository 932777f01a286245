/* host/net/model_tune.c - the convolution algorithm of every conv layer, tower and direction:
 * forced by the model's conv_algo, else the tuner's choice (host/ops/tune.h) for the model's
 * batch, else (ALEXNET_TUNE=off) an_conv_algo_resolve's rule; and the workspace that fits the
 * choices. The forward's are made when the model is placed, the gradients' at the first
 * backward, so that inference never times a backward. An inference model's forward is tuned as
 * AN_TUNE_INFERENCE, which may err more than a training forward (an_tune_accuracy_factor). */
#include <stdio.h>

#include "net/model_impl.h"
#include "ops/tune_limits.h"

an_status an_model_choose_conv(an_model *m, int i, int t, int backward) {
    mtower *mt = &m->L[i].t[t];
    an_dev *d = mt->d;
    mdev *md = &m->dev[an_model_dev_of(m, t)];
    an_conv_shape s = an_model_conv_shape(m, i, m->batch);
    int mode = an_tune_mode(d);
    for (int dir = backward ? 1 : 0; dir < (backward ? AN_TUNE_DIRS : 1); dir++) {
        an_tune_dir key = dir == AN_TUNE_FORWARD && m->opts.inference ? AN_TUNE_INFERENCE
                                                                       : (an_tune_dir)dir;
        an_conv_choice c = {an_conv_algo_resolve(d, &s, m->algo), AN_GEMM_AUTO};
        an_tune_source src = m->algo != AN_CONV_AUTO ? AN_TUNE_FORCED : AN_TUNE_RULE;
        char why[160], line[600];
        int timed = m->algo == AN_CONV_AUTO && mode != AN_TUNE_MODE_OFF;
        size_t room = d->info.global_mem > md->mem.total ? d->info.global_mem - md->mem.total
                                                          : 0;
        if (timed && !an_tune_fits_memory(d, &s, room, why, sizeof why)) {
            timed = 0;
            an_tune_result r;
            int found;
            AN_TRY(an_conv_tune_cached(d, &s, key, &r, &found));
            if (found) { /* timed once where it fitted */
                c = r.choice;
                src = r.source;
            } else if (m->opts.tune_progress) {
                snprintf(line, sizeof line, "%s: tune: %s not timed at batch %d: %s; the rule's "
                         "choice", m->L[i].l->name, an_tune_dir_name(key), s.n,
                         why);
                m->opts.tune_progress(m->opts.tune_ctx, line);
            }
        }
        if (timed) {
            char note[512];
            an_tune_limits_note(d, &s, note, sizeof note);
            snprintf(line, sizeof line, "%s: %s", m->L[i].l->name, note);
            if (note[0] && m->opts.tune_progress && dir == (backward ? 1 : 0))
                m->opts.tune_progress(m->opts.tune_ctx, line);
            an_tune_result r;
            an_status st = an_conv_tune(d, &s, key, m->opts.tune_progress,
                                        m->opts.tune_ctx, &r);
            if (st != AN_OK)
                return an_error_context(st, "choosing the %s algorithm of layer %s",
                                        an_tune_dir_name(key), m->L[i].l->name);
            c = r.choice;
            src = r.source;
        }
        mt->conv[dir] = c;
        mt->conv_src[dir] = src;
        size_t ws = dir == AN_TUNE_FORWARD ? an_conv_forward_workspace_floats(d, &s, c.algo)
                                           : an_conv_workspace_floats(d, &s, c.algo);
        if (ws > md->ws_floats) md->ws_floats = ws;
    }
    return AN_OK;
}

an_status an_model_choose_conv_backward(an_model *m) {
    size_t before[AN_MAX_SELECTED];
    for (int di = 0; di < m->ndev; di++) before[di] = m->dev[di].ws_floats;
    for (int i = 0; i < m->net->nlayers; i++) {
        if (m->net->layers[i].kind != AN_LAYER_CONV) continue;
        for (int t = 0; t < m->T; t++)
            if (m->L[i].t[t].runs) AN_TRY(an_model_choose_conv(m, i, t, 1));
    }
    for (int di = 0; di < m->ndev; di++) {
        mdev *md = &m->dev[di];
        if (md->ws_floats == before[di]) continue;
        an_dev *d = &m->devs[di];
        size_t extra = (md->ws_floats - before[di]) * sizeof(float);
        if (md->mem.total + extra > d->info.global_mem)
            return an_error(AN_ERR_NOMEM, "the convolution workspace of the backward (%.1f MiB) "
                            "does not fit in %s's memory; use a smaller --batch or --conv im2col",
                            (double)md->ws_floats * sizeof(float) / 1048576.0, d->info.name);
        an_free(&md->ws); /* queued work that uses it keeps it alive */
        AN_TRY(an_alloc(d, "convolution workspace", md->ws_floats * sizeof(float), &md->ws));
        md->mem.total += extra;
        md->mem.workspace += extra;
    }
    m->conv_bwd_chosen = 1;
    return AN_OK;
}

an_status an_model_conv_choice(const an_model *m, int i, an_tune_dir dir, an_conv_choice *c,
                               an_tune_source *src) {
    if (i < 0 || i >= m->net->nlayers || m->net->layers[i].kind != AN_LAYER_CONV || dir < 0 ||
        dir >= AN_TUNE_DIRS || (dir != AN_TUNE_FORWARD && !m->conv_bwd_chosen))
        return an_error(AN_ERR_NOT_FOUND, "layer %d has no %s convolution choice", i,
                        an_tune_dir_name(dir));
    for (int t = 0; t < m->T; t++)
        if (m->L[i].t[t].runs) {
            *c = m->L[i].t[t].conv[dir];
            *src = m->L[i].t[t].conv_src[dir];
            return AN_OK;
        }
    return an_error(AN_ERR_NOT_FOUND, "layer %d runs on no tower", i);
}
