/* test/test_feed.c - loader batches into net inputs: the view's normalisation from a net's
 * preprocessing, channel order (BGR nets get the channels reversed), and grey nets. */
#include "check.h"
#include "train/feed.h"

static an_net *net_with(const char *channels, const char *pre) {
    char text[1024];
    snprintf(text, sizeof text,
             "net name=t towers=1 lrn=paper classes=2\ninput channels=%s size=4\n%s\n"
             "fc name=fc1 out=2\nsoftmax name=prob\n", channels, pre);
    an_net *net = NULL;
    CHECK_OK(an_net_parse(text, "test_feed", &net));
    return net;
}

int main(void) {
    float img[2 * 3 * 16], out[2 * 3 * 16];
    check_fill_uniform(img, 2 * 3 * 16, 5, -2, 2);
    an_batch b = {img, NULL, 2, 1, 0, 0, 0};

    an_net *rgb = net_with("3", "preprocess range=255 mean=10,20,30 std=2,4,8 order=rgb");
    an_net *bgr = net_with("3", "preprocess range=255 mean=10,20,30 std=2,4,8 order=bgr");
    an_net *grey = net_with("1", "preprocess range=1 mean=0.5 std=0.25");
    if (!rgb || !bgr || !grey) return check_done("test_feed");

    an_view_config v = an_feed_view(rgb, AN_CROP_CENTER, 0);
    CHECK(v.norm == AN_NORM_MEAN_STD && fabsf(v.mean[0] - 10 / 255.0f) < 1e-7f &&
              fabsf(v.std[2] - 8 / 255.0f) < 1e-7f && v.input == 4,
          "rgb view: mean %g std %g", v.mean[0], v.std[2]);
    v = an_feed_view(bgr, AN_CROP_CENTER, 0);
    CHECK(fabsf(v.mean[0] - 30 / 255.0f) < 1e-7f && fabsf(v.mean[2] - 10 / 255.0f) < 1e-7f &&
              fabsf(v.std[0] - 8 / 255.0f) < 1e-7f,
          "bgr view: the loader's red channel uses the net's channel 2: mean %g %g", v.mean[0],
          v.mean[2]);
    v = an_feed_view(grey, AN_CROP_TRAIN, 1);
    CHECK(v.lighting && v.flip && fabsf(v.mean[1] - 0.5f) < 1e-7f &&
              fabsf(v.std[2] - 0.25f) < 1e-7f,
          "grey training view");

    CHECK(an_feed_direct(rgb, &b) == img, "an RGB net takes the batch as it is");
    CHECK(an_feed_direct(bgr, &b) == NULL && an_feed_direct(grey, &b) == NULL,
          "BGR and grey nets need a conversion");
    check_poison(out, 2 * 3 * 16);
    CHECK_OK(an_feed_images(bgr, &b, 0, out));
    int bad = 0;
    for (int i = 0; i < 2; i++)
        for (int c = 0; c < 3; c++)
            for (int k = 0; k < 16; k++)
                bad += out[(i * 3 + c) * 16 + k] != img[(i * 3 + 2 - c) * 16 + k];
    CHECK(bad == 0, "bgr: channels reversed (%d wrong)", bad);
    check_poison(out, 2 * 3 * 16);
    CHECK_OK(an_feed_images(grey, &b, 0, out));
    bad = 0;
    for (int i = 0; i < 2; i++)
        for (int k = 0; k < 16; k++) {
            const float *s = img + i * 48;
            float want = (s[k] + s[16 + k] + s[32 + k]) * (1.0f / 3.0f);
            bad += !(fabsf(out[i * 16 + k] - want) <= 1e-6f);
        }
    CHECK(bad == 0, "grey: the mean of the three channels (%d wrong)", bad);
    CHECK(an_feed_images(grey, &b, 1, out) == AN_ERR_INVALID_ARG, "no second view");
    an_net_free(rgb), an_net_free(bgr), an_net_free(grey);
    return check_done("test_feed");
}
