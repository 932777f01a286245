"""tools/peers/bench_onnxruntime.py - the ONNX Runtime peer: torchvision's AlexNet exported to ONNX
(PEERS_DIR/alexnet.onnx, made by `tools/setup.sh peers`), CPU execution provider (its MLAS GEMMs),
all graph optimisations, THREADS intra-op threads. Inference only.

usage: bench_onnxruntime.py --batch N [--iters N] [--warmup N] [--threads N]
"""
import peerlib


def main():
    a = peerlib.parse_args("onnxruntime", __doc__, trains=False)
    ort, np = peerlib.need("onnxruntime", ["onnxruntime", "numpy"])
    so = ort.SessionOptions()
    so.intra_op_num_threads = a.threads
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    sess = ort.InferenceSession(peerlib.onnx_file("onnxruntime"), so,
                                providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(1)
    x = rng.uniform(-1, 1, (a.batch, 3, 224, 224)).astype(np.float32)
    name = sess.get_inputs()[0].name
    wall = peerlib.time_steps(lambda: sess.run(None, {name: x}), a)
    peerlib.emit(a, "onnxruntime", ort.__version__,
                 f"{', '.join(sess.get_providers())} (MLAS), float32", wall)


if __name__ == "__main__":
    main()
