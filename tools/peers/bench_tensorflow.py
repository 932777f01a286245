"""tools/peers/bench_tensorflow.py - the TensorFlow peer: torchvision's AlexNet rebuilt in Keras,
layer for layer with the same shapes and parameter count (61,100,840), channels-last as TensorFlow
runs convolutions on CPUs, THREADS intra-op threads, Keras's defaults otherwise.

torchvision's adaptive average pool to 6x6 is the identity at 224x224, so it is left out; padding
2 before conv1 (11x11/4) gives its 55x55. Inference: model.predict_on_batch. Training:
model.train_on_batch with sparse cross-entropy on logits and keras.optimizers.SGD (momentum 0.9,
weight decay 0.0005, which Keras applies to the weights directly rather than through the momentum:
the same work). --xla picks Keras's jit_compile (auto: Keras's default); the backend line says
what ran: TensorFlow's oneDNN switch (TF_ENABLE_ONEDNN_OPTS, on by default on x86) and XLA.

usage: bench_tensorflow.py --batch N [--train] [--iters N] [--warmup N] [--threads N]
                           [--xla auto|on|off]
"""
import os

import peerlib

PARAMS = 61100840  # torchvision.models.alexnet()


def alexnet(keras):
    L = keras.layers
    return keras.Sequential([
        keras.Input((224, 224, 3)),
        L.ZeroPadding2D(2), L.Conv2D(64, 11, strides=4, activation="relu"), L.MaxPooling2D(3, 2),
        L.Conv2D(192, 5, padding="same", activation="relu"), L.MaxPooling2D(3, 2),
        L.Conv2D(384, 3, padding="same", activation="relu"),
        L.Conv2D(256, 3, padding="same", activation="relu"),
        L.Conv2D(256, 3, padding="same", activation="relu"), L.MaxPooling2D(3, 2),
        L.Flatten(), L.Dropout(0.5), L.Dense(4096, activation="relu"),
        L.Dropout(0.5), L.Dense(4096, activation="relu"), L.Dense(peerlib.CLASSES),
    ])


def onednn_state():
    flag = os.environ.get("TF_ENABLE_ONEDNN_OPTS")
    try:
        from tensorflow.python.util import _pywrap_util_port
        used = "on" if _pywrap_util_port.IsMklEnabled() else "off"
    except (ImportError, AttributeError):
        used = "unknown"
    return f"oneDNN {used} (TF_ENABLE_ONEDNN_OPTS={flag if flag is not None else 'unset'})"


def main():
    a = peerlib.parse_args("tensorflow", __doc__, extra=lambda ap: ap.add_argument(
        "--xla", choices=["auto", "on", "off"], default="auto"))
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    (tf,) = peerlib.need("tensorflow", ["tensorflow"])
    np = __import__("numpy")
    tf.config.threading.set_intra_op_parallelism_threads(a.threads)
    keras = tf.keras
    keras.utils.set_random_seed(1)
    model = alexnet(keras)
    if model.count_params() != PARAMS:
        raise SystemExit(f"tensorflow: the Keras AlexNet has {model.count_params()} parameters, "
                         f"torchvision's {PARAMS}")
    jit = {"auto": "auto", "on": True, "off": False}[a.xla]
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=peerlib.LR,
                                                 momentum=peerlib.MOMENTUM,
                                                 weight_decay=peerlib.WEIGHT_DECAY),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  jit_compile=jit)
    rng = np.random.default_rng(1)
    x = rng.uniform(-1, 1, (a.batch, 224, 224, 3)).astype(np.float32)
    y = rng.integers(0, peerlib.CLASSES, a.batch).astype(np.int32)
    if a.train:
        wall = peerlib.time_steps(lambda: model.train_on_batch(x, y), a)
    else:
        wall = peerlib.time_steps(lambda: model.predict_on_batch(x), a)
    xla = getattr(model, "jit_compile", jit)
    peerlib.emit(a, "tensorflow", tf.__version__,
                 f"{onednn_state()}, XLA {'on' if xla is True else 'off' if xla is False else xla}"
                 f", Keras {keras.__version__}", wall)


if __name__ == "__main__":
    main()
