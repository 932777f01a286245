/* host/net/model_dist.c - a model's flat gradient buffers, one per device, to and from the host:
 * what a data-parallel reduction (host/train/distributed.h) sums over the ranks. */
#include "net/model_impl.h"

int an_model_devices(const an_model *m) { return m->ndev; }

size_t an_model_dev_grad_floats(const an_model *m, int i) {
    return i >= 0 && i < m->ndev && !m->opts.inference ? m->dev[i].layout.total : 0;
}

static an_status check_dev(const an_model *m, int i, const char *what) {
    AN_TRY(an_model_refuse_inference(m, what));
    if (i < 0 || i >= m->ndev)
        return an_error(AN_ERR_INVALID_ARG, "%s: no device %d (the model has %d)", what, i,
                        m->ndev);
    return AN_OK;
}

an_status an_model_read_dev_grads(an_model *m, int i, float *host) {
    AN_TRY(check_dev(m, i, "reading a device's gradients"));
    m->devs[i].tag = "grads";
    return an_read(&m->devs[i], (an_buf){m->dev[i].grads, 0}, host, m->dev[i].layout.total);
}

an_status an_model_write_dev_grads(an_model *m, int i, const float *host) {
    AN_TRY(check_dev(m, i, "writing a device's gradients"));
    m->devs[i].tag = "grads";
    return an_write(&m->devs[i], (an_buf){m->dev[i].grads, 0}, host, m->dev[i].layout.total);
}
