"""tools/peers/bench_openvino.py - the OpenVINO peer: torchvision's AlexNet exported to ONNX
(PEERS_DIR/alexnet.onnx), reshaped to the batch, compiled for the CPU plugin with THREADS inference
threads and the LATENCY hint (one request, the whole batch at once). Inference only.

--precision f32 (default) forces INFERENCE_PRECISION_HINT=f32, the like-for-like figure: on CPUs
with AVX512_BF16 or AMX the plugin otherwise runs bf16. --precision default leaves the plugin's
choice (peer "openvino-default"); every run also reports the plugin's default precision.

usage: bench_openvino.py --batch N [--iters N] [--warmup N] [--threads N] [--precision f32|default]
"""
import peerlib


def type_name(t):
    """An OpenVINO element type as its short name (f32, bf16, f16)."""
    return t.get_type_name() if hasattr(t, "get_type_name") else str(t)


def main():
    a = peerlib.parse_args("openvino", __doc__, trains=False, extra=lambda ap: ap.add_argument(
        "--precision", choices=["f32", "default"], default="f32"))
    ov, np = peerlib.need("openvino", ["openvino", "numpy"])
    core = ov.Core()
    default_precision = type_name(core.get_property("CPU", "INFERENCE_PRECISION_HINT"))
    model = core.read_model(peerlib.onnx_file("openvino"))
    model.reshape([a.batch, 3, 224, 224])
    config = {"INFERENCE_NUM_THREADS": a.threads, "PERFORMANCE_HINT": "LATENCY"}
    if a.precision == "f32":
        config["INFERENCE_PRECISION_HINT"] = "f32"
    compiled = core.compile_model(model, "CPU", config)
    precision = type_name(compiled.get_property("INFERENCE_PRECISION_HINT"))
    if a.precision == "f32" and precision != "f32":
        raise SystemExit(f"openvino: asked for f32, the plugin compiled {precision}")
    req = compiled.create_infer_request()
    rng = np.random.default_rng(1)
    x = rng.uniform(-1, 1, (a.batch, 3, 224, 224)).astype(np.float32)
    wall = peerlib.time_steps(lambda: req.infer({0: x}), a)
    cpu = core.get_property("CPU", "FULL_DEVICE_NAME")
    peer = "openvino" if a.precision == "f32" else "openvino-default"
    peerlib.emit(a, peer, ov.get_version().split("-")[0],
                 f"CPU plugin ({cpu}), {precision}, default precision {default_precision}", wall,
                 precision=precision, default_precision=default_precision)


if __name__ == "__main__":
    main()
